"""The HTTP side: one ThreadingHTTPServer on 127.0.0.1 that logs every request it gets."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import anthropic, chat, responses
from .script import Book

Reply = Callable[[Book, dict[str, Any]], tuple[str, bytes, dict[str, Any]]]
ROUTES: dict[str, Reply] = {
    "/v1/messages": anthropic.reply,
    "/v1/responses": responses.reply,
    "/v1/chat/completions": chat.reply,
}


class ModelServer:
    """A scripted model endpoint. Use as a context manager; `url` is its base address."""

    def __init__(self, book: Book | None = None, log: Path | None = None) -> None:
        self.book = book or Book()
        self.log = log
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.stopped = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._http.shutdown()
        self._http.server_close()

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)
            if self.log is not None:
                with self.log.open("a") as f:
                    f.write(json.dumps(entry) + "\n")

    def calls(self, path: str) -> list[dict[str, Any]]:
        """The logged POSTs to one API path, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r["path"] == path and r["method"] == "POST"]


def _handler(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the log is ours
            pass

        def _answer(self, status: int, ctype: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            if ctype == "text/event-stream":
                self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if self.command != "HEAD":
                # An agent killed while its model "thinks" is what the timeout tests do.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            path = urlsplit(self.path).path
            entry: dict[str, Any] = {"method": self.command, "path": path, "query":
                                     urlsplit(self.path).query, "body": body,
                                     "headers": {k.lower(): v for k, v in self.headers.items()
                                                 if k.lower() != "authorization"}}  # fmt: skip
            route = ROUTES.get(path)
            if path.endswith("/count_tokens") and self.command == "POST":
                ctype, data, step = "application/json", b'{"input_tokens": 1000}', {}
                status = 200
            elif route is not None and self.command == "POST" and isinstance(body, dict):
                ctype, data, step = route(server.book, body)
                status = 200
            elif path.rstrip("/").endswith("/models") and self.command == "GET":
                ctype, data, step, status = "application/json", b'{"data": []}', {}, 200
            else:
                msg = {"type": "error", "error": {"type": "not_found_error", "message": path}}
                ctype, data, step, status = "application/json", json.dumps(msg).encode(), {}, 404
            entry["status"] = status
            entry["step"] = step
            server.record(entry)
            if "sleep" in step:  # logged first, so a test sees the request that hangs
                server.stopped.wait(float(step["sleep"]))
            self._answer(status, ctype, data)

        do_GET = do_POST = do_HEAD = _handle

    return Handler
