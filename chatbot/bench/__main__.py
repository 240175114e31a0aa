"""``python -m chatbot.bench``: what ``make bench`` runs."""

from chatbot.bench.latency import main

raise SystemExit(main())
