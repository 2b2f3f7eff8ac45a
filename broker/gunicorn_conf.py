"""gunicorn settings for the web tier (used by `make run` and the Docker image)."""

import os

from broker.gunicorn_worker import child_exit, pre_fork  # noqa: F401 - gunicorn's server hooks: each worker's slot

# gunicorn's threaded worker, keeping kept-alive connections spread evenly over the worker
# processes, and a cheaper access log (broker/gunicorn_worker.py).
worker_class = "broker.gunicorn_worker.BalancedThreadWorker"
logger_class = "broker.gunicorn_worker.AccessLogger"
# Two threads a worker: one serves while the other waits on PostgreSQL. With four, requests of
# one worker queued for its interpreter lock after each database round trip: over six paired
# runs of the benchmark (8 clients), 2x2 against 2x4 had the matrix's p99 at 16-28 ms against
# 16-34 ms (medians 19 and 27) and can-i-deploy's throughput 436-548/s against 381-479/s.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
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

# The collector's thresholds in a worker (post_worker_init): generation 0, 1, 2.
_GC_THRESHOLDS = tuple(int(n) for n in os.environ.get("ACCORD_GC_THRESHOLDS", "20000,20,20").split(","))


def post_worker_init(worker) -> None:
    """Once the application is loaded: move every object it made so far (Django, the URL
    patterns, the apps' modules) out of the garbage collector's generations, and collect
    the youngest generation less often. A request makes thousands of short-lived objects;
    with the defaults, the collector ran every 700 allocations over that long-lived heap,
    and its full passes showed as 50-100 ms stalls in the tail of the latencies."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
