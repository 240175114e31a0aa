"""The `chatbot` command (``python -m chatbot.cli``)."""
