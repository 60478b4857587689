"""A paid, metered WebSocket endpoint: :class:`Ws402Endpoint` runs WS402 sessions on the core's
session machine (:class:`pay402.Ws402Server` / :class:`pay402.Ws402Session`).

Every decision is the core's: admission of the ``payment_proof`` (any scheme of the offers), the
replay key and its lifetime, what is sent and when, when and why a session ends and its close
code, the ``/settle`` body and its amount, the refund's amount, recipient, asset and key, the
statement. This module does the I/O the machine's commands ask for, in their order: it sends and
closes, reserves and releases replay keys, settles, refunds, arms one timer and hands frames to
the application. One asyncio task per session feeds the machine every input in order (frames,
the timer, the disconnect, the handler's sends, return or failure), so a close that races an
error, a timer or the handler's end is reported once and the later ones yield nothing.

Money rules (the machine's, see :mod:`pay402.ws402`): ``upto`` settles what was consumed at the
end (no refund exists); ``exact`` settles the prepayment before ``session_started`` and pays
back ``paid − consumed`` once, to the address that paid, through the settlement's ``refund``.

On-chain prepayments (:class:`ChainProof`, the original WS402's ``{txHash, reference,
senderAddress}`` proof): the client pays on chain itself; the machine asks for the transaction
over JSON-RPC (``rpc`` commands, POSTed here to ``ChainProof.rpc_url`` and answered with the
whole response body, or ``None`` when the call failed) and decides; nothing is settled, and
``paid − consumed`` is refunded once to the transaction's payer (never to ``senderAddress``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import http.client
import logging
import os
import secrets
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from .._native import ChainProofConfig, Ws402Command, Ws402Server, Ws402Session, Ws402Statement
from ..errors import ConfigurationError, LocalSettlementError, RpcError
from ..replay import MemoryReplayStore, as_replay_store
from ..server.gate import (
    SettlementArg,
    SettlementRequest,
    _Offer,
    _settle_with,
    _settlement,
)
from ..server.routes import X402Route
from .asgi import Receive, Send, Ws402Asgi, read_socket, starlette_routes, ws_url_of
from .store import MemorySessionStore, SessionStore, SessionStoreError

__all__ = ["ChainProof", "Ws402Endpoint", "Ws402ServerSession", "SessionEnded", "Handler"]

log = logging.getLogger("pay402.ws402")

# The shorthand offer's terms (as X402Paywall's defaults).
_OFFER_FIELDS = (
    "network", "pay_to", "asset", "decimals", "eip712_name", "eip712_version", "transfer_method",
    "fee_payer", "facilitator", "description", "mime_type", "max_timeout_seconds",
)
# Seconds a handler has to return once its session ended before it is cancelled.
_HANDLER_GRACE_S = 1.0


@dataclass(frozen=True)
class ChainProof:
    """On-chain prepayments for :class:`Ws402Endpoint` (``chain_proof=``): a client written for the
    original WS402 pays ``pay_to`` on chain ``chain_id`` itself (the native coin, or the ERC-20
    token ``asset``) and sends ``{"txHash", "reference", "senderAddress"}`` as its
    ``payment_proof``. The core verifies the transaction through ``rpc_url`` (JSON-RPC POSTs, each
    bounded by ``rpc_timeout`` seconds): at least the schema's ``totalPrice`` received by
    ``pay_to`` in that asset, mined ``min_confirmations`` deep, at most ``max_age_seconds`` old,
    the hash unused (the replay store keeps it). The session's balance is what was received; at
    the end ``paid − consumed`` is refunded once, through the endpoint's settlement ``refund``,
    to the payer the transaction shows (its ``from``, or the ERC-20 ``Transfer``'s), never to
    the client's ``senderAddress``. The schema's ``paymentDetails`` carries the original WS402's
    fields (``recipient``, ``amountWei``, ``chainId``, ``reference``, …). Prices are in the
    asset's atomic units (wei for the native coin). ``min_confirmations`` and
    ``max_age_seconds`` default to the core's (1, and 300 s: the original's ``paymentTimeout``).
    ``pay_to`` must not be the payee of the endpoint's x402 offers in the same token
    (``chain_proof_payee_shared``): an x402 settlement would pass as a prepayment."""

    chain_id: int
    pay_to: str
    rpc_url: str
    asset: Optional[str] = None
    min_confirmations: Optional[int] = None
    max_age_seconds: Optional[int] = None
    rpc_timeout: float = 10.0

    def _config(self) -> ChainProofConfig:
        parts = urllib.parse.urlsplit(self.rpc_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"ChainProof rpc_url {self.rpc_url!r} is not http(s)://host…", code="invalid_rpc_url")
        for name in ("chain_id", "min_confirmations", "max_age_seconds"):
            value = getattr(self, name)
            if value is None and name != "chain_id":
                continue  # the core's default
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigurationError(f"ChainProof {name} must be a non-negative int", code="invalid_chain_proof")
        return ChainProofConfig(chain_id=self.chain_id, pay_to=self.pay_to, asset=self.asset,
                                min_confirmations=self.min_confirmations, max_age_seconds=self.max_age_seconds)


def _post_rpc(url: str, body: bytes, timeout: float) -> Optional[bytes]:
    """POSTs one JSON-RPC request; the whole response body when the answer is HTTP 200, else
    ``None`` (connection error, timeout, another status). Nothing else is judged here."""
    parts = urllib.parse.urlsplit(url)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers={"content-type": "application/json", "accept": "application/json"})
        response = conn.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as e:
        log.warning("pay402 ws402: chain RPC failed (%s)", type(e).__name__)
        return None
    finally:
        conn.close()
    if response.status != 200:
        log.warning("pay402 ws402: chain RPC answered HTTP %s", response.status)
        return None
    return payload


class SessionEnded(Exception):
    """The session has ended (or ends now): the frame was not sent. ``statement`` is the
    session's statement once it is known."""

    def __init__(self, message: str, statement: Optional[Ws402Statement] = None) -> None:
        super().__init__(message)
        self.statement = statement


