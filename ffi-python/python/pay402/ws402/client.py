"""The paying WS402 client: ``async with connect(url, payer) as session``.

It GETs the endpoint's schema, pays its ``paymentDetails`` (an x402 ``PaymentRequired``) with an
:class:`~pay402.client.X402Payer` (its offer choice and budget), opens the socket (the
``websockets`` package, extra ``pay402[ws402]``), sends the ``payment_proof`` and follows the
session. Every server text frame goes through the core's client tracker
(:class:`pay402.Ws402ClientSession`), which tells WS402 messages from application frames and
checks the server against the client's money (the balance never above what was authorized,
consumed never decreasing nor above the balance, the statement consistent); a frame it refuses
ends the session (close 1008) and raises :class:`Ws402ClientError` with the core's code.

Leaving the ``async with`` block sends ``end_session`` and waits for the server's end (its final
``usage_update`` and close).

With ``resume=True``, a socket that drops without a close frame (or that the server closes with
1012, Service Restart) is reopened within ``resume_within`` seconds and the session continued
with ``resume_session`` (the core tracker writes it from the server's ``resumeToken``); the
session goes on at ``session_resumed`` and ends in :class:`Ws402ClientError` with the server's
reason at ``resume_refused``.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any, AsyncIterator, Dict, List, Optional, Union

from ..errors import _CodedError, require_extra

__all__ = ["connect", "Ws402Client", "Ws402ClientError"]

# The members of a `session_ended` statement, as the tracker's `ended` event carries them.
_STATEMENT = ("session_id", "ended_by", "paid", "consumed", "settled", "refund", "payer", "settlement_tx", "refund_tx")


class Ws402ClientError(_CodedError):
    """The session could not start or ended in error: ``code`` is the server's
    ``payment_rejected`` reason, the core tracker's code for a frame it refused, or
    ``connection_closed`` (the socket closed before ``session_started``)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


def _http_url(url: str) -> str:
    if url.startswith("ws://"):
        return "http://" + url[5:]
    if url.startswith("wss://"):
        return "https://" + url[6:]
    return url


def _ws_url(url: str) -> str:
    if url.startswith("http://"):
        return "ws://" + url[7:]
    if url.startswith("https://"):
        return "wss://" + url[8:]
    return url


def _get_schema(url: str, timeout: float) -> Dict[str, Any]:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=timeout) as r:
        body = r.read()
    schema = json.loads(body)
    if isinstance(schema, dict) and "ws402Schema" in schema:  # the seed's wrapped form
        schema = schema["ws402Schema"]
    if not isinstance(schema, dict) or not isinstance(schema.get("paymentDetails"), dict):
        raise Ws402ClientError(f"{url} served no WS402 schema with paymentDetails", code="invalid_schema")
    return schema


