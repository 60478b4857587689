"""The paywall page: a browser asking a paid route unpaid gets a page it can pay from, every
other client the JSON 402.

Every decision is the core's (``pay402._native.PaywallPage`` over the core's page server):
page or API for a request (GET/HEAD, no payment credential, ``Sec-Fetch-Dest`` absent or
``document``, ``text/html`` explicitly accepted at least as much as ``application/json``), the
escaping, the theme's checks (WCAG 2.2 contrast), the embedded page data (the same
``PAYMENT-REQUIRED`` value as the header, byte for byte), the status, the challenge headers and
the page headers (``Content-Type``, ``Cache-Control``, ``Vary``, CSP). This module loads the
packaged template (``paywall_page.html``: script and wasm inline, no further request) and
turns a :class:`PageConfig` into the core's arguments.

The page is on by default; ``X402Paywall(page=False)`` turns it off, ``X402Route(page=False)``
per route, ``X402Paywall(page=PageConfig(...))`` themes it and
``X402Paywall(paywall_html=fn)`` supplies custom HTML (``fn(info, request) -> str | bytes |
None``, ``None`` keeps the page).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, Union

from .._native import PaywallPage
from ..errors import ConfigurationError
from .http import Reply, Request

__all__ = ["PageConfig", "PageInfo", "PaywallHtml", "PageArg", "template", "VARY"]

VARY: str = PaywallPage.VARY
"""The ``Vary`` value of every unpaid 402 on a route that serves the page (the core's)."""


@functools.lru_cache(maxsize=1)
def template() -> bytes:
    """The packaged page template (``pay402/server/paywall_page.html``)."""
    try:
        from importlib.resources import files

        return (files("pay402.server") / "paywall_page.html").read_bytes()
    except (ImportError, AttributeError):  # pragma: no cover - CPython 3.9 has files()
        import pkgutil

        data = pkgutil.get_data("pay402.server", "paywall_page.html")
        if data is None:
            raise ConfigurationError("the paywall page template is missing from the package", code="page_template_missing")
        return data


@dataclass(frozen=True)
class PageConfig:
    """The page's theme and options, checked by the core when the paywall is built.

    ``title`` (1 to 120 characters), ``logo`` (a base64 ``data:image/…`` URL up to 32 KiB or a
    same-origin path: the page makes no external request), ``colors`` (``background``,
    ``text``, ``accent``, ``accent_text``, each ``#rrggbb``; text on background and accent text
    on accent at least 4.5:1, else ``theme_low_contrast``), ``lang``; ``rpc``: JSON-RPC URLs by
    CAIP-2 network for the page's balance check; ``display``: ``(decimals, symbol)`` per offer
    index; ``messages``: strings overriding the page's English messages by key; ``show_receipt``;
    ``csp``: ``"minimal"`` (default) or ``"strict"``; ``require_mozilla_user_agent``: also
    require ``Mozilla`` in ``User-Agent`` (the x402 reference server's rule); ``template``: your
    own template bytes with the five ``{{pay402.*}}`` slots (default: the packaged page).
    """

    title: Optional[str] = None
    logo: Optional[str] = None
    colors: Mapping[str, str] = field(default_factory=dict)
    lang: Optional[str] = None
    rpc: Mapping[str, str] = field(default_factory=dict)
    display: Sequence[Tuple[int, str]] = ()
    messages: Optional[Mapping[str, str]] = None
    show_receipt: bool = False
    csp: str = "minimal"
    require_mozilla_user_agent: bool = False
    template: Optional[bytes] = None

    def build(self) -> PaywallPage:
        """The core's page server for this configuration; raises
        :class:`~pay402.errors.ConfigurationError` with the core's code."""
        unknown = set(self.colors) - {"background", "text", "accent", "accent_text"}
        if unknown:
            raise ConfigurationError(f"unknown page colors: {sorted(unknown)}", code="unknown_option")
        try:
            return PaywallPage(
                self.template if self.template is not None else template(),
                title=self.title,
                logo=self.logo,
                background=self.colors.get("background"),
                text=self.colors.get("text"),
                accent=self.colors.get("accent"),
                accent_text=self.colors.get("accent_text"),
                lang=self.lang,
                rpc=list(self.rpc.items()),
                display=[(int(d), str(s)) for d, s in self.display],
                messages=None if self.messages is None else json.dumps(dict(self.messages)),
                show_receipt=self.show_receipt,
                csp=self.csp,
                require_mozilla_user_agent=self.require_mozilla_user_agent,
            )
        except Exception as e:  # the core's typed errors (X402Error .code)
            code = getattr(e, "code", None)
            if code is None:
                raise
            raise ConfigurationError(f"paywall page: {e}", code=code) from e


PageArg = Union[None, bool, PageConfig, Mapping[str, Any]]
"""``None``/``True``: the default page; ``False``: no page (JSON 402 only); a
:class:`PageConfig` (or a dict of its fields): the themed page."""


@dataclass(frozen=True)
class PageInfo:
    """What a custom-HTML hook gets: the core's page ``reply`` (status, headers, the default
    page as body), ``meta`` (the page data as the core wrote it, a complete
    ``<meta name="pay402-page" content="…">`` element: embed it and the packaged page's script
    reads the same offers), ``payment_required`` (the ``PAYMENT-REQUIRED`` value, or None),
    ``resource_url`` and ``description`` (raw text: escape them in your markup)."""

    reply: Reply
    meta: str
    payment_required: Optional[str]
    resource_url: str
    description: str

    @property
    def html(self) -> str:
        """The default page."""
        return self.reply.body.decode()


PaywallHtml = Callable[[PageInfo, Request], Union[str, bytes, None]]
"""``(info, request) -> HTML`` (``None``: serve the default page)."""

_META = re.compile(rb'<meta name="pay402-page" content="[^"]*">')


def page_server(arg: PageArg) -> Optional[PaywallPage]:
    """The core's page server for a paywall's or route's ``page=`` (None when off)."""
    if arg is False:
        return None
    if arg is None or arg is True:
        return _default_page()
    if isinstance(arg, PageConfig):
        return arg.build()
    if isinstance(arg, Mapping):  # a settings dict (Django's settings.PAY402)
        try:
            return PageConfig(**arg).build()
        except TypeError as e:
            raise ConfigurationError(f"page: {e}", code="unknown_option") from None
    raise ConfigurationError(f"page= takes a PageConfig, True or False, not {type(arg).__name__}", code="invalid_page")


@functools.lru_cache(maxsize=1)
def _default_page() -> PaywallPage:
    return PageConfig().build()


def page_reply(
    page: PaywallPage,
    challenge: Reply,
    request: Request,
    description: str,
    hook: Optional[PaywallHtml],
    l402: Optional[Mapping[str, Any]] = None,
) -> Reply:
    """The page reply for the core's 402 ``challenge`` (the same status and challenge headers),
    its body from ``hook`` when it answers."""
    try:
        r = page.reply(challenge.status, list(challenge.headers), url=request.url, description=description, l402=l402)
    except Exception as e:
        code = getattr(e, "code", None)
        if code is None:
            raise
        raise ConfigurationError(f"paywall page: {e}", code=code) from e
    body = bytes(r.body or b"")
    reply = Reply(int(r.status), list(r.headers), body, r.code, r.detail_code)
    if hook is None:
        return reply
    match = _META.search(body)
    payment_required = next((v for k, v in reply.headers if k.lower() == "payment-required"), None)
    info = PageInfo(reply, match.group(0).decode() if match else "", payment_required, request.url, description)
    custom = hook(info, request)
    if custom is None:
        return reply
    if isinstance(custom, str):
        custom = custom.encode()
    if not isinstance(custom, bytes):
        raise TypeError("paywall_html must return str, bytes or None")
    return Reply(reply.status, reply.headers, custom, reply.code, reply.detail_code)
