"""A deployed provider for live-run tests, run as a separate process.

    python -m tests.drift.provider_app CONFIG_FILE PORT_FILE

CONFIG_FILE is JSON, re-read on every request so a test can change behaviour mid-flight:
  {"mode": "correct" | "renamed" | "error500" | "unauthorized" | "slow",
   "require": "Bearer tok-1" (optional: any other Authorization is answered 401),
   "delay": 0.0 (optional seconds before answering)}

mode renamed: GET /products/10 answers "title" where consumers expect "name" (drift).
Every request is counted by method and path and its headers kept: GET /_test/requests
(never counted) returns them. POST /oauth/token is an OAuth2 client-credentials endpoint
for client "live-client" / secret "client-s3cret" that hands out tok-1, tok-2, ...
"""

from __future__ import annotations

import base64
import http.server
import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs


def main(config_file: str, port_file: str) -> None:
    lock = threading.Lock()
    seen: list[dict] = []
    tokens = {"issued": 0}

    def config() -> dict:
        try:
            return json.loads(Path(config_file).read_text())
        except (OSError, ValueError):
            return {"mode": "correct"}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if self.path == "/_test/requests":
                with lock:
                    return self._send(200, {"requests": seen, "tokensIssued": tokens["issued"]})
            with lock:
                headers = {k.lower(): v for k, v in self.headers.items()}  # hyper sends lower case
                seen.append({"method": self.command, "path": self.path, "headers": headers, "at": time.time()})
            if self.path == "/oauth/token" and self.command == "POST":
                return self._token(body)
            settings = config()
            if settings.get("delay"):
                time.sleep(float(settings["delay"]))
            mode = settings.get("mode", "correct")
            required = settings.get("require")
            if mode == "unauthorized" or (required and self.headers.get("Authorization") != required):
                return self._send(401, {"error": "unauthorized"})
            if mode == "error500":
                return self._send(503, {"error": "down for maintenance"})
            if self.command == "GET" and self.path == "/health":
                return self._send(200, {"ok": True})
            if self.command == "GET" and self.path == "/products/10":
                product = {"id": 10, "price": 9.99}
                product["title" if mode == "renamed" else "name"] = "Widget"
                return self._send(200, product)
            if self.command == "GET" and self.path == "/products/99":
                return self._send(200, {"id": 99, "name": "Gone", "discontinued": True})
            if self.command == "POST" and self.path == "/orders":
                return self._send(201, {"id": 1})
            return self._send(404, {"error": "not found"})

        def _token(self, body: str) -> None:
            expected = "Basic " + base64.b64encode(b"live-client:client-s3cret").decode()
            form = parse_qs(body)
            if self.headers.get("Authorization") != expected or form.get("grant_type") != ["client_credentials"]:
                return self._send(401, {"error": "invalid_client"})
            with lock:
                tokens["issued"] += 1
                token = f"tok-{tokens['issued']}"
            return self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = _handle  # noqa: N815

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
