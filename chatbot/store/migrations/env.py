"""Alembic environment: ``chatbot.store.migrate.upgrade`` hands over an open connection in a transaction."""

from alembic import context

from chatbot.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
