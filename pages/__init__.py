"""The Streamlit pages (UI only; run through app.py). ``pages.common`` holds the shared pieces."""