Handler = Callable[["Ws402ServerSession"], Awaitable[None]]


def _refund_outcome(result: Any) -> str:
    """A refund hook's answer as the machine's ``refunded`` input: ``confirmed`` (the transfer
    succeeded), ``pending`` (recorded or sent, not yet known) or ``failed`` (nothing paid)."""
    if isinstance(result, str) and result in ("confirmed", "pending", "failed"):
        return result
    if isinstance(result, Mapping):
        if result.get("success") is True:
            return "confirmed"
        if result.get("errorReason") == "refund_pending":
            return "pending"
        return "failed"
    raise TypeError(f"refund hook returned {type(result).__name__}, not a refund result dict")


class Ws402ServerSession:
    """What a session handler gets. ``send_text``/``send_bytes`` are metered (the machine may
    refuse a frame the balance cannot pay: the frame is not sent and :class:`SessionEnded` is
    raised); ``async for msg in session`` yields the client's application frames (``str`` or
    ``bytes``) until the session ends; :meth:`end` ends it and returns the statement."""

    def __init__(self, driver: "_Driver") -> None:
        self._driver = driver

    @property
    def id(self) -> str:
        """The wire ``sessionId`` (32 lowercase hex digits)."""
        return self._driver.session.session_id

    @property
    def payer(self) -> Optional[str]:
        """The verified payer of the prepayment (once admitted), as the core verified it."""
        return self._driver.session.payer

    @property
    def statement(self) -> Optional[Ws402Statement]:
        """The statement once the session ended (``paid``, ``consumed``, settlement, refund)."""
        return self._driver.session.statement

    @property
    def ended(self) -> bool:
        """True once the session ended (nothing more can be sent)."""
        return self._driver.ending

    async def send_text(self, text: str) -> None:
        """Sends a text frame if the machine allows it (metered by its UTF-8 size)."""
        await self._driver.app_send(text, len(text.encode("utf-8")))

    async def send_bytes(self, data: bytes) -> None:
        """Sends a binary frame if the machine allows it (metered by its size)."""
        await self._driver.app_send(bytes(data), len(data))

    async def grant_http(self, resource_url: str, *, ttl: float = 300.0, message: Optional[str] = None) -> str:
        """Grants this session's client HTTP access to ``resource_url`` for ``ttl`` seconds:
        sends ``http_access_granted`` (the core's token, bound to the session, the URL and the
        session's grant generation) and returns the token. The request then carries
        ``Authorization: WS402 <token>``; :meth:`Ws402Endpoint.grant_middleware` checks it. Needs
        the endpoint's ``secret``; raises :class:`SessionEnded` once the session ended."""
        d = self._driver
        if d.ending or d.record is None:
            raise SessionEnded("the WS402 session is not running", d.session.statement)
        expires = d.endpoint._now_ms() + int(round(ttl * 1000))
        token, frame = d.server.issue_grant(d.record, resource_url, expires, message)
        done: "asyncio.Future[bool]" = asyncio.get_running_loop().create_future()
        d.post(("grant", frame, done))
        if not await done:
            raise SessionEnded("the WS402 session ended: the grant was not sent", d.session.statement)
        return token

    async def end(self) -> Optional[Ws402Statement]:
        """Ends the session from the server side and waits for its statement (after the
        settlement and the refund)."""
        self._driver.post(("app_ended", False))
        await self._driver.finished.wait()
        return self._driver.session.statement

    def __aiter__(self) -> AsyncIterator[Union[str, bytes]]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[Union[str, bytes]]:
        while True:
            item = await self._driver.inbox.get()
            if item is None:
                self._driver.inbox.put_nowait(None)  # every later iteration ends too
                return
            yield item


