"""Paying HTTP clients: an ``httpx`` auth (sync and async clients) and a ``requests`` adapter.

On a 402 they pick an offer the caller accepts, check it against the spend :class:`Budget`,
sign (x402 on EVM, with a local private key; x402 on Solana, a transfer signed with a local seed)
or pay the invoice (L402, with a caller-supplied invoice payer), and retry the request once. A request that already carries a payment is never paid
again; a second 402 is returned to the caller as it is.

.. code-block:: python

    payer = X402Payer(private_key, networks=["eip155:84532"], budget=Budget(per_request=10_000, total=1_000_000))
    with httpx.Client(auth=PaymentAuth(x402=payer)) as client:
        r = client.get("https://api.example.com/premium")
        receipt = payment_receipt(r)           # the decoded PAYMENT-RESPONSE, or None

Budgets are in atomic units of the asset (x402) or millisatoshis (L402) and are never exceeded:
the amount is reserved before anything is signed or paid, and a payment that would not fit
raises :class:`~pay402.errors.BudgetExceeded`.

Optional dependencies: :class:`PaymentAuth` needs ``httpx`` (``pip install "pay402[httpx]"``),
:class:`PaymentAdapter` and :func:`requests_session` need ``requests``
(``pip install "pay402[requests]"``). This module imports without either; using a class whose
package is missing raises :class:`~pay402.errors.MissingExtra` naming the extra.
"""

from __future__ import annotations

import inspect
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Generator, AsyncGenerator, List, Mapping, Optional, Sequence, Set, Tuple, Union

if TYPE_CHECKING:
    import httpx
    from httpx import Auth as _AuthBase
else:
    try:
        import httpx

        _AuthBase = httpx.Auth
    except ImportError:  # optional: the requests adapter and the payers work without it
        httpx = None
        _AuthBase = object

from ._native import (
    LIGHTNING_NETWORK,
    MSAT,
    BudgetError,
    BudgetRefusal,
    BudgetReservation,
    ClientBudget,
    L402Error,
    SvmError,
    X402Error,
    bolt11_decode,
    decode_payment_required,
    default_asset,
    l402_check_challenge,
    l402_parse_challenges,
    private_key_to_address,
    read_settle_response,
    resolve_network,
    x402_select,
    x402_sign,
    svm_build_transfer,
    svm_parse_pubkey,
    svm_payment_header,
    svm_public_key,
)
from .errors import BudgetExceeded, ConfigurationError, MissingExtra, PaymentError, require_extra

__all__ = [
    "Budget",
    "X402Payer",
    "SvmPayer",
    "L402Payer",
    "PaymentAuth",
    "PaymentAdapter",
    "payment_receipt",
    "requests_session",
]

U256_MAX = 2**256 - 1
U64_MAX = 2**64 - 1
_PAYMENT_HEADERS = ("payment-signature", "x-payment")


