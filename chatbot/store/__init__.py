"""The clinic's database: schema and migrations, feedback, staff accounts, the audit log (SQLite or PostgreSQL)."""
