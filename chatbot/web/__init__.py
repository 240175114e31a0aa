"""The chat on the clinic's website: the public answers API and the one-tag widget, served beside the chat pages.

``chatbot serve`` runs one Streamlit ``st.App`` (an ASGI application) whose extra routes are built
here (``chatbot.web.app``): ``/api/v1/...`` (``api``), ``/widget.js`` and ``/widget-demo``. Only
clients' actions are reachable: asking, rating an answer, the starter questions, health and the
OpenAPI description. Nothing here reads staff data or changes it.
"""
