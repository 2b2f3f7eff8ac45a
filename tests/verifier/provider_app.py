"""A provider build for verification-run tests, run as a separate process.

    python -m tests.verifier.provider_app MODE PORT_FILE [RELEASE_FILE]

MODE correct: serves GET /orders/1 as {"id": 1, "name": "Widget"}.
MODE broken:  drops "name" (a consumer relies on it), so one interaction fails.
MODE slow:    holds every request until RELEASE_FILE exists (a run caught mid-flight).
POST /_pact/provider_states (state changes) always answers 200.
"""

from __future__ import annotations

import http.server
import json
import sys
import time
from pathlib import Path


def main(mode: str, port_file: str, release_file: str | None = None) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if mode == "slow" and release_file:
                while not Path(release_file).exists():
                    time.sleep(0.05)
            if self.path == "/orders/1":
                order = {"id": 1} if mode == "broken" else {"id": 1, "name": "Widget"}
                self._send(200, order)
            elif self.path == "/health":
                self._send(200, {"ok": True})
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(200, {})

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
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