class Ws402Client:
    """One paid session (what ``async with connect(...)`` gives). ``async for frame in session``
    yields the server's application frames (``str`` or ``bytes``) until the session ends;
    :meth:`send` sends one to the server. ``consumed``, ``remaining`` and ``balance`` are the
    tracker's, after the last server message; ``statement`` is the server's ``session_ended``
    statement when it sent one; ``ended`` and ``close_code`` say how the socket ended."""

    # made in __aenter__, on the running loop
    _frames: "asyncio.Queue[Optional[Union[str, bytes]]]"
    _started: "asyncio.Future[Any]"

    def __init__(
        self, url: str, payer: Any, *, open_timeout: float = 10.0, end_timeout: float = 30.0,
        resume: bool = False, resume_within: float = 10.0,
    ) -> None:
        self.url = url
        self.resume = resume
        self.resume_within = resume_within
        self.resumes = 0
        self.payer = payer
        self.open_timeout = open_timeout
        self.end_timeout = end_timeout
        self.schema: Dict[str, Any] = {}
        self.session_id: Optional[str] = None
        self.statement: Optional[Dict[str, Any]] = None
        self.events: List[Any] = []
        self.close_code: Optional[int] = None
        self.ended = False
        self._tracker: Any = None
        self._ws: Any = None
        self._reservation: Any = None
        self._kind = ""
        self._reader: Optional["asyncio.Task[None]"] = None
        self._error: Optional[BaseException] = None

    # --- money, as the tracker sees it -------------------------------------------------------------

    @property
    def consumed(self) -> int:
        """What the server reported consumed (atomic units)."""
        return int(self._tracker.consumed) if self._tracker is not None else 0

    @property
    def remaining(self) -> int:
        """What the server reported left of the balance (atomic units)."""
        return int(self._tracker.remaining) if self._tracker is not None else 0

    @property
    def balance(self) -> int:
        """The session's balance (``session_started``)."""
        return int(self._tracker.balance) if self._tracker is not None else 0

    # --- the session -----------------------------------------------------------------------------

    async def __aenter__(self) -> "Ws402Client":
        ws_client = require_extra("websockets.asyncio.client", "ws402", "pay402.ws402.connect")
        from .._native import Ws402ClientSession

        loop = asyncio.get_running_loop()
        self._frames, self._started = asyncio.Queue(), loop.create_future()
        self.schema = await loop.run_in_executor(None, _get_schema, _http_url(self.url), self.open_timeout)
        # choice, budget reservation, chain reads (a Permit2 allowance) and signing: off the loop
        prepared = await loop.run_in_executor(None, self.payer.prepare, json.dumps(self.schema["paymentDetails"]))
        self._reservation, self._kind = prepared.reservation, prepared.kind
        price = int(self.schema["pricing"]["pricePerSecond"])
        self._tracker = Ws402ClientSession(int(prepared.amount), price)
        try:
            self._ws = await ws_client.connect(_ws_url(self.url), open_timeout=self.open_timeout)
        except BaseException:
            self._reservation.release()  # nothing was sent
            raise
        await self._ws.send(self._tracker.write_payment_proof(prepared.header_value))
        self._reader = asyncio.ensure_future(self._read())
        try:
            await asyncio.wait_for(asyncio.shield(self._started), self.open_timeout)
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            await self.end()
        except Exception:
            if exc_type is None:
                raise  # the block's own exception is not hidden by the session's

    async def end(self) -> Optional[Dict[str, Any]]:
        """Ends the session (``end_session``) and waits for the server's close; returns the
        statement the server sent, if any."""
        if not self.ended and self._ws is not None:
            try:
                await self._ws.send(self._tracker.write_end_session())
            except Exception:  # noqa: BLE001 - already closed: the reader sees the end
                pass
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), self.end_timeout)
            except asyncio.TimeoutError:
                pass
        await self._close()
        if self._error is not None and not isinstance(self._error, asyncio.CancelledError):
            raise self._error
        return self.statement

    async def send(self, frame: Union[str, bytes]) -> None:
        """Sends an application frame to the server (metered there by its tariff)."""
        await self._ws.send(frame)

    def __aiter__(self) -> AsyncIterator[Union[str, bytes]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Union[str, bytes]]:
        while True:
            frame = await self._frames.get()
            if frame is None:
                self._frames.put_nowait(None)
                if self._error is not None:
                    raise self._error
                return
            yield frame

    # --- the reader: every server frame through the tracker ---------------------------------------

    async def _read(self) -> None:
        try:
            while await self._read_socket() and self._may_resume():
                if not await self._reconnect():
                    break
        except Exception as e:  # noqa: BLE001 - reported to the caller
            self._fail(e)
        finally:
            self.ended = True
            rcvd = getattr(self._ws, "close_code", None)
            self.close_code = int(rcvd) if rcvd is not None else None
            if not self._started.done():
                self._fail(Ws402ClientError("the socket closed before session_started", code="connection_closed"))
            self._finish_budget()
            self._frames.put_nowait(None)

    async def _read_socket(self) -> bool:
        """Reads the current socket to its end. True when it dropped (no close frame, or the
        server's 1012 Service Restart): a resume may continue the session."""
        from websockets.exceptions import ConnectionClosed

        try:
            async for frame in self._ws:
                if isinstance(frame, bytes):
                    self._frames.put_nowait(frame)  # binary frames are the application's
                    continue
                try:
                    event = self._tracker.on_text(frame)
                except Exception as e:  # the core refused the frame: the server broke the protocol
                    code = getattr(e, "code", "invalid_server_frame")
                    self._fail(Ws402ClientError(f"server frame refused: {e}", code=code))
                    await self._ws.close(1008)
                    return False
                self._on_event(event, frame)
        except ConnectionClosed:
            pass
        rcvd = getattr(self._ws, "close_rcvd", None)
        return rcvd is None or getattr(rcvd, "code", None) == 1012

    def _may_resume(self) -> bool:
        ran = self._started.done() and not self._started.cancelled() and self._started.exception() is None
        return (
            self.resume and ran and self._error is None and self._tracker.resume_token is not None
            and self._tracker.phase == "running"
        )

    async def _reconnect(self) -> bool:
        """Opens a new socket and sends ``resume_session`` on it, retrying until ``resume_within``
        seconds have passed since the drop. False (and the session's error) when none opened."""
        ws_client = require_extra("websockets.asyncio.client", "ws402", "pay402.ws402.connect")
        deadline = time.monotonic() + self.resume_within
        delay = 0.05
        while True:
            try:
                ws = await ws_client.connect(_ws_url(self.url), open_timeout=max(0.1, deadline - time.monotonic()))
                await ws.send(self._tracker.write_resume_session())
            except Exception as e:  # noqa: BLE001 - refused, reset, timed out: try again
                if time.monotonic() + delay >= deadline:
                    self._fail(Ws402ClientError(f"could not resume the session: {e}", code="resume_failed"))
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            self._ws = ws
            self.resumes += 1
            return True

    def _on_event(self, event: Any, frame: str) -> None:
        kind = event.kind
        if kind == "application":
            self._frames.put_nowait(frame)
            return
        self.events.append(event)
        if kind == "started":
            self.session_id = self._tracker.session_id
            if not self._started.done():
                self._started.set_result(event)
        elif kind == "payment_rejected":
            reason = event.reason or "payment_rejected"
            self._fail(Ws402ClientError(f"the server rejected the payment: {reason}", code=str(reason)))
        elif kind == "ended":
            self.statement = {name: getattr(event, name) for name in _STATEMENT}
        elif kind == "resumed":
            self.session_id = self._tracker.session_id
        elif kind == "resume_refused":
            reason = event.reason or "resume_refused"
            self._fail(Ws402ClientError(f"the server refused the resume: {reason}", code=str(reason)))

    def _fail(self, error: BaseException) -> None:
        if not self._started.done():
            self._started.set_exception(error)
            self._started.exception()  # retrieved: raised by __aenter__
        elif self._error is None:
            self._error = error

    def _finish_budget(self) -> None:
        """Ends the budget's reservation: an ``upto`` session that ran commits what the server's
        statement says it settled (without one: what it reported consumed; the rest of the
        maximum was never charged); anything else keeps the authorized amount counted (an
        ``exact`` refund arrives on chain; a rejected payment may have been taken)."""
        r = self._reservation
        if r is None or not r.is_open:
            return
        ran = self._started.done() and not self._started.cancelled() and self._started.exception() is None
        if self._kind.startswith("upto") and ran:
            settled = (self.statement or {}).get("settled")
            r.commit_partial(int(settled) if settled is not None else self.consumed)
        else:
            r.commit()

    async def _close(self) -> None:
        if self._ws is not None:
            try:
                await self._ws.close()
            except Exception:  # noqa: BLE001 - already closed
                pass
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            try:
                await self._reader
            except BaseException:  # noqa: BLE001 - cancelled
                pass


def connect(
    url: str, payer: Any, *, open_timeout: float = 10.0, end_timeout: float = 30.0,
    resume: bool = False, resume_within: float = 10.0,
) -> Ws402Client:
    """A paid WS402 session at ``url`` (``http(s)://`` or ``ws(s)://``: the schema is GET from the
    ``http(s)`` form, the socket opened at the ``ws(s)`` form), paid by ``payer`` (an
    :class:`~pay402.client.X402Payer`). Use as ``async with connect(url, payer) as session``.
    ``resume=True`` reconnects a dropped socket within ``resume_within`` seconds and resumes the
    session (when the server gave a ``resumeToken``).
    Raises :class:`~pay402.errors.MissingExtra` without the ``websockets`` package."""
    require_extra("websockets.asyncio.client", "ws402", "pay402.ws402.connect")
    return Ws402Client(
        url, payer, open_timeout=open_timeout, end_timeout=end_timeout, resume=resume, resume_within=resume_within,
    )
