"""What the paywall needs of an HTTP request, and the replies it sends itself."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["Headers", "Request", "Reply"]

Headers = List[Tuple[str, str]]


@dataclass(frozen=True)
class Request:
    """An HTTP request as the paywall sees it. ``headers`` as received (any case, repeated
    fields as separate pairs). ``native`` is the framework's own request object (Starlette
    ``Request`` scope, WSGI environ, Flask or Django request), for dynamic prices and hooks."""

    method: str
    path: str
    url: str
    headers: Sequence[Tuple[str, str]]
    native: Any = field(default=None, compare=False, repr=False)

    def header(self, name: str) -> Optional[str]:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_values(self, name: str) -> List[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


@dataclass
class Reply:
    """A response the middleware sends itself (a 402, a refused or pending settlement)."""

    status: int
    headers: Headers
    body: bytes
    code: Optional[str] = None
    detail_code: Optional[str] = None


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def with_body(reply: Reply, body: Any) -> Reply:
    """``reply`` with its body replaced: ``bytes``/``str`` as is, anything else as JSON."""
    headers = [(k, v) for k, v in reply.headers if k.lower() != "content-type"]
    if isinstance(body, bytes):
        data, ctype = body, "application/octet-stream"
    elif isinstance(body, str):
        data, ctype = body.encode(), "text/html; charset=utf-8" if body.lstrip().startswith("<") else "text/plain; charset=utf-8"
    else:
        data, ctype = json_body(body), "application/json"
    return Reply(reply.status, headers + [("Content-Type", ctype)], data, reply.code, reply.detail_code)


def dict_headers(headers: Dict[str, str]) -> Headers:
    return list(headers.items())
