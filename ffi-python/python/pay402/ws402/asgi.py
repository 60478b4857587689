"""ASGI plumbing of :class:`~pay402.ws402.Ws402Endpoint`: the raw ASGI app (a ``websocket`` scope
runs one session, an ``http`` GET answers the schema), Starlette routes, and the socket reader
that moves an ASGI connection's frames and disconnect into a session's queue.

FastAPI is Starlette: ``app.router.routes.extend(endpoint.routes("/quotes"))``. The original
WS402's paths (the schema at ``/ws402/schema/<resourceId>``, the socket at ``/``):
``endpoint.routes("/", schema_path="/ws402/schema/{resource_id}")``. Any other ASGI
router takes the raw app (``endpoint.asgi``) for both the ``websocket`` and the ``http`` scope of
the path; Django Channels' ``URLRouter`` is such a router, but it is not tested here (channels is
not a test dependency).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from .server import Ws402Endpoint

__all__ = ["Ws402Asgi", "read_socket", "starlette_routes", "ws_url_of"]

# ASGI callables, typed loosely (no ASGI typing package is required).
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


class Ws402Asgi:
    """An endpoint as a raw ASGI 3 application (``endpoint.asgi``)."""

    def __init__(self, endpoint: "Ws402Endpoint") -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await self.endpoint.run_session(scope, receive, send)
        elif kind == "http":
            method = scope.get("method")
            if method in ("GET", "HEAD"):
                body = self.endpoint.schema_json(ws_url_of(scope))
                status, headers = 200, [(b"content-type", b"application/json")]
            else:
                body, status, headers = b"", 405, [(b"allow", b"GET, HEAD")]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if self.endpoint.store is not None:
                        try:
                            await self.endpoint.recover()
                        except Exception as e:  # the server must not start half-recovered
                            await send({"type": "lifespan.startup.failed", "message": str(e)})
                            return
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return


def starlette_routes(endpoint: "Ws402Endpoint", path: str, schema_path: Optional[str] = None) -> List[Any]:
    """Starlette routes: the WebSocket session at ``path`` and the HTTP schema (GET) at
    ``schema_path`` (default: ``path``). With a ``schema_path`` of its own (the original WS402's
    ``/ws402/schema/{resource_id}``, whose parameters are ignored), ``path`` is a literal path and
    the schema names the socket at ``path`` on the request's host."""
    from starlette.routing import Route, WebSocketRoute

    async def websocket(ws: Any) -> None:
        await endpoint.run_session(ws.scope, ws.receive, ws.send)

    if schema_path is None:
        return [WebSocketRoute(path, websocket), Route(path, endpoint.schema, methods=["GET"])]

    async def schema(request: Any) -> Any:
        from starlette.responses import Response

        url = ws_url_of({**request.scope, "path": path})
        return Response(endpoint.schema_json(url), media_type="application/json")

    return [WebSocketRoute(path, websocket), Route(schema_path, schema, methods=["GET"])]


async def read_socket(receive: Receive, post: Callable[[Tuple[Any, ...]], None]) -> None:
    """Moves an accepted ASGI socket's frames (``("text", str)``, ``("bytes", bytes)``) and its
    disconnect (``("closed", code)``) to ``post``, in order, until the disconnect."""
    while True:
        message = await receive()
        t = message["type"]
        if t == "websocket.receive":
            if message.get("text") is not None:
                post(("text", message["text"]))
            else:
                post(("bytes", bytes(message.get("bytes") or b"")))
        elif t == "websocket.disconnect":
            code = message.get("code")
            # 1005 and 1006 are never sent on the wire: no close frame came (a drop).
            post(("closed", None if code is None or code in (1005, 1006) else int(code)))
            return


def ws_url_of(scope: Mapping[str, Any]) -> str:
    """The ``ws://``/``wss://`` URL of the socket of an ASGI scope (``http`` or ``websocket``)."""
    scheme = scope.get("scheme", "ws")
    secure = scheme in ("https", "wss")
    host = None
    for k, v in scope.get("headers") or []:
        if k.lower() == b"host":
            host = v.decode("latin-1")
            break
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 443 if secure else 80) else f"{server[0]}:{server[1]}"
    path = scope.get("root_path", "") + scope.get("path", "/")
    return f"{'wss' if secure else 'ws'}://{host}{path}"