class Budget:
    """A spend limit: at most ``per_request`` per payment, ``total`` over the budget's life and,
    with ``window=(seconds, limit)``, at most ``limit`` within each fixed window of ``seconds``
    (windows start at multiples of ``seconds`` since the Unix epoch, by ``clock``). Amounts are
    integers in the unit of the payments it guards; every payment counts against the same
    limits, whatever its asset (give x402 and L402 payers separate budgets).

    The rules are the core's (``pay402::budget`` through ``pay402._native.ClientBudget``): a
    payment is reserved before anything is signed or paid, committed when it was taken and
    released when it was not; reserved amounts count against the total and the window at once,
    so concurrent payments never exceed them. Thread-safe; share one between clients to cap them
    together. A refused payment raises :class:`~pay402.errors.BudgetExceeded` with the core's code
    (``per_request_budget_exceeded``, ``total_budget_exceeded``, ``window_budget_exceeded``)."""

    def __init__(
        self,
        *,
        per_request: int,
        total: int,
        window: Optional[Tuple[int, int]] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if per_request < 0 or total < 0 or (window is not None and window[1] < 0):
            raise ValueError("budget limits must be >= 0")
        try:
            self._native = ClientBudget.any_asset(per_request=per_request, total=total, window=window)
        except BudgetError as e:
            raise ConfigurationError(e.message, code=e.code) from e
        self.per_request = per_request
        self.total = total
        self.window = window
        self.clock = clock

    def _now(self) -> int:
        return max(0, int(self.clock()))

    @property
    def spent(self) -> int:
        """What committed payments cost so far (open reservations not included)."""
        return self._native.spent("", "")

    @property
    def remaining(self) -> int:
        """``total`` minus :attr:`spent`."""
        return self.total - self.spent

    def allowance(self, network: str = "", asset: str = "") -> int:
        """The most one payment may cost now (per request, total and window, reservations
        counted)."""
        return self._native.allowance(network, asset, self._now())

    def reserve(self, amount: int, *, network: str = "", asset: str = "") -> BudgetReservation:
        """Counts ``amount`` against the limits until the returned reservation is committed
        (``.commit()``, or ``.commit_partial(paid)``) or released (``.release()``), or raises
        :class:`BudgetExceeded` and counts nothing. A reservation never ended stays counted."""
        result = self._native.reserve(network, asset, amount, self._now())
        if isinstance(result, BudgetRefusal):
            raise BudgetExceeded(
                result.message,
                amount=amount if result.amount is None else result.amount,
                remaining=0 if result.remaining is None else result.remaining,
                code=result.code,
            )
        return result


class X402Payer:
    """Answers x402 402s (v2 ``PAYMENT-REQUIRED`` header, or a v1 JSON body) with a signed
    EIP-3009 authorization.

    ``networks``: networks to pay on (v1 names or CAIP-2). ``assets``: token addresses to pay
    with (default: each network's default asset, e.g. USDC). ``budget``: in atomic units of
    those assets. ``clock``: seconds since the epoch.
    """

    def __init__(
        self,
        private_key: Union[bytes, str],
        *,
        networks: Sequence[str],
        budget: Budget,
        assets: Optional[Sequence[str]] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = private_key
        self.address = private_key_to_address(private_key)  # validates the key now
        if not networks:
            raise ConfigurationError("X402Payer needs at least one network")
        if assets is None:
            found = []
            for n in networks:
                resolved = resolve_network(n)
                chain = resolved[1] if resolved else None
                asset = default_asset(chain) if chain is not None else None
                if asset is None:
                    raise ConfigurationError(f"no default asset for {n!r}; pass assets=")
                found.append(asset.address)
            assets = found
        self.networks = list(networks)
        self.assets = list(assets)
        self.budget = budget
        self.clock = clock

    def payment_required(self, status: int, headers: Mapping[str, str], body: bytes) -> Optional[str]:
        """The ``PaymentRequired`` JSON of a 402 response, or None if it is not an x402 402."""
        return _payment_required(status, headers, body)

    def pay(self, payment_required: str) -> Tuple[str, str]:
        """Selects, reserves the budget, signs: ``(header name, header value)``; the amount is
        counted as spent (use :meth:`pay_reserved` to end the reservation with the outcome).

        Raises :class:`BudgetExceeded` when an acceptable offer exists but costs more than the
        budget allows, :class:`PaymentError` when no offer is acceptable."""
        name, value, reservation = self.pay_reserved(payment_required)
        reservation.commit()
        return name, value

    def pay_reserved(self, payment_required: str) -> Tuple[str, str, BudgetReservation]:
        """As :meth:`pay`, with the budget's reservation: commit it when the payment was taken,
        release it when the server refused it or never received it."""
        allowance = self.budget.allowance()
        try:
            selection = x402_select(payment_required, networks=self.networks, assets=self.assets, max_amount=allowance)
        except X402Error as first:
            try:
                dearer = x402_select(payment_required, networks=self.networks, assets=self.assets, max_amount=U256_MAX)
            except X402Error:
                raise PaymentError(f"no acceptable payment offer: {first.message}", code=first.code) from first
            req = json.loads(dearer.requirements)
            amount = int(req.get("amount", req.get("maxAmountRequired", "0")))
            # Raises BudgetExceeded with the precise limit; should the budget have grown since,
            # the reservation is given back and the offer stays refused.
            self.budget.reserve(amount, network=req["network"], asset=req["asset"]).release()
            raise PaymentError(f"no acceptable payment offer: {first.message}", code=first.code) from first
        req = json.loads(selection.requirements)
        amount = int(req.get("amount", req.get("maxAmountRequired", "0")))
        reservation = self.budget.reserve(amount, network=req["network"], asset=req["asset"])
        try:
            signed = x402_sign(
                payment_required, self._key, now=int(self.clock()), nonce=os.urandom(32), accept_index=selection.index
            )
        except BaseException:
            reservation.release()  # nothing was signed
            raise
        return signed.header_name, signed.header_value, reservation


def _payment_required(status: int, headers: Mapping[str, str], body: bytes) -> Optional[str]:
    """The ``PaymentRequired`` JSON of a 402 response (v2 header, else v1 body), or None."""
    if status != 402:
        return None
    header = headers.get("payment-required")
    if header:
        return decode_payment_required(header).json
    try:
        parsed = json.loads(body or b"null")
    except ValueError:
        return None
    if isinstance(parsed, dict) and parsed.get("x402Version") == 1 and parsed.get("accepts"):
        return decode_payment_required(body=body).json
    return None


def _offer_amount(offer: Mapping[str, Any]) -> Optional[int]:
    """The amount of an ``accepts`` entry (v2 ``amount``, v1 ``maxAmountRequired``) if it is a
    plain decimal."""
    text = offer.get("amount", offer.get("maxAmountRequired"))
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    return int(text)


RecentBlockhash = Callable[[str], Union[bytes, str]]


class SvmPayer:
    """Answers x402 402s that offer ``exact`` on Solana (x402 `exact` SVM scheme): builds and signs, with
    ``payer_seed``, the transfer the reference client builds, and sends it in the payment header;
    the facilitator named by the offer's ``extra.feePayer`` adds its signature and settles.

    ``networks``: Solana networks to pay on (v1 names such as ``solana-devnet``, or CAIP-2).
    ``assets``: the mints to pay with (base58) and their decimals, e.g.
    ``{"4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU": 6}`` (USDC on devnet).
    ``recent_blockhash(network)``: a recent blockhash of the CAIP-2 ``network`` (32 bytes or
    base58 text), from your RPC's ``getLatestBlockhash``; called once per payment, synchronously
    (also under ``httpx.AsyncClient``). ``token_programs``: mint → its token program, for
    Token-2022 mints (default SPL Token). ``budget``: in atomic units of those mints.

    The first offer in the server's order that is ``exact``, on one of ``networks``, in one of
    ``assets``, names an ``extra.feePayer`` and fits the budget is paid; its ``extra.memo`` is
    sent as the memo, else 16 random bytes in hex (as the reference client).
    """

    def __init__(
        self,
        payer_seed: Union[bytes, str],
        *,
        networks: Sequence[str],
        assets: Mapping[str, int],
        recent_blockhash: RecentBlockhash,
        budget: Budget,
        token_programs: Optional[Mapping[str, str]] = None,
    ) -> None:
        self._seed = payer_seed
        self.address = svm_public_key(payer_seed)  # validates the seed now
        if not networks:
            raise ConfigurationError("SvmPayer needs at least one network")
        self._networks: Set[str] = set()
        for n in networks:
            resolved = resolve_network(n)
            if resolved is None or not resolved[0].startswith("solana:"):
                raise ConfigurationError(f"{n!r} is not a known Solana network", code="unknown_network")
            self._networks.add(resolved[0])
        if not assets:
            raise ConfigurationError("SvmPayer needs at least one mint in assets")
        for key in [*assets, *(token_programs or {}).values()]:
            try:
                svm_parse_pubkey(key)
            except SvmError as e:
                raise ConfigurationError(f"{key!r} is not a Solana address: {e.message}", code=e.code) from e
        self.networks = list(networks)
        self.assets = dict(assets)
        self.token_programs = dict(token_programs or {})
        self.recent_blockhash = recent_blockhash
        self.budget = budget

    def payment_required(self, status: int, headers: Mapping[str, str], body: bytes) -> Optional[str]:
        """The ``PaymentRequired`` JSON of a 402 response, or None if it is not an x402 402."""
        return _payment_required(status, headers, body)

    def _payable(self, offer: Any) -> Optional[Tuple[str, int]]:
        """``(CAIP-2 network, amount)`` of an entry this payer can pay, ignoring the budget."""
        if not isinstance(offer, dict) or offer.get("scheme") != "exact":
            return None
        resolved = resolve_network(offer["network"]) if isinstance(offer.get("network"), str) else None
        extra = offer.get("extra")
        amount = _offer_amount(offer)
        if (
            resolved is None
            or resolved[0] not in self._networks
            or offer.get("asset") not in self.assets
            or not isinstance(offer.get("payTo"), str)
            or not isinstance(extra, dict)
            or not isinstance(extra.get("feePayer"), str)
            or amount is None
            or amount >= 1 << 64
        ):
            return None
        return resolved[0], amount

    def pay(self, payment_required: str) -> Tuple[str, str]:
        """Selects, reserves the budget, builds and signs the transfer: ``(header name, header
        value)``; the amount is counted as spent (use :meth:`pay_reserved` to end the
        reservation with the outcome).

        Raises :class:`BudgetExceeded` when an acceptable offer exists but costs more than the
        budget allows, :class:`PaymentError` when no offer is acceptable, ``SvmError`` /
        ``X402Error`` when the core refuses the offer (e.g. ``memo_too_long``)."""
        name, value, reservation = self.pay_reserved(payment_required)
        reservation.commit()
        return name, value

    def pay_reserved(self, payment_required: str) -> Tuple[str, str, BudgetReservation]:
        """As :meth:`pay`, with the budget's reservation: commit it when the payment was taken,
        release it when the server refused it or never received it."""
        allowance = self.budget.allowance()
        cheapest: Optional[Tuple[int, str, str]] = None
        for index, offer in enumerate(json.loads(payment_required).get("accepts") or []):
            payable = self._payable(offer)
            if payable is None:
                continue
            network, amount = payable
            if amount > allowance:
                if cheapest is None or amount < cheapest[0]:
                    cheapest = (amount, network, offer["asset"])
                continue
            reservation = self.budget.reserve(amount, network=network, asset=offer["asset"])
            try:
                extra = offer["extra"]
                memo = extra.get("memo")
                blockhash = self.recent_blockhash(network)
                wire = svm_build_transfer(
                    self._seed,
                    fee_payer=extra["feePayer"],
                    mint=offer["asset"],
                    pay_to=offer["payTo"],
                    amount=amount,
                    decimals=self.assets[offer["asset"]],
                    recent_blockhash=svm_parse_pubkey(blockhash) if isinstance(blockhash, str) else blockhash,
                    token_program=self.token_programs.get(offer["asset"]),
                    memo=memo if isinstance(memo, str) else os.urandom(16).hex(),
                )
                payment = svm_payment_header(payment_required, wire, accept_index=index)
            except BaseException:
                reservation.release()  # nothing was sent
                raise
            return payment.header_name, payment.header_value, reservation
        if cheapest is not None:
            # Raises BudgetExceeded with the precise limit; should the budget have grown since,
            # the reservation is given back and the offer stays refused.
            self.budget.reserve(cheapest[0], network=cheapest[1], asset=cheapest[2]).release()
        raise PaymentError(
            "no acceptable payment offer: no exact Solana entry on the payer's networks and mints",
            code="no_acceptable_requirements",
        )


X402Answer = Union[X402Payer, SvmPayer]

InvoicePayer = Callable[[str], Union[bytes, str]]
AsyncInvoicePayer = Callable[[str], Awaitable[Union[bytes, str]]]


class L402Payer:
    """Answers L402/LSAT 402s: checks the invoice against the token and the budget (msat), pays
    it with ``pay_invoice(bolt11) -> preimage`` (bytes or hex; may be ``async`` for async
    clients) and sends ``Authorization: L402 <macaroon>:<preimage>``. Paid tokens are reused
    for later requests to the same host until the server refuses them."""

    def __init__(
        self,
        pay_invoice: Union[InvoicePayer, AsyncInvoicePayer],
        *,
        budget: Budget,
        network: str = "bc",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.pay_invoice = pay_invoice
        self.budget = budget
        self.network = network
        self.clock = clock
        self._tokens: Dict[str, str] = {}
        self._lock = threading.Lock()

    def cached(self, host: str) -> Optional[str]:
        with self._lock:
            return self._tokens.get(host)

    def forget(self, host: str) -> None:
        with self._lock:
            self._tokens.pop(host, None)

    def challenge(self, status: int, www_authenticate: Sequence[str]) -> Optional[Any]:
        """The payable challenge of a 402 (invoice checked against the token, network, expiry
        and budget), or None if the response has no L402 challenge."""
        if status != 402 or not www_authenticate:
            return None
        try:
            challenges = l402_parse_challenges(list(www_authenticate))
        except L402Error:
            return None
        if not challenges:
            return None
        challenge = next((c for c in challenges if c.scheme == "L402"), challenges[0])
        amount = bolt11_decode(challenge.invoice).amount_msat
        if amount is None:
            raise PaymentError("L402 invoice has no amount; refusing to pay an open amount", code="invoice_without_amount")
        allowance = self.budget.allowance(LIGHTNING_NETWORK, MSAT)
        if amount > allowance:
            # Raises BudgetExceeded with the precise limit (else the budget grew: pay on).
            self.budget.reserve(amount, network=LIGHTNING_NETWORK, asset=MSAT).release()
            allowance = amount
        return l402_check_challenge(challenge, network=self.network, budget_msat=min(allowance, U64_MAX), now=int(self.clock()))

    def reserve(self, payable: Any) -> BudgetReservation:
        """Reserves the invoice's amount (msat) before it is paid; commit it once ``pay_invoice``
        returned the preimage. A failed ``pay_invoice`` leaves it counted: the wallet may have
        paid."""
        return self.budget.reserve(payable.invoice.amount_msat, network=LIGHTNING_NETWORK, asset=MSAT)

    def authorization(self, payable: Any, preimage: Union[bytes, str]) -> str:
        return payable.authorization(preimage)  # type: ignore[no-any-return]

    def remember(self, host: str, authorization: str) -> None:
        with self._lock:
            self._tokens[host] = authorization


def _lower_headers(items: Any) -> Dict[str, str]:
    return {k.lower(): v for k, v in items}


def _end_on_response(reservation: BudgetReservation, status: int) -> None:
    """The server answered the paid request: a 402 refused the payment (nothing was settled),
    anything else took it."""
    if status == 402:
        reservation.release()
    else:
        reservation.commit()


def _never_sent(error: Optional[BaseException]) -> bool:
    """Whether ``error`` means the paid request never reached the server (no connection)."""
    if httpx is not None and isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)):
        return True
    try:
        import requests  # type: ignore[import-untyped]
        from urllib3.exceptions import MaxRetryError, NewConnectionError
    except ImportError:  # pragma: no cover - requests is optional
        return False
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.exceptions.ConnectionError) and error.args:
        cause = error.args[0]
        reason = cause.reason if isinstance(cause, MaxRetryError) else cause
        return isinstance(reason, NewConnectionError)
    return False


