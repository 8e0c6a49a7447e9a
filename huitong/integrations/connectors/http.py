"""HTTP for connectors: one session per adapter, a minimum interval between calls (the platform's
rate limit), and retries with exponential backoff on network errors, 429 and 5xx (honouring
Retry-After). 4xx other than 429 is not retried: it raises ConnectorError at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from huitong.integrations.connectors.base import ConnectorError, TransientError

log = logging.getLogger(__name__)
RETRYABLE = {429, 500, 502, 503, 504}


class RateLimiter:
    """At most ``per_second`` calls per second from this process (a minimum spacing)."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


class HttpClient:
    def __init__(self, base_url: str, *, per_second: float = 10.0, retries: int = 4, backoff: float = 0.2,
                 timeout: float = 20.0, sleep: Callable[[float], None] = time.sleep):
        if not base_url:
            raise ConnectorError("no API base URL configured for this store")
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.limiter = RateLimiter(per_second)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, data: Any = None,
                json: Any = None, headers: Mapping[str, str] | None = None) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(self.retries + 1):
            self.limiter.wait()
            try:
                response = self.session.request(method, url, params=params, data=data, json=json,
                                                headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                problem: str = f"{type(exc).__name__}: {exc}"
                retry_after = None
            else:
                if response.status_code not in RETRYABLE:
                    if response.status_code >= 400:
                        raise ConnectorError(f"HTTP {response.status_code} from {url}: {response.text[:300]}",
                                             code=str(response.status_code))
                    return response
                problem = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
            if attempt == self.retries:
                raise TransientError(f"{method} {url} failed after {attempt + 1} attempts: {problem}")
            delay = retry_after if retry_after is not None else self.backoff * 2 ** attempt
            log.info("retrying %s %s in %.2fs (%s)", method, url, delay, problem)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def retry_call(self, call: Callable[[], Any], *, is_transient: Callable[[Any], bool]) -> Any:
        """For platforms that signal throttling inside a 200 body (TOP, JOS, PDD error codes): run
        ``call`` and retry with backoff while ``is_transient(result)`` says so."""
        for attempt in range(self.retries + 1):
            result = call()
            if not is_transient(result):
                return result
            if attempt == self.retries:
                raise TransientError(f"platform kept answering with a transient error: {str(result)[:300]}")
            self.sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(float(value), 60.0) if value else None
    except ValueError:
        return None
