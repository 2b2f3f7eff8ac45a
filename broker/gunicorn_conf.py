"""gunicorn settings for the web tier (used by `make run` and the Docker image)."""

import os

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Hostile requests: cap the request line and headers (bodies are capped in middleware).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16380
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The raw request URI (RAW_URI) is what lets names containing %2F route correctly.