class _Driver:
    """One socket's session: the only task that calls the machine."""

    def __init__(
        self, endpoint: "Ws402Endpoint", server: Ws402Server, send: Optional[Send], ws_url: str,
        session: Optional[Ws402Session] = None,
    ) -> None:
        self.endpoint = endpoint
        self.server = server
        self.send = send
        self.ws_url = ws_url
        self.events: "asyncio.Queue[Tuple[Any, ...]]" = asyncio.Queue()
        self.inbox: "asyncio.Queue[Optional[Union[str, bytes]]]" = asyncio.Queue()
        self.finished = asyncio.Event()
        self.ending = False
        self.socket_open = send is not None
        self.abandoned = False
        self.suspended = False
        self.record: Optional[bytes] = None  # the last record written
        self.handler_task: Optional["asyncio.Task[None]"] = None
        self.session: Ws402Session = (
            session if session is not None else server.accept(endpoint._now_ms(), secrets.token_bytes(16))
        )

    def post(self, event: Tuple[Any, ...]) -> None:
        self.events.put_nowait(event)

    async def http_serve(self, size: int) -> Tuple[int, Optional[str]]:
        """The core's verdict on serving an HTTP response of ``size`` body bytes under this
        session's grant, charged before it is sent: ``(200, None)`` (serve it) or the refusal's
        ``(status, code)``. A session whose loop is over cannot be charged here: the core's
        ``grant_elsewhere`` (fail closed)."""
        if self.finished.is_set():
            return Ws402Server.grant_elsewhere()
        done: "asyncio.Future[Tuple[int, Optional[str]]]" = asyncio.get_running_loop().create_future()
        self.post(("http_serve", size, done))
        return await done

    async def app_send(self, frame: Union[str, bytes], size: int) -> None:
        if self.ending:
            raise SessionEnded("the WS402 session has ended", self.session.statement)
        done: "asyncio.Future[bool]" = asyncio.get_running_loop().create_future()
        self.post(("app_send", frame, size, done))
        if not await done:
            raise SessionEnded("the WS402 session ended: the frame was not sent", self.session.statement)

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        self.endpoint._drivers.add(self)
        try:
            while not self.finished.is_set():
                event = await self._next()
                await self._handle(event)
        finally:
            self.endpoint._drivers.discard(self)
            while not self.events.empty():  # a charge asked meanwhile is not served (fail closed)
                pending = self.events.get_nowait()
                if pending[0] == "http_serve" and not pending[2].done():
                    pending[2].set_result(Ws402Server.grant_elsewhere())
            self.ending = True
            self.inbox.put_nowait(None)
            self.finished.set()
            task = self.handler_task
            if task is not None and not task.done():
                # The handler sees the end (its sends raise SessionEnded, its frames stop); one
                # still blocked elsewhere after the grace is cancelled.
                await asyncio.wait({task}, timeout=_HANDLER_GRACE_S)
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except BaseException:  # noqa: BLE001 - the handler's end after the session's
                    pass

    async def _next(self) -> Tuple[Any, ...]:
        """The next input: a queued event, or the timer once the clock reaches the machine's
        timeout. The wait re-reads the clock at least every ``timer_poll`` seconds, so an
        injected clock moved by a test fires the timer too."""
        while True:
            deadline = self.session.timeout
            if deadline is None:
                return await self.events.get()
            now = self.endpoint._now_ms()
            if now >= deadline:
                if not self.events.empty():
                    return self.events.get_nowait()
                return ("timer",)
            wait = min((deadline - now) / 1000.0, self.endpoint.timer_poll)
            try:
                return await asyncio.wait_for(self.events.get(), timeout=wait)
            except asyncio.TimeoutError:
                continue

    async def _handle(self, event: Tuple[Any, ...]) -> None:
        kind = event[0]
        s, now = self.session, self.endpoint._now_ms()
        awaiting_proof = s.phase == "awaiting_proof"
        app_frame: Any = None
        done: Optional["asyncio.Future[bool]"] = None
        try:
            if kind == "text":
                app_frame = event[1]
                commands = s.handle_text(now, event[1])
            elif kind == "bytes":
                app_frame = event[1]
                commands = s.handle_binary(now, event[1])
            elif kind == "timer":
                commands = s.timer(now)
            elif kind == "closed":
                self.socket_open = False
                commands = s.closed(now, event[1])
            elif kind == "app_ended":
                commands = s.app_ended(now, error=bool(event[1]))
            elif kind == "grant":
                done = event[2]
                commands = []
                if not self.ending and s.phase == "running":
                    await self._send({"type": "websocket.send", "text": event[1]})
                    done.set_result(self.socket_open)
            elif kind == "http_serve":
                try:
                    status, code, commands = s.http_serve(now, int(event[1]))
                except Exception:
                    # Answered before the error is handled below, so the request never waits for
                    # ever; a charge the machine refused is never served.
                    event[2].set_result(Ws402Server.grant_elsewhere())
                    raise
                event[2].set_result((status, code))
            elif kind == "app_send":
                app_frame, done = event[1], event[3]
                if self.ending:
                    commands = []
                else:
                    commands = s.app_send(now, int(event[2]))
            else:  # pragma: no cover - the events above are the only ones posted
                raise RuntimeError(f"unknown session event {kind!r}")
        except Exception as e:  # the machine refused an input that does not fit its state
            if getattr(e, "code", None) not in ("session_ended", "session_not_started", "session_suspended",
                                                 "session_out_of_order"):
                raise
            log.debug("pay402 ws402: %s ignored (%s)", kind, getattr(e, "code", e))
            commands = []
        del awaiting_proof
        sent = await self._execute(commands, app_frame)
        if done is not None and not done.done():
            done.set_result(sent)
        if kind == "closed" and s.phase == "suspended":
            self._suspend_handler()
        self._maybe_start_handler()

    async def _execute(self, commands: List[Ws402Command], app_frame: Any = None) -> bool:
        """Does ``commands`` in order, feeding each I/O answer back to the machine and doing its
        commands before the next. True if ``send_app_frame`` was among them."""
        sent_app = False
        work = list(commands)
        while work:
            c = work.pop(0)
            more: List[Ws402Command] = []
            k = c.kind
            if k == "send":
                await self._send({"type": "websocket.send", "text": c.text})
            elif k == "send_app_frame":
                sent_app = True
                if isinstance(app_frame, str):
                    await self._send({"type": "websocket.send", "text": app_frame})
                else:
                    await self._send({"type": "websocket.send", "bytes": app_frame})
            elif k == "deliver_to_app":
                self.inbox.put_nowait(app_frame)
            elif k == "serve_http":
                pass  # the grant middleware sends the response: http_serve's verdict was 200
            elif k == "close":
                self.ending = True
                self.inbox.put_nowait(None)  # the application's frames end here
                if self.socket_open:
                    await self._send({"type": "websocket.close", "code": c.code})
                    self.socket_open = False
            elif k == "reserve":
                assert c.key is not None and c.ttl is not None
                answer = await self.endpoint._reserve(bytes(c.key), int(c.ttl))
                more = self.session.reserved(self.endpoint._now_ms(), answer)  # type: ignore[arg-type]
            elif k == "release":
                assert c.key is not None
                await self.endpoint._release(bytes(c.key))
            elif k == "settle":
                assert c.body is not None
                response = await self.endpoint._settle(bytes(c.body), self.session.payer)
                more = self.session.settled(self.endpoint._now_ms(), response)
            elif k == "rpc":
                assert c.method is not None and c.params is not None
                rpc_body = await self.endpoint._rpc(c.method, c.params)
                more = self.session.rpc_response(self.endpoint._now_ms(), rpc_body)
            elif k == "refund":
                assert c.refund is not None
                outcome = await self.endpoint._refund(c.refund)
                more = self.session.refunded(self.endpoint._now_ms(), outcome)  # type: ignore[arg-type]
            elif k == "finished":
                self.ending = True
                st = c.statement
                if st is not None:
                    self.endpoint._finished(st)
                self.finished.set()
            elif k == "persist":
                assert c.session_id is not None and c.record is not None and c.generation is not None
                written = await self.endpoint._persist(
                    c.session_id, bytes(c.record), int(c.generation), c.expect, int(c.ttl or 1),
                )
                if written is None:  # the store cannot answer: stop here, a recovery owns it
                    await self._fail_store()
                    return sent_app
                if written:
                    self.record = bytes(c.record)
                more = self.session.persisted(self.endpoint._now_ms(), written)
            elif k == "load":
                assert c.session_id is not None
                try:
                    stored = await self.endpoint._load(c.session_id)
                except SessionStoreError:
                    await self._fail_store()
                    return sent_app
                more = self.session.loaded(self.endpoint._now_ms(), stored)
            elif k == "abandoned":
                # Another process owns the session (a resume elsewhere, a recovery): forget it.
                self.ending = self.abandoned = True
                self.inbox.put_nowait(None)
                self.finished.set()
            else:  # pragma: no cover - a kind added to the machine and not here fails loudly
                raise RuntimeError(f"unknown WS402 command {k!r}")
            work = more + work
        return sent_app

    async def _fail_store(self) -> None:
        """The session store could not answer a write or a load after its retries. Reporting
        that as a lost write would abandon the session's money here and in every other process,
        so the socket is closed 1011 and the session is dropped here unchanged: its record (the
        last written generation) stays in the store, and a resume or the next
        :meth:`Ws402Endpoint.recover` settles or refunds it."""
        log.error("pay402 ws402: session store unavailable; session %s left to recovery", self.session.session_id)
        self.ending = self.abandoned = True
        self.inbox.put_nowait(None)
        if self.socket_open:
            await self._send({"type": "websocket.close", "code": 1011})
            self.socket_open = False
        self.finished.set()

    async def _send(self, message: Dict[str, Any]) -> None:
        if not self.socket_open and message["type"] == "websocket.send":
            return
        if self.send is None:
            return
        try:
            await self.send(message)
        except Exception as e:  # the peer went away: its disconnect is the next input
            log.debug("pay402 ws402: send failed (%s)", e)
            self.socket_open = False

    # --- the application ---------------------------------------------------------------------

    def _suspend_handler(self) -> None:
        """The socket dropped and the session waits for a resume: this connection's handler is
        cancelled (without ending the session); a resumed connection runs the handler anew."""
        self.ending = self.suspended = True  # nothing more is sent on this connection
        task = self.handler_task
        if task is not None and not task.done():
            task.cancel()
        self.handler_task = task or asyncio.ensure_future(asyncio.sleep(0))

    def _maybe_start_handler(self) -> None:
        if self.handler_task is None and not self.ending and self.session.phase == "running":
            handler = self.endpoint._handler
            if handler is None:
                return
            self.handler_task = asyncio.ensure_future(self._run_handler(handler))

    async def _run_handler(self, handler: Handler) -> None:
        error = False
        try:
            await handler(Ws402ServerSession(self))
        except SessionEnded:
            pass
        except asyncio.CancelledError:
            raise
        except Exception:
            error = True
            log.exception("pay402 ws402: session handler failed")
        if not self.suspended:  # a suspended session waits for its resume, not for this handler
            self.post(("app_ended", error))