def _end_on_error(reservation: BudgetReservation, error: Optional[BaseException]) -> None:
    """The paid request got no answer: released if it never reached the server; otherwise the
    server may have settled it, and the amount stays counted (fail closed)."""
    if _never_sent(error) and reservation.is_open:
        reservation.release()


class PaymentAuth(_AuthBase):
    """``httpx`` auth for ``httpx.Client`` and ``httpx.AsyncClient``: pays a 402 with ``x402=``
    (:class:`X402Payer` on EVM, :class:`SvmPayer` on Solana) and/or ``l402=``
    (:class:`L402Payer`) and retries once."""

    requires_response_body = True

    def __init__(self, *, x402: Optional[X402Answer] = None, l402: Optional[L402Payer] = None) -> None:
        if httpx is None:
            raise MissingExtra("pay402.client.PaymentAuth", "httpx", "httpx")
        if x402 is None and l402 is None:
            raise ConfigurationError("PaymentAuth needs x402= and/or l402=")
        self.x402 = x402
        self.l402 = l402

    def _prepare(self, request: httpx.Request) -> bool:
        """Adds a cached L402 token; True if the request already carries a payment."""
        if any(h in request.headers for h in _PAYMENT_HEADERS) or "authorization" in request.headers:
            return True
        if self.l402 is not None:
            token = self.l402.cached(request.url.host)
            if token:
                request.headers["Authorization"] = token
        return False

    def _x402_headers(self, response: httpx.Response) -> Optional[Tuple[str, str, BudgetReservation]]:
        if self.x402 is None:
            return None
        required = self.x402.payment_required(response.status_code, _lower_headers(response.headers.items()), response.content)
        return None if required is None else self.x402.pay_reserved(required)

    def _l402_challenge(self, request: httpx.Request, response: httpx.Response) -> Optional[Any]:
        if self.l402 is None:
            return None
        if "authorization" in request.headers:
            self.l402.forget(request.url.host)  # the cached token was refused
            del request.headers["Authorization"]
        return self.l402.challenge(response.status_code, response.headers.get_list("www-authenticate"))

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._prepare(request):
            yield request
            return
        response = yield request
        if response.status_code != 402:
            return
        response.read()
        paid = self._x402_headers(response)
        if paid is not None:
            name, value, reservation = paid
            request.headers[name] = value
            try:
                response = yield request
            except GeneratorExit as exit:
                _end_on_error(reservation, exit.__context__)
                raise
            _end_on_response(reservation, response.status_code)
            return
        payable = self._l402_challenge(request, response)
        if payable is None:
            return
        assert self.l402 is not None
        reservation = self.l402.reserve(payable)
        preimage = self.l402.pay_invoice(payable.invoice.invoice)
        if inspect.isawaitable(preimage):
            getattr(preimage, "close", lambda: None)()  # never awaited: nothing was paid
            reservation.release()
            raise ConfigurationError("an async pay_invoice needs httpx.AsyncClient")
        reservation.commit()  # the preimage proves the invoice was paid
        authorization = payable.authorization(preimage)
        self.l402.remember(request.url.host, authorization)
        request.headers["Authorization"] = authorization
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._prepare(request):
            yield request
            return
        response = yield request
        if response.status_code != 402:
            return
        await response.aread()
        paid = self._x402_headers(response)
        if paid is not None:
            name, value, reservation = paid
            request.headers[name] = value
            try:
                response = yield request
            except GeneratorExit as exit:
                _end_on_error(reservation, exit.__context__)
                raise
            _end_on_response(reservation, response.status_code)
            return
        payable = self._l402_challenge(request, response)
        if payable is None:
            return
        assert self.l402 is not None
        reservation = self.l402.reserve(payable)
        preimage = self.l402.pay_invoice(payable.invoice.invoice)
        if inspect.isawaitable(preimage):
            preimage = await preimage
        reservation.commit()  # the preimage proves the invoice was paid
        authorization = payable.authorization(preimage)
        self.l402.remember(request.url.host, authorization)
        request.headers["Authorization"] = authorization
        yield request


