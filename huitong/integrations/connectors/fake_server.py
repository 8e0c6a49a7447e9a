"""A base for the local fake platform servers the connector tests run against: real HTTP on
127.0.0.1, a route table, injected failures (rate limiting, transient 5xx) and a request log.

Each platform's ``fake_server.py`` subclasses ``FakePlatform`` (or ``FakeOrderBook``, which also keeps
the orders, refunds and recorded writes in memory), checks signatures the platform's way and answers in
the platform's wire format."""

from __future__ import annotations

import copy
import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from huitong.integrations.connectors.times import CHINA


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str as is
    headers: dict[str, str] = field(default_factory=dict)


class FakePlatform:
    """Subclasses implement ``handle(request) -> FakeResponse``."""

    def __init__(self):
        self.requests: list[FakeRequest] = []
        self._failures: deque[FakeResponse] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- test controls ---------------------------------------------------------------------
    def fail_next(self, count: int = 1, *, status: int = 503, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after else {}
        with self._lock:
            self._failures.extend(FakeResponse(status, {"error": "injected"}, headers) for _ in range(count))

    def reset(self) -> None:
        """Forget requests and pending injected failures (to share one server across tests)."""
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def inject(self, response: FakeResponse, count: int = 1) -> None:
        """Answer the next ``count`` requests with ``response`` (e.g. a throttling error in a 200 body)."""
        with self._lock:
            self._failures.extend(response for _ in range(count))

    # --- server ----------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self) -> str:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = FakeRequest(self.command, split.path, dict(parse_qsl(split.query, keep_blank_values=True)),
                                      {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                with platform._lock:
                    platform.requests.append(request)
                    injected = platform._failures.popleft() if platform._failures else None
                response = injected or platform.handle(request)
                body = response.body
                if isinstance(body, (dict, list)):
                    payload, ctype = json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8"
                elif isinstance(body, str):
                    payload, ctype = body.encode(), "text/plain; charset=utf-8"
                else:
                    payload, ctype = body or b"", "application/octet-stream"
                self.send_response(response.status)
                self.send_header("Content-Type", response.headers.pop("Content-Type", ctype))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class FakeOrderBook(FakePlatform):
    """A fake that keeps orders (by their ``ORDER_ID`` field), refunds and the stock updates and
    shipments it was sent in memory, with its own clock ``now`` (Beijing time) for changes it makes.
    ``_data`` guards them; ``reset`` forgets them, to share one server across tests."""

    ORDER_ID = "id"

    def __init__(self):
        super().__init__()
        self.orders: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.stock_updates: list[dict[str, Any]] = []
        self.shipments: list[dict[str, Any]] = []
        self.now: Callable[[], datetime] = lambda: datetime.now(CHINA)
        self._data = threading.Lock()

    def reset(self) -> None:
        """Forget orders, refunds, recordings, requests and pending failures (one server, many tests)."""
        with self._data, self._lock:
            self.orders.clear()
            self.refunds.clear()
            self.stock_updates.clear()
            self.shipments.clear()
            self.requests.clear()
            self._failures.clear()
        self.now = lambda: datetime.now(CHINA)

    def add_order(self, info: Mapping[str, Any]) -> None:
        with self._data:
            self.orders[str(info[self.ORDER_ID])] = copy.deepcopy(dict(info))
