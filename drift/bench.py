"""The drift benchmark's provider: a real HTTP server that measures who calls it how fast.

    python -m drift.bench PORT_FILE

GET /items/<n> answers {"id": n, "name": "item <n>"}. Each request's X-Target header
names the live target that sent it; GET /_bench/stats returns, per target, the number of
requests and the most that started within any one second (a sliding window), which the
benchmark compares with the target's rate limit.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path


def max_in_one_second(times: list[float]) -> int:
    """The most timestamps within any half-open window [t, t + 1 s)."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def serve(port_file: str) -> None:
    lock = threading.Lock()
    seen: dict[str, list[float]] = defaultdict(list)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == "/_bench/stats":
                with lock:
                    stats = {t: {"requests": len(v), "maxPerSecond": max_in_one_second(v)} for t, v in seen.items()}
                return self._send(200, stats)
            with lock:
                seen[self.headers.get("X-Target", "-")].append(time.monotonic())
            if self.path.startswith("/items/"):
                number = self.path.rsplit("/", 1)[-1]
                return self._send(200, {"id": int(number) if number.isdigit() else number, "name": f"item {number}"})
            return self._send(404, {"error": "not found"})

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def pact(consumer: str, provider: str, interactions: int) -> str:
    """A pact of `interactions` GETs the benchmark provider answers."""
    return json.dumps(
        {
            "consumer": {"name": consumer},
            "provider": {"name": provider},
            "interactions": [
                {
                    "description": f"a request for item {n}",
                    "request": {"method": "GET", "path": f"/items/{n}"},
                    "response": {
                        "status": 200,
                        "headers": {"Content-Type": "application/json"},
                        "body": {"id": n, "name": f"item {n}"},
                    },
                }
                for n in range(interactions)
            ],
            "metadata": {"pactSpecification": {"version": "2.0.0"}},
        }
    )


if __name__ == "__main__":
    serve(*sys.argv[1:])
