"""WSGI middleware (any PEP 3333 app) enforcing x402 and/or L402.

.. code-block:: python

    application = PaymentMiddleware(application, x402=X402Paywall(...))

A paid x402 response is buffered until the exchange is over; the admission is in
``environ["pay402"]``. Flask and Django have their own adapters
(:mod:`pay402.server.flask`, :mod:`pay402.server.django`), which their test clients see.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .gate import Gate, X402Paywall, make_gate
from .http import Reply, Request
from .l402 import L402Paywall

__all__ = ["PaymentMiddleware", "request_from_environ", "status_line"]

StartResponse = Callable[..., Callable[[bytes], Any]]
Environ = Dict[str, Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def request_from_environ(environ: Environ, native: Any = None) -> Request:
    headers: List[Tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").lower(), value))
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "localhost")
        port = environ.get("SERVER_PORT")
        if port and port not in ("80", "443"):
            host += ":" + port
    path = environ.get("PATH_INFO", "") or "/"
    url = f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}{path}"
    if environ.get("QUERY_STRING"):
        url += "?" + environ["QUERY_STRING"]
    return Request(method=environ.get("REQUEST_METHOD", "GET"), path=path, url=url, headers=headers,
                   native=environ if native is None else native)


def _reply(start_response: StartResponse, reply: Reply) -> List[bytes]:
    start_response(status_line(reply.status), reply.headers + [("Content-Length", str(len(reply.body)))])
    return [reply.body]


class PaymentMiddleware:
    """Protects a WSGI app. Pass ``x402=`` and/or ``l402=``, or a ready ``gate=``."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        x402: Optional[X402Paywall] = None,
        l402: Optional[L402Paywall] = None,
        gate: Optional[Gate] = None,
    ) -> None:
        self.app = app
        self.gate = make_gate(x402, l402, gate)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        decision = self.gate.start(request_from_environ(environ))
        if decision is None:
            return self.app(environ, start_response)
        if isinstance(decision, Reply):
            return _reply(start_response, decision)
        pending = decision
        environ["pay402"] = pending.admission
        if pending.admission.kind != "x402":
            pending.finish(200)
            return self.app(environ, start_response)

        captured: List[Any] = []
        written: List[bytes] = []

        def capture(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            if exc_info is not None and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured[:] = [status, list(headers)]
            return written.append

        try:
            result = self.app(environ, capture)
            try:
                for chunk in result:
                    written.append(chunk)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if not captured:
                raise RuntimeError("the application did not call start_response")
        except BaseException:
            pending.finish(500)  # nothing settled; the reservation is released
            raise
        status, headers = captured
        outcome = pending.finish(int(status.split(" ", 1)[0]))
        if isinstance(outcome, Reply):
            return _reply(start_response, outcome)
        body = b"".join(written)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, headers + outcome + [("Content-Length", str(len(body)))])
        return [body]