def _http_url_of(scope: Mapping[str, Any]) -> str:
    """The request's URL without its query (``scheme://host[:port]/path``), as grants bind it."""
    host = ""
    for name, value in scope.get("headers") or []:
        if name.lower() == b"host":
            host = value.decode("latin-1")
            break
    if not host and scope.get("server"):
        h, p = scope["server"]
        host = f"{h}:{p}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope.get('path', '/')}"


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Ws402Endpoint:
    """A paid, metered WebSocket endpoint (see the module docstring).

    Offers (what the prepayment pays): ``offers=`` a list of
    :class:`~pay402.server.X402Route` (``price``: the prepayment; ``upto``: the maximum) or of
    dicts as :class:`pay402.X402Server` takes them, or the shorthand ``network=``, ``pay_to=``,
    ``scheme=`` (``"exact"`` or ``"upto"``), ``asset=``, ``facilitator=`` (``upto``), … whose
    prepayment is the schema's ``totalPrice`` (``price_per_second × estimated_duration``, as the
    core writes it). An ``upto`` offer without ``max_timeout_seconds`` asks for what the core's
    admission needs plus a minute (``max_session_duration``, ``resume_grace``, the settle margin,
    60 s), as the core decides.

    Tariff: ``price_per_second`` or ``tariff={"per_second", "per_byte_in", "per_byte_out",
    "per_message"}`` (integers of the paid asset's atomic unit). ``estimated_duration`` and
    ``max_session_duration`` in seconds, ``update_interval`` (seconds between ``usage_update``s;
    0: none) and ``proof_timeout`` (seconds to send the ``payment_proof``).

    ``settlement``: as :class:`~pay402.server.X402Paywall` (a
    :class:`~pay402.settle.LocalEvmSettlement`, a
    :class:`~pay402.facilitator.FacilitatorClient`, an object with ``settle(request)``, a callable,
    or ``"none"`` for tests), or ``facilitator_url=``. ``refund``: a callable ``(RefundOrder) ->
    result`` (default: the settlement's ``refund``); an ``exact`` offer without one is a
    :class:`~pay402.errors.ConfigurationError` ``missing_refund`` (the unused prepayment could not
    be paid back). ``replay_store``: a :class:`~pay402.replay.ReplayStore` or an async one
    (default: in memory, one process). ``clock``: seconds since the epoch; ``timer_poll``: the
    longest wait (seconds) before the clock is read again for the session timer.

    Resumption and recovery (off unless ``secret=`` is given): ``secret`` (32 to 64 random bytes,
    the same for every process sharing the store), ``store`` (a
    :class:`~pay402.ws402.SessionStore`; default :class:`~pay402.ws402.MemorySessionStore`, one
    process; :class:`~pay402.ws402.RedisSessionStore` survives restarts), ``resume_grace``
    (seconds a dropped session waits for ``resume_session``; 0: none) and ``lease`` (seconds a
    running record's checkpoint proves a live owner to a recovery; 0: twice ``update_interval``).
    The core then writes each session's sealed record (compare-and-swap on its generation) and
    resumes it on a new socket; a lost write means another process owns the session, which this
    one forgets without settling. A store that cannot answer is retried ``store_retries`` times,
    then the socket closes 1011 and the record is left as last written for a resume or a
    recovery (never reported as a lost write). :meth:`recover` (run by :meth:`lifespan` and the
    raw ASGI app's lifespan) takes over the store's open sessions after a restart; set
    ``resource=`` so every process builds the same offers. While a session is suspended its
    handler is cancelled; a resumed connection runs the handler anew.

    On-chain prepayments: ``chain_proof=`` a :class:`ChainProof` (then the offers may be left out:
    the endpoint sells only to clients that pay on chain themselves, as the original WS402's do;
    with offers, both kinds of proof are accepted). Its refunds go through ``refund`` as above
    (for the native coin: a settlement whose ``refund`` sends the coin, e.g.
    :class:`~pay402.settle.LocalEvmSettlement`).

    Register the handler with :meth:`session`; serve with :attr:`asgi` (raw ASGI: ``websocket``
    runs a session, ``http`` GET answers the schema) or :meth:`routes` (Starlette; in FastAPI
    ``app.router.routes.extend(endpoint.routes(path))``).
    """

    def __init__(
        self,
        offers: Optional[Sequence[Union[X402Route, Mapping[str, Any]]]] = None,
        *,
        scheme: str = "exact",
        price_per_second: Optional[int] = None,
        tariff: Optional[Mapping[str, int]] = None,
        estimated_duration: Optional[int] = None,
        max_session_duration: int = 3600,
        update_interval: float = 3.0,
        proof_timeout: float = 10.0,
        settlement: SettlementArg = None,
        facilitator_url: Optional[str] = None,
        refund: Optional[Callable[[Any], Any]] = None,
        replay_store: Any = None,
        resource: Optional[str] = None,
        clock: Callable[[], float] = time.time,
        timer_poll: float = 1.0,
        secret: Optional[bytes] = None,
        store: Optional[SessionStore] = None,
        resume_grace: float = 0.0,
        lease: float = 0.0,
        store_retries: int = 3,
        chain_proof: Optional[ChainProof] = None,
        **defaults: Any,
    ) -> None:
        unknown = set(defaults) - set(_OFFER_FIELDS)
        if unknown:
            raise ConfigurationError(f"unknown Ws402Endpoint options: {sorted(unknown)}", code="unknown_option")
        if (price_per_second is None) == (tariff is None):
            raise ConfigurationError("pass price_per_second= or tariff=", code="missing_price")
        prices: Dict[str, Optional[int]] = dict(tariff) if tariff is not None else {"per_second": price_per_second}
        extra = set(prices) - {"per_second", "per_byte_in", "per_byte_out", "per_message"}
        if extra:
            raise ConfigurationError(f"unknown tariff prices: {sorted(extra)}", code="invalid_tariff")
        for name, value in prices.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigurationError(f"tariff {name} must be a non-negative int (atomic units)", code="invalid_price")
        self._policy: Dict[str, Any] = {
            "price_per_second": int(prices.get("per_second") or 0),
            "price_per_byte_in": prices.get("per_byte_in"),
            "price_per_byte_out": prices.get("per_byte_out"),
            "price_per_message": prices.get("per_message"),
            "max_session_seconds": int(max_session_duration),
            "update_interval_ms": int(round(update_interval * 1000)),
            "proof_timeout_ms": int(round(proof_timeout * 1000)),
            "estimated_duration": estimated_duration,
            "resume_grace_ms": int(round(resume_grace * 1000)),
            "lease_ms": int(round(lease * 1000)),
        }
        if secret is None and (store is not None or resume_grace):
            raise ConfigurationError("store= and resume_grace= need secret= (the server secret)", code="missing_secret")
        self._secret = None if secret is None else bytes(secret)
        self.store: Optional[SessionStore] = None
        if secret is not None:
            self.store = store if store is not None else MemorySessionStore()
            if not isinstance(self.store, SessionStore):
                raise ConfigurationError("store= must be a SessionStore", code="invalid_session_store")
        self.store_retries = max(0, int(store_retries))
        self._recovering: Dict[str, "asyncio.Task[None]"] = {}
        self._drivers: Set["_Driver"] = set()  # the sessions this process runs (grant charges)
        self.clock = clock
        self.timer_poll = float(timer_poll)
        self._resource = resource
        self._handler: Optional[Handler] = None
        self._servers: Dict[str, Ws402Server] = {}
        self.statements: List[Ws402Statement] = []
        if chain_proof is not None and not isinstance(chain_proof, ChainProof):
            raise ConfigurationError("chain_proof= must be a pay402.ws402.ChainProof", code="invalid_chain_proof")
        self.chain_proof = chain_proof
        self._chain_config = None if chain_proof is None else chain_proof._config()
        if chain_proof is not None and offers is None and not defaults:
            self._offers: List[Dict[str, Any]] = []  # on-chain prepayments only
        else:
            self._offers = self._offer_dicts(offers, scheme, defaults)
        self._server("ws://localhost/")  # the core checks the offers and the policy once, now
        self.settlement = _settlement(settlement, facilitator_url)
        if refund is None:
            hook = getattr(self.settlement, "refund", None)
            refund = hook if callable(hook) else None
        self._refund_hook = refund
        if refund is None and (chain_proof is not None or any(o.get("scheme", "exact") == "exact" for o in self._offers)):
            raise ConfigurationError(
                "an exact offer or a chain_proof needs a refund: pass refund= or a settlement with refund(order) "
                "(e.g. LocalEvmSettlement), or sell the session with scheme='upto'", code="missing_refund",
            )
        if replay_store is None:
            replay_store = MemoryReplayStore()
        self._async_store = inspect.iscoroutinefunction(getattr(replay_store, "reserve", None))
        if self._async_store:
            self.replay_store: Any = replay_store
        else:
            try:
                self.replay_store = as_replay_store(replay_store)
            except TypeError as e:
                raise ConfigurationError(str(e), code="invalid_replay_store") from None

    # --- configuration -------------------------------------------------------------------------

    def _offer_dicts(
        self, offers: Optional[Sequence[Union[X402Route, Mapping[str, Any]]]], scheme: str, defaults: Dict[str, Any],
    ) -> List[Dict[str, Any]]:
        if offers is not None:
            if defaults:
                raise ConfigurationError("pass offers= or the shorthand offer fields, not both", code="invalid_offer")
            out = []
            for o in offers:
                if isinstance(o, X402Route):
                    out.append(_Offer(o, {}).resolve(None))
                elif isinstance(o, Mapping):
                    out.append(dict(o))
                else:
                    raise ConfigurationError(f"offer {o!r} is not an X402Route or a dict", code="invalid_offer")
            if not out:
                raise ConfigurationError("no offers", code="no_offers")
            return out
        terms = dict(defaults)
        probe = _Offer(X402Route("/", 1, scheme=scheme), terms).resolve(None)
        total = self._total_price(probe)
        return [_Offer(X402Route("/", total, scheme=scheme), terms).resolve(None)]

    def _total_price(self, probe: Dict[str, Any]) -> int:
        """The schema's ``totalPrice`` as the core writes it, read from a probe server's schema."""
        schema = json.loads(self._new_server([probe], "ws://localhost/").schema("ws://localhost/"))
        return int(schema["pricing"]["totalPrice"])

    def _new_server(self, offers: Sequence[Mapping[str, Any]], url: str) -> Ws402Server:
        p = self._policy
        try:
            return Ws402Server(
                list(offers), {"url": self._resource or url},
                price_per_second=p["price_per_second"], max_session_seconds=p["max_session_seconds"],
                price_per_byte_in=p["price_per_byte_in"], price_per_byte_out=p["price_per_byte_out"],
                price_per_message=p["price_per_message"], update_interval_ms=p["update_interval_ms"],
                proof_timeout_ms=p["proof_timeout_ms"], estimated_duration=p["estimated_duration"],
                resume_grace_ms=p["resume_grace_ms"], lease_ms=p["lease_ms"], secret=self._secret,
                chain_proof=self._chain_config,
            )
        except Exception as e:  # the core's typed configuration errors
            raise ConfigurationError(f"WS402 endpoint: {e}", code=getattr(e, "code", "invalid_offer")) from e

    def _server(self, ws_url: str) -> Ws402Server:
        key = self._resource or ws_url
        server = self._servers.get(key)
        if server is None:
            server = self._new_server(self._offers, ws_url)
            if len(self._servers) > 1024:
                self._servers.clear()
            self._servers[key] = server
        return server

    def _now_ms(self) -> int:
        return int(round(self.clock() * 1000))

    # --- the handler and the routes ------------------------------------------------------------

    def session(self, handler: Handler) -> Handler:
        """Registers ``async def handler(session)`` (a :class:`Ws402ServerSession`), run once the
        session started; its return ends the session (its exception too, with close 1011)."""
        if not inspect.iscoroutinefunction(handler):
            raise ConfigurationError("the WS402 session handler must be an async def", code="invalid_handler")
        self._handler = handler
        return handler

    def schema_json(self, ws_url: str) -> bytes:
        """The WS402 schema (JSON bytes) of the socket at ``ws_url``; with ``chain_proof``, at the
        endpoint's clock with a fresh random ``reference``."""
        if self._chain_config is not None:
            return bytes(self._server(ws_url).schema_at(ws_url, self._now_ms(), os.urandom(8)))
        return bytes(self._server(ws_url).schema(ws_url))

    async def schema(self, request: Any) -> Any:
        """A Starlette/FastAPI handler answering the schema (200 JSON) of the socket at the
        request's URL."""
        from starlette.responses import Response

        return Response(self.schema_json(ws_url_of(request.scope)), media_type="application/json")

    @property
    def asgi(self) -> Ws402Asgi:
        """The raw ASGI app: a ``websocket`` scope runs one session, an ``http`` GET answers the
        schema (other methods: 405)."""
        return Ws402Asgi(self)

    def routes(self, path: str, *, schema_path: Optional[str] = None) -> List[Any]:
        """Starlette routes: the WebSocket session at ``path`` and the HTTP schema (GET) at
        ``schema_path`` (default: ``path``; the original WS402 serves it at
        ``"/ws402/schema/{resource_id}"`` with the socket at ``"/"``: its parameters are ignored,
        and the schema names the socket at ``path``)."""
        return starlette_routes(self, path, schema_path)

    # --- HTTP grants ------------------------------------------------------------------------------

    def grant_middleware(self, app: Any, *, schema_url: Optional[str] = None) -> Any:
        """Wraps an ASGI app: each HTTP request must carry ``Authorization: WS402 <token>`` (from
        :meth:`Ws402ServerSession.grant_http`) for its URL. The core checks it against the
        session's stored record (``Ws402Server.grant_check``); a refusal is answered with the
        core's status and JSON body (``Ws402Server.grant_refusal_body``: the 402
        ``grant_required`` carries the seed's ``error``/``message``, the ``code`` and
        ``schemaUrl``; 401 ``grant_invalid``, ``grant_expired``, ``grant_revoked``; 403
        ``wrong_resource``, ``session_suspended``, ``session_ended``). Granted, the request reaches
        ``app``, whose response is held (buffered) until its last body message; its body's bytes
        are then charged to the live session in this process (``Ws402Session.http_serve``: the
        tariff's ``per_byte_out`` per byte and ``per_message`` per response) **before** anything
        is sent. A response the balance cannot pay is replaced by the core's 402
        ``balance_insufficient`` (the session goes on); a session with no live socket in this
        process gets the core's 403 ``session_elsewhere``: nothing is served uncharged.
        ``schema_url`` is the WS402 schema's URL the 402s name (default: the resource URL with
        ``ws``/``wss`` read as ``http``/``https``, where the endpoint's ASGI app answers it).
        Other scopes pass through."""
        if self.store is None:
            raise ConfigurationError("grant_middleware needs secret= (and a store)", code="session_unsupported")

        def schema_of(scope: Dict[str, Any]) -> str:
            if schema_url is not None:
                return schema_url
            if self._resource:
                r = self._resource
                return "http" + r[2:] if r.startswith("ws") else r
            return _http_url_of({**scope, "path": "/", "root_path": ""})

        async def refuse(send: Send, status: int, code: Optional[str], schema: str) -> None:
            _, body = Ws402Server.grant_refusal_body(code or "grant_required", schema)
            await _answer(send, status, body.encode())

        async def middleware(scope: Dict[str, Any], receive: Receive, send: Send) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            authorization: Optional[str] = None
            for name, value in scope.get("headers") or []:
                if name.lower() == b"authorization":
                    authorization = value.decode("latin-1")
                    break
            url = _http_url_of(scope)
            schema = schema_of(scope)
            session_id = Ws402Server.grant_session_id(authorization)
            record = None
            if session_id is not None:
                try:
                    record = await self._load(session_id)
                except SessionStoreError:
                    log.error("pay402 ws402: session store unavailable for a grant check")
                    body = b'{"error":"session_store_unavailable"}'
                    await _answer(send, 503, body)
                    return
            status, code = self._server(self._resource or "ws://localhost/").grant_check(
                authorization, url, record, self._now_ms())
            if status != 200:
                await refuse(send, status, code, schema)
                return
            # A resumed session may still have its suspended predecessor here under the same id:
            # the running one owns the charge.
            owners = [d for d in list(self._drivers) if d.session.session_id == session_id]
            owner = next((d for d in owners if d.session.phase == "running"), owners[0] if owners else None)
            held: List[Dict[str, Any]] = []
            sent = False

            async def charged_send(message: Dict[str, Any]) -> None:
                nonlocal sent
                kind = str(message.get("type", ""))
                if kind.startswith("http.response.") and kind not in ("http.response.start", "http.response.body"):
                    # A body the charge cannot see (pathsend, zerocopysend: the extensions are taken
                    # out of the scope below, so a conforming app never sends these): refused.
                    if not sent:
                        sent = True
                        await refuse(send, *Ws402Server.grant_elsewhere(), schema)
                    return
                if kind not in ("http.response.start", "http.response.body"):
                    await send(message)
                    return
                held.append(message)
                if message["type"] != "http.response.body" or message.get("more_body", False) or sent:
                    return
                sent = True
                start = next((m for m in held if m["type"] == "http.response.start"), None)
                body = b"".join(bytes(m.get("body", b"")) for m in held if m["type"] == "http.response.body")
                size = 0 if scope.get("method") == "HEAD" else len(body)
                verdict = Ws402Server.grant_elsewhere() if owner is None else await owner.http_serve(size)
                if verdict[0] != 200 or start is None:
                    await refuse(send, verdict[0], verdict[1], schema)
                    return
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                if scope.get("method") != "HEAD":
                    headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

            # Responses must come as start + body messages the charge can count: no file or
            # zero-copy sending extensions (ASGI `http.response.pathsend`, `zerocopysend`).
            extensions = {k: v for k, v in (scope.get("extensions") or {}).items()
                          if k not in ("http.response.pathsend", "http.response.zerocopysend")}
            await app({**scope, "extensions": extensions}, receive, charged_send)

        return middleware

    # --- recovery after a restart ----------------------------------------------------------------

    async def recover(self) -> Dict[str, str]:
        """Takes over the sessions the store lists as open (run once at startup: the
        :meth:`lifespan`, or the raw ASGI app's lifespan, does it). For each, the core decides
        from its record (``Ws402Server.recover``): ``still_owned`` (another process holds it: tried
        again at its lease's end), ``await_resume`` (suspended at its last checkpoint until the
        grace ends; a client may resume it), ``end`` (ended ``connection_lost`` at its last
        checkpoint: settled or refunded now), ``continue`` (its settle or recorded refund asked
        again) or ``done`` (nothing left: the record is deleted). Each taken-over session first
        writes its record by compare-and-swap, so of two processes recovering one store exactly
        one acts. Returns ``{session_id: decision}``; sessions are driven in background tasks."""
        if self.store is None:
            raise ConfigurationError("recover() needs secret= (and a store)", code="session_unsupported")
        store = self.store
        ids = await self._store_call("open_ids", store.open_ids)
        out: Dict[str, str] = {}
        for session_id in ids:
            if session_id in self._recovering and not self._recovering[session_id].done():
                continue
            out[session_id] = await self._recover_one(session_id)
        return out

    async def _recover_one(self, session_id: str) -> str:
        store = self.store
        assert store is not None
        stored = await self._store_call("load", lambda: store.load(session_id))
        if stored is None:
            return "gone"
        server = self._server(self._resource or "ws://localhost/")
        try:
            session, decision, at_ms = server.recover(bytes(stored.record), self._now_ms())
        except Exception as e:  # a record this secret cannot open (another deployment's, tampered)
            log.error("pay402 ws402: session %s not recovered (%s)", session_id, getattr(e, "code", e))
            return "unreadable"
        if decision == "done":
            await self._store_call("delete", lambda: store.delete(session_id, int(stored.generation)))
            return decision
        if decision == "still_owned":
            wait = max(0.0, ((at_ms or 0) - self._now_ms()) / 1000.0)
            self._recovering[session_id] = asyncio.ensure_future(self._recover_later(session_id, wait))
            return decision
        self._recovering[session_id] = asyncio.ensure_future(self._drive_recovered(server, session))
        return decision

    async def _recover_later(self, session_id: str, wait: float) -> None:
        await asyncio.sleep(max(wait, self.timer_poll))
        self._recovering.pop(session_id, None)
        try:
            await self._recover_one(session_id)
        except SessionStoreError:
            log.error("pay402 ws402: session store unavailable; session %s not recovered", session_id)

    async def _drive_recovered(self, server: Ws402Server, session: Ws402Session) -> None:
        driver = _Driver(self, server, None, self._resource or "ws://localhost/", session)
        driver.ending = True  # no connection, no handler: a resume runs on its own socket
        try:
            await driver._execute(session.pending())
            if not driver.finished.is_set():
                await driver.run()
        except Exception:
            log.exception("pay402 ws402: recovered session %s failed", session.session_id)

    async def recovered(self) -> None:
        """Waits until every session :meth:`recover` took over is finished (settled, refunded,
        or owned elsewhere)."""
        while self._recovering:
            tasks = list(self._recovering.values())
            await asyncio.gather(*tasks, return_exceptions=True)
            for k, t in list(self._recovering.items()):
                if t.done():
                    del self._recovering[k]

    def lifespan(self, app: Any = None) -> Any:
        """An async context manager for Starlette/FastAPI ``lifespan=``: :meth:`recover` at
        startup (when the endpoint has a store); at shutdown the recovery tasks are cancelled
        (their records stay for the next start)."""
        import contextlib

        @contextlib.asynccontextmanager
        async def span() -> AsyncIterator[None]:
            if self.store is not None:
                await self.recover()
            try:
                yield
            finally:
                for t in list(self._recovering.values()):
                    t.cancel()

        return span()

    async def run_session(self, scope: Dict[str, Any], receive: Receive, send: Send) -> Optional[Ws402Statement]:
        """Runs one WS402 session on an ASGI ``websocket`` connection; returns its statement."""
        message = await receive()
        if message["type"] != "websocket.connect":
            return None
        await send({"type": "websocket.accept"})
        url = ws_url_of(scope)
        driver = _Driver(self, self._server(url), send, url)
        reader = asyncio.ensure_future(read_socket(receive, driver.post))
        try:
            await driver.run()
        finally:
            reader.cancel()
            try:
                await reader
            except BaseException:  # noqa: BLE001 - cancelled
                pass
        return driver.session.statement

    # --- I/O the machine asks for --------------------------------------------------------------

    async def _reserve(self, key: bytes, ttl: int) -> str:
        try:
            if self._async_store:
                fresh = await self.replay_store.reserve(key, ttl)
            else:
                fresh = await asyncio.get_running_loop().run_in_executor(None, self.replay_store.reserve, key, ttl)
        except Exception:  # a store that cannot answer must not let a replay through
            log.exception("pay402 ws402: replay store failed")
            return "unavailable"
        return "fresh" if fresh else "already_used"

    async def _store_call(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """One store call, retried ``store_retries`` times (0.1 s, 0.2 s, …) when the store
        cannot answer; then :class:`SessionStoreError`."""
        delay = 0.1
        for attempt in range(self.store_retries + 1):
            try:
                return await call()
            except SessionStoreError:
                if attempt == self.store_retries:
                    raise
                log.warning("pay402 ws402: session store %s failed; retrying", what)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def _persist(
        self, session_id: str, record: bytes, generation: int, expect: Optional[int], ttl: int,
    ) -> Optional[bool]:
        """The machine's record write: a create (``expect`` None) or a compare-and-swap. True
        written, False another write came first, None the store could not answer."""
        store = self.store
        assert store is not None
        try:
            if expect is None:
                return bool(await self._store_call("create", lambda: store.create(session_id, record, generation, ttl)))
            e = int(expect)
            return bool(await self._store_call("swap", lambda: store.swap(session_id, record, generation, e, ttl)))
        except SessionStoreError:
            return None

    async def _load(self, session_id: str) -> Optional[bytes]:
        store = self.store
        assert store is not None
        stored = await self._store_call("load", lambda: store.load(session_id))
        return None if stored is None else bytes(stored.record)

    async def _release(self, key: bytes) -> None:
        try:
            if self._async_store:
                await self.replay_store.release(key)
            else:
                await asyncio.get_running_loop().run_in_executor(None, self.replay_store.release, key)
        except Exception:  # the record then expires with its lifetime
            log.exception("pay402 ws402: replay store could not release a reservation")

    async def _rpc(self, method: str, params: str) -> Optional[bytes]:
        """One ``rpc`` command: the JSON-RPC request POSTed to the chain proof's RPC URL (in a
        worker thread, bounded by its ``rpc_timeout``); the response body, or ``None``."""
        proof = self.chain_proof
        if proof is None:  # pragma: no cover - the machine asks only when chain proofs are on
            return None
        body = b'{"jsonrpc":"2.0","id":1,"method":' + json.dumps(method).encode() + b',"params":' + params.encode() + b"}"
        try:
            return await asyncio.get_running_loop().run_in_executor(None, _post_rpc, proof.rpc_url, body, proof.rpc_timeout)
        except Exception:  # noqa: BLE001 - an unexpected transport failure is a failed call
            log.exception("pay402 ws402: chain RPC failed")
            return None

    async def _settle(self, body: bytes, payer: Optional[str]) -> Optional[bytes]:
        parsed = json.loads(body)
        requirements = parsed["paymentRequirements"]
        request = SettlementRequest(
            int(parsed.get("x402Version", 2)), parsed["paymentPayload"], requirements, payer,
            int(requirements["amount"]) if "amount" in requirements else None, body,
        )
        return await _settle_with(self.settlement, request)

    async def _refund(self, order: Any) -> str:
        hook = self._refund_hook
        if hook is None:  # an upto-only endpoint is never asked for a refund
            log.error("pay402 ws402: a refund of %s was ordered and no refund hook is set", order.amount)
            return "failed"
        try:
            result = hook(order)
            if inspect.isawaitable(result):
                result = await result
            elif not isinstance(result, (Mapping, str)):
                raise TypeError(f"refund hook returned {type(result).__name__}")
        except TypeError:
            raise
        except (RpcError, LocalSettlementError) as e:
            if getattr(e, "code", None) != "rpc_send_unknown":
                # LocalEvmSettlement raises these before anything is signed: nothing was paid.
                log.error("pay402 ws402: refund of %s not sent (%s: %s)", order.amount, e.code, e)
                return "failed"
            log.error("pay402 ws402: refund of %s may have been sent; it stays pending", order.amount)
            return "pending"
        except Exception:
            # Unknown outcome: the settlement's own record (e.g. LocalEvmSettlement's pending
            # store) re-sends or awaits the same transaction; never a second order.
            log.exception("pay402 ws402: refund hook failed; the refund stays pending")
            return "pending"
        return _refund_outcome(result)

    def _finished(self, statement: Ws402Statement) -> None:
        self.statements.append(statement)
