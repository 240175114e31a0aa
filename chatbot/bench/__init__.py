"""`make bench` (``python -m chatbot.bench``): cold start, answer latency, store writes; `make bench-scale`."""
