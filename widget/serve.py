"""Serve the widget's demo pages: the intranet page with the help widget at
``/``, the full-page chat at ``/chat`` and the bundle at ``/lotsen-widget.js``.

    python -m widget.serve            # foreground, Ctrl-C stops it

Environment:
    WIDGET_HOST       interface to listen on (default 127.0.0.1)
    WIDGET_PORT       port (default 8080)
    LOTSEN_RASA_URL   Rasa's base URL as the *browser* reaches it
                      (default http://localhost:5005); written into the
                      pages' data-server and allowed in the CSP connect-src

Python standard library only: a ThreadingHTTPServer that serves a fixed set
of files (no directory listing, nothing outside widget/) with a
Content-Security-Policy that allows scripts, styles and connections only from
this server itself, plus connections to the Rasa server's origin.
"""
from __future__ import annotations

import html
import logging
import os
import re
import signal
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

logger = logging.getLogger("widget.serve")

HERE = Path(__file__).resolve().parent
DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"
DEFAULT_RASA_URL = "http://localhost:5005"

# path -> (file, content type, whether data-server is rewritten)
ROUTES: dict[str, tuple[Path, str, bool]] = {
    "/": (HERE / "demo" / "index.html", "text/html; charset=utf-8", True),
    "/index.html": (HERE / "demo" / "index.html", "text/html; charset=utf-8", True),
    "/chat": (HERE / "demo" / "chat.html", "text/html; charset=utf-8", True),
    "/chat.html": (HERE / "demo" / "chat.html", "text/html; charset=utf-8", True),
    "/demo.css": (HERE / "demo" / "demo.css", "text/css; charset=utf-8", False),
    "/lotsen-widget.js": (HERE / "dist" / "lotsen-widget.js", "text/javascript; charset=utf-8", False),
}

DATA_SERVER = re.compile(r'data-server="[^"]*"')


def rasa_origin(rasa_url: str) -> str:
    """``scheme://host[:port]`` of ``rasa_url``; ValueError for anything but http(s)."""
    parts = urlsplit(rasa_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"LOTSEN_RASA_URL must be an http(s) URL, not {rasa_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    """Only this server's own files; connections to itself and to Rasa
    (HTTP long-polling and the WebSocket of the same origin)."""
    origin = rasa_origin(rasa_url)
    websocket = ("wss" if origin.startswith("https:") else "ws") + origin[origin.index(":"):]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {origin} {websocket}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    rasa_url: str = DEFAULT_RASA_URL

    @classmethod
    def from_env(cls, env: Optional[dict[str, str]] = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        rasa_url = (env.get("LOTSEN_RASA_URL") or DEFAULT_RASA_URL).rstrip("/")
        rasa_origin(rasa_url)  # validate early
        return cls(
            host=env.get("WIDGET_HOST") or DEFAULT_HOST,
            port=int(env.get("WIDGET_PORT") or DEFAULT_PORT),
            rasa_url=rasa_url,
        )


def make_handler(settings: Settings) -> type[BaseHTTPRequestHandler]:
    csp = content_security_policy(settings.rasa_url)
    server_attribute = f'data-server="{html.escape(settings.rasa_url, quote=True)}"'

    class Handler(BaseHTTPRequestHandler):
        server_version = "LotsenWidgetDemo"
        sys_version = ""

        def _body(self) -> Optional[tuple[bytes, str]]:
            path = urlsplit(self.path).path
            route = ROUTES.get(path)
            if route is None:
                return None
            file, content_type, rewrite = route
            try:
                data = file.read_bytes()
            except FileNotFoundError:
                return None
            if rewrite:
                text = DATA_SERVER.sub(server_attribute, data.decode("utf-8"))
                data = text.encode("utf-8")
            return data, content_type

        def _send(self, head_only: bool) -> None:
            found = self._body()
            if found is None:
                body, status = "Sidan finns inte.\n".encode(), HTTPStatus.NOT_FOUND
                content_type = "text/plain; charset=utf-8"
            else:
                (body, content_type), status = found, HTTPStatus.OK
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self._send(head_only=False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._send(head_only=True)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.info("%s %s", self.address_string(), format % args)

    return Handler


class DemoServer:
    """The demo server on a background thread (tests use this directly)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.httpd = ThreadingHTTPServer((settings.host, settings.port), make_handler(settings))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="widget-demo", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "DemoServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    if not ROUTES["/lotsen-widget.js"][0].exists():
        sys.exit("widget/dist/lotsen-widget.js is missing: run `npm ci && npm run build` in widget/")
    server = DemoServer(settings).start()
    print(
        f"Lotsen widget demo on {server.url}/ (full-page chat: {server.url}/chat), talking to {settings.rasa_url}",
        file=sys.stderr, flush=True,
    )
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    while not stopped.wait(0.5):
        pass
    server.stop()


if __name__ == "__main__":
    main()