def payment_receipt(response: Any) -> Optional[Dict[str, Any]]:
    """The decoded ``PAYMENT-RESPONSE`` / ``X-PAYMENT-RESPONSE`` of an ``httpx`` or ``requests``
    response, or None."""
    headers = response.headers
    items = headers.multi_items() if hasattr(headers, "multi_items") else list(headers.items())
    message = read_settle_response(items)
    return None if message is None else json.loads(message.json)


try:
    from requests.adapters import HTTPAdapter as _HTTPAdapter  # type: ignore[import-untyped]
except ImportError:  # optional: the httpx auth and the payers work without it
    _HTTPAdapter = object  # type: ignore[misc,assignment]


class PaymentAdapter(_HTTPAdapter):  # type: ignore[misc,valid-type]
    """A ``requests`` transport adapter that pays a 402 and retries once::

        session = requests.Session()
        adapter = PaymentAdapter(x402=payer)
        session.mount("https://", adapter); session.mount("http://", adapter)
    """

    def __init__(self, *, x402: Optional[X402Answer] = None, l402: Optional[L402Payer] = None, **kwargs: Any) -> None:
        if _HTTPAdapter is object:
            raise MissingExtra("pay402.client.PaymentAdapter", "requests", "requests")
        if x402 is None and l402 is None:
            raise ConfigurationError("PaymentAdapter needs x402= and/or l402=")
        super().__init__(**kwargs)
        self.x402 = x402
        self.l402 = l402

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        from urllib.parse import urlsplit

        host = urlsplit(request.url).hostname or ""
        carries = any(h in request.headers for h in ("PAYMENT-SIGNATURE", "X-PAYMENT", "Authorization"))
        if not carries and self.l402 is not None:
            token = self.l402.cached(host)
            if token:
                request.headers["Authorization"] = token
        response = super().send(request, **kwargs)
        if response.status_code != 402 or carries:
            return response
        retry = request.copy()
        header: Optional[Tuple[str, str]] = None
        reservation: Optional[BudgetReservation] = None
        if self.x402 is not None:
            required = self.x402.payment_required(402, _lower_headers(response.headers.items()), response.content)
            if required is not None:
                name, value, reservation = self.x402.pay_reserved(required)
                header = (name, value)
        if header is None and self.l402 is not None:
            if "Authorization" in retry.headers:
                self.l402.forget(host)
                del retry.headers["Authorization"]
            values = [v.strip() for v in _split_www_authenticate(response.raw)]
            payable = self.l402.challenge(402, values)
            if payable is not None:
                l402_reservation = self.l402.reserve(payable)
                preimage = self.l402.pay_invoice(payable.invoice.invoice)
                if inspect.isawaitable(preimage):
                    getattr(preimage, "close", lambda: None)()  # never awaited: nothing was paid
                    l402_reservation.release()
                    raise ConfigurationError("requests cannot await an async pay_invoice")
                l402_reservation.commit()  # the preimage proves the invoice was paid
                authorization = payable.authorization(preimage)
                self.l402.remember(host, authorization)
                header = ("Authorization", authorization)
        if header is None:
            return response
        response.close()
        retry.headers[header[0]] = header[1]
        if reservation is None:
            return super().send(retry, **kwargs)
        try:
            paid = super().send(retry, **kwargs)
        except BaseException as e:
            _end_on_error(reservation, e)
            raise
        _end_on_response(reservation, paid.status_code)
        return paid


def _split_www_authenticate(raw: Any) -> List[str]:
    """All ``WWW-Authenticate`` field values of a urllib3 response (requests joins them)."""
    headers = getattr(raw, "headers", None)
    if headers is not None and hasattr(headers, "getlist"):
        return list(headers.getlist("WWW-Authenticate"))
    return []


def requests_session(*, x402: Optional[X402Answer] = None, l402: Optional[L402Payer] = None) -> Any:
    """A ``requests.Session`` with :class:`PaymentAdapter` mounted for http and https."""
    requests = require_extra("requests", "requests", "pay402.client.requests_session")

    session = requests.Session()
    adapter = PaymentAdapter(x402=x402, l402=l402)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
