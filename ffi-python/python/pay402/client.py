"""Paying HTTP clients: an ``httpx`` auth (sync and async clients) and a ``requests`` adapter.

On a 402 they pick an offer the caller accepts (x402: the core's client, ``pay402::x402::client``,
chooses among ``exact`` EIP-3009, ``exact`` Permit2, ``upto`` Permit2 and Solana ``exact``), check it
against the spend :class:`Budget`, sign (EVM with a local private key, Solana with a local seed)
or pay the invoice (L402, with a caller-supplied invoice payer), and retry the request once. A
request that already carries a payment is never paid again. The core reads the answer to an x402
paid retry: a refusal raises :class:`X402PaymentRefused` with the server's code, detail code and
message (the budget gets the amount back when the refusal is definitive); a second L402 402 is
returned as it is.

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
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Generator, AsyncGenerator, List, Mapping, Optional, Sequence, Tuple, Union

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
    X402ChosenOffer,
    X402Client,
    X402Error,
    X402Payment,
    bolt11_decode,
    decode_payment_required,
    default_asset,
    l402_check_challenge,
    l402_parse_challenges,
    private_key_to_address,
    read_settle_response,
    resolve_network,
    svm_parse_pubkey,
    svm_public_key,
)
from .errors import BudgetExceeded, ConfigurationError, MissingExtra, PaymentError, require_extra

__all__ = [
    "Budget",
    "X402Payer",
    "PreparedPayment",
    "Permit2Approval",
    "Permit2ApprovalRequired",
    "X402PaymentRefused",
    "PERMIT2_ADDRESS",
    "SvmPayer",
    "L402Payer",
    "PaymentAuth",
    "PaymentAdapter",
    "payment_receipt",
    "requests_session",
]

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
        self._assets: List[Tuple[str, str]] = []

    @classmethod
    def per_asset(
        cls,
        limits: Mapping[Tuple[str, str], Tuple[int, int]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> "Budget":
        """A budget listing assets of several networks, each with its own ``(per_request,
        total)`` limits in its atomic units, e.g. ``{("eip155:84532", USDC): (10_000, 1_000_000),
        ("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", DEVNET_USDC): (10_000, 1_000_000)}``
        (networks as v1 names or CAIP-2). A payment in an asset it does not list is refused.
        :attr:`spent` and :meth:`allowance` then take the asset: ``spent_in(network, asset)``."""
        budget = cls.__new__(cls)
        budget._native = ClientBudget()
        for (network, asset), (per_request, total) in limits.items():
            if per_request < 0 or total < 0:
                raise ValueError("budget limits must be >= 0")
            resolved = resolve_network(network)
            try:
                budget._native.add(resolved[0] if resolved else network, asset, per_request=per_request, total=total)
            except BudgetError as e:
                raise ConfigurationError(e.message, code=e.code) from e
        budget.per_request = max((p for p, _ in limits.values()), default=0)
        budget.total = sum(t for _, t in limits.values())
        budget.window = None
        budget.clock = clock
        budget._assets = [((resolve_network(n) or (n, None))[0], a) for n, a in limits]
        return budget

    def spent_in(self, network: str, asset: str) -> int:
        """What committed payments in one asset cost so far (a per-asset budget)."""
        resolved = resolve_network(network)
        return self._native.spent(resolved[0] if resolved else network, asset)

    def _now(self) -> int:
        return max(0, int(self.clock()))

    @property
    def spent(self) -> int:
        """What committed payments cost so far (open reservations not included; a per-asset
        budget: summed over its assets, in their own units)."""
        if self._assets:
            return sum(self._native.spent(n, a) for n, a in self._assets)
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


PERMIT2_ADDRESS = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
"""The canonical Permit2 contract (the same address on every EVM chain): the spender a payer
approves before paying a Permit2 offer."""
SPL_TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"


class Permit2Approval:
    """The ERC-20 approval a Permit2 payment needs: ``owner`` lets ``spender`` (Permit2) move at
    least ``amount`` of ``token`` on ``network`` (CAIP-2; ``chain_id`` its EVM chain id)."""

    def __init__(self, *, network: str, chain_id: int, token: str, owner: str, amount: int,
                 spender: str = PERMIT2_ADDRESS) -> None:
        self.network = network
        self.chain_id = chain_id
        self.token = token
        self.owner = owner
        self.spender = spender
        self.amount = amount

    def __repr__(self) -> str:
        return (f"Permit2Approval(network={self.network!r}, token={self.token!r}, owner={self.owner!r}, "
                f"spender={self.spender!r}, amount={self.amount})")


class Permit2ApprovalRequired(PaymentError):
    """The chosen offer is a Permit2 one and the payer's ERC-20 allowance to Permit2 is below its
    amount: nothing was signed or counted. ``.approval`` is the approval to make (call the
    token's ``approve(spender, amount)`` from ``owner``), then retry."""

    def __init__(self, message: str, *, code: str, approval: Permit2Approval) -> None:
        super().__init__(message, code=code)
        self.approval = approval


class X402PaymentRefused(PaymentError):
    """The server refused the paid retry. ``.code``, ``.detail_code`` and ``.server_message`` are
    the server's words (the 402 body's ``error``, ``errorDetail`` and ``errorMessage``, or the
    ``PAYMENT-RESPONSE``'s ``errorReason``), ``.status`` its HTTP status, ``.response`` the
    response itself. ``.definitive`` says the payment cannot have been settled: the budget got
    the amount back; otherwise it stays counted (the server may have settled)."""

    def __init__(
        self,
        *,
        code: str,
        detail_code: Optional[str],
        server_message: Optional[str],
        status: int,
        definitive: bool,
        response: Any,
    ) -> None:
        text = f"the server refused the payment ({status}): {code}"
        if detail_code:
            text += f" ({detail_code})"
        if server_message:
            text += f": {server_message}"
        super().__init__(text, code=code, detail_code=detail_code)
        self.server_message = server_message
        self.status = status
        self.definitive = definitive
        self.response = response


AllowanceSource = Union[Callable[[Permit2Approval], int], str, Mapping[int, str]]
BlockhashSource = Union[Callable[[str], Union[bytes, str]], str]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def _abi_word(address: str) -> str:
    """An address as one 32-byte ABI word (hex, no prefix)."""
    return address.lower()[2:].rjust(64, "0")


def _json_rpc(url: str, method: str, params: List[Any], timeout: float) -> Any:
    """One JSON-RPC call over HTTP POST (standard library; blocking)."""
    from urllib.request import Request, urlopen

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = Request(url, data=body, headers={"content-type": "application/json"}, method="POST")
    try:
        with urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the caller's RPC URL
            reply = json.loads(answer.read())
    except (OSError, ValueError) as e:
        raise PaymentError(f"{method} over {url} failed: {e}", code="rpc_failed") from e
    if not isinstance(reply, dict) or reply.get("error") is not None or "result" not in reply:
        raise PaymentError(f"{method} over {url} failed: {reply!r}", code="rpc_failed")
    return reply["result"]


def _budget_exceeded(refusal: BudgetRefusal, amount: int) -> BudgetExceeded:
    return BudgetExceeded(
        refusal.message,
        amount=amount if refusal.amount is None else refusal.amount,
        remaining=0 if refusal.remaining is None else refusal.remaining,
        code=refusal.code,
    )


class PreparedPayment:
    """A signed payment not yet sent: the header, the budget's reservation and the chosen offer's
    ``kind`` (``exact_eip3009``, ``exact_permit2``, ``upto_permit2``, ``exact_svm``), ``network``
    (CAIP-2), ``asset`` and ``amount`` (the maximum for ``upto``). Made by
    :meth:`X402Payer.prepare` from the native client's payment."""

    def __init__(self, client: X402Client, payment: X402Payment, chosen: X402ChosenOffer) -> None:
        self._client = client
        self._payment = payment
        self.header_name = payment.header_name
        self.header_value = payment.header_value
        self.reservation = payment.reservation
        self.kind = chosen.kind
        self.network = chosen.network
        self.asset = chosen.asset
        self.amount = chosen.amount

    def complete(self, status: int, headers: Sequence[Tuple[str, str]], body: bytes, response: Any = None) -> None:
        """Ends the reservation by the core's verdict on the answer to the paid retry: served →
        committed (``upto``: the receipt's settled amount, the rest given back); refused →
        raises :class:`X402PaymentRefused`, with the amount given back when the refusal is
        definitive and kept counted otherwise; undetermined → kept counted."""
        answer = self._client.complete(self._payment, status, list(headers), bytes(body or b""))
        if answer.verdict == "refused":
            raise X402PaymentRefused(
                code=answer.code or "payment_refused",
                detail_code=answer.detail_code,
                server_message=answer.message,
                status=status,
                definitive=bool(answer.definitive),
                response=response,
            )
        # undetermined: the server may have settled; the reservation stays counted.


class X402Payer:
    """Answers x402 402s (v2 ``PAYMENT-REQUIRED`` header, or a v1 JSON body) on the core's
    paying client (``pay402::x402::client``): ``exact`` EIP-3009, ``exact`` Permit2 and
    ``upto`` Permit2 on EVM with ``private_key``, and ``exact`` on Solana with ``svm_seed``. The
    first offer in the server's order that the payer can pay (a listed network, asset and kind,
    within the budget) is paid.

    ``networks``: networks to pay on (v1 names or CAIP-2; EVM and Solana may be mixed).
    ``assets``: EVM token addresses (default: each EVM network's default asset, e.g. USDC).
    ``schemes``: the kinds to pay (default all). ``budget``: one :class:`Budget`, any-asset or
    per asset (:meth:`Budget.per_asset`, EVM and Solana assets together).

    ``permit2_allowance``: where the payer's ERC-20 allowance to Permit2 is read before a Permit2
    offer is paid: a callable ``(Permit2Approval) -> int``, an EVM JSON-RPC URL (``eth_call`` of
    ``allowance(owner, spender)``), or URLs by chain id; if it is below the amount,
    :class:`Permit2ApprovalRequired` carries the approval to make. Without it, Permit2 offers are
    paid unchecked (the server refuses them if the allowance is missing).

    Solana: ``svm_seed`` (32 bytes), ``svm_assets`` (mint → decimals), ``recent_blockhash`` (a
    callable ``(CAIP-2 network) -> blockhash`` (32 bytes or base58), or a Solana JSON-RPC URL read
    with ``getLatestBlockhash``), ``token_programs`` (mint → token program, for Token-2022 mints;
    default SPL Token). RPC reads block (also under ``httpx.AsyncClient``)."""

    def __init__(
        self,
        private_key: Optional[Union[bytes, str]] = None,
        *,
        networks: Sequence[str],
        budget: Budget,
        assets: Optional[Sequence[str]] = None,
        schemes: Optional[Sequence[str]] = None,
        permit2_allowance: Optional[AllowanceSource] = None,
        svm_seed: Optional[Union[bytes, str]] = None,
        svm_assets: Optional[Mapping[str, int]] = None,
        recent_blockhash: Optional[BlockhashSource] = None,
        token_programs: Optional[Mapping[str, str]] = None,
        rpc_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not networks:
            raise ConfigurationError("X402Payer needs at least one network")
        if private_key is None and svm_seed is None:
            raise ConfigurationError("X402Payer needs private_key= (EVM) and/or svm_seed= (Solana)")
        resolved = []
        for n in networks:
            r = resolve_network(n)
            if r is None:
                raise ConfigurationError(f"{n!r} is not a known network", code="unknown_network")
            resolved.append(r)
        self._key = private_key
        self.address: Optional[str] = None if private_key is None else private_key_to_address(private_key)
        self._seed = svm_seed
        self.svm_address: Optional[str] = None if svm_seed is None else svm_public_key(svm_seed)
        if assets is None:
            found = []
            if private_key is not None:
                for n, (caip2, chain) in zip(networks, resolved):
                    if chain is None:
                        continue  # a Solana network: its mints are svm_assets
                    asset = default_asset(chain)
                    if asset is None:
                        raise ConfigurationError(f"no default asset for {n!r}; pass assets=")
                    found.append(asset.address)
            assets = found
        self.svm_assets = dict(svm_assets or {})
        self.token_programs = dict(token_programs or {})
        if svm_seed is not None:
            if not self.svm_assets:
                raise ConfigurationError("a Solana payer needs at least one mint in svm_assets")
            if recent_blockhash is None:
                raise ConfigurationError("a Solana payer needs recent_blockhash= (a callable or an RPC URL)")
            for key in [*self.svm_assets, *self.token_programs.values()]:
                try:
                    svm_parse_pubkey(key)
                except SvmError as e:
                    raise ConfigurationError(f"{key!r} is not a Solana address: {e.message}", code=e.code) from e
        self.networks = list(networks)
        self.assets = list(assets)
        self.schemes = None if schemes is None else list(schemes)
        if self.schemes == []:
            raise ConfigurationError("schemes= lists no kind to pay (None: all)")
        self.permit2_allowance = permit2_allowance
        self.recent_blockhash = recent_blockhash
        self.rpc_timeout = rpc_timeout
        self.budget = budget
        self.clock = clock
        try:
            self._client = X402Client(
                networks=self.networks,
                budget=budget._native,
                evm_assets=self.assets if private_key is not None else [],
                svm_assets=list(self.svm_assets) if svm_seed is not None else [],
                schemes=self.schemes,
            )
        except X402Error as e:
            raise ConfigurationError(e.message, code=e.code) from e

    def payment_required(self, status: int, headers: Mapping[str, str], body: bytes) -> Optional[str]:
        """The ``PaymentRequired`` JSON of a 402 response, or None if it is not an x402 402."""
        return _payment_required(status, headers, body)

    def pay(self, payment_required: str) -> Tuple[str, str]:
        """Chooses, reserves the budget, signs: ``(header name, header value)``; the amount is
        counted as spent (the clients use :meth:`prepare` and end the reservation by the answer).

        Raises :class:`BudgetExceeded` when an acceptable offer exists but costs more than the
        budget allows, :class:`Permit2ApprovalRequired` when a Permit2 allowance is missing,
        :class:`PaymentError` when no offer is acceptable."""
        prepared = self.prepare(payment_required)
        prepared.reservation.commit()
        return prepared.header_name, prepared.header_value

    def pay_reserved(self, payment_required: str) -> Tuple[str, str, BudgetReservation]:
        """As :meth:`pay`, with the budget's reservation: commit it when the payment was taken,
        release it when the server refused it or never received it."""
        prepared = self.prepare(payment_required)
        return prepared.header_name, prepared.header_value, prepared.reservation

    def prepare(self, payment_required: str) -> PreparedPayment:
        """Chooses an offer within the budget, reads the chain state it needs (Permit2 allowance,
        Solana blockhash), reserves its amount in the budget and signs it (the native
        :class:`~pay402._native.X402Client`, which releases the reservation if nothing could be
        signed)."""
        now, budget_now = max(0, int(self.clock())), self.budget._now()
        try:
            chosen = self._client.choose([], payment_required, budget_now)
        except X402Error as e:
            raise PaymentError(f"no acceptable payment offer: {e.message}", code=e.code, detail_code=e.detail_code) from e
        if isinstance(chosen, BudgetRefusal):
            raise _budget_exceeded(chosen, 0)
        if chosen.approval is not None and self.permit2_allowance is not None:
            self._check_permit2(chosen)
        if chosen.kind == "exact_svm":
            assert self._seed is not None
            paid = self._client.pay_svm(
                chosen, self._seed, recent_blockhash=self._blockhash(chosen.network),
                decimals=self.svm_assets[chosen.asset],
                token_program=self.token_programs.get(chosen.asset, SPL_TOKEN_PROGRAM),
                memo_nonce=os.urandom(16), now=budget_now,
            )
        else:
            assert self._key is not None
            paid = self._client.pay_evm(chosen, self._key, now=now, nonce=os.urandom(32), budget_now=budget_now)
        if isinstance(paid, BudgetRefusal):
            raise _budget_exceeded(paid, chosen.amount)
        return PreparedPayment(self._client, paid, chosen)

    def _check_permit2(self, chosen: X402ChosenOffer) -> None:
        """Reads the payer's ERC-20 allowance to Permit2 (the caller's callable or RPC) and
        raises :class:`Permit2ApprovalRequired` when the core finds it short."""
        needed = chosen.approval
        assert needed is not None and self.address is not None
        approval = Permit2Approval(network=chosen.network, chain_id=needed.chain_id, token=needed.token,
                                   owner=self.address, amount=needed.amount, spender=needed.spender)
        source = self.permit2_allowance
        if callable(source):
            allowance = int(source(approval))
        else:
            url = source.get(approval.chain_id) if isinstance(source, Mapping) else source
            if url is None:
                return  # no RPC for this chain: the server checks the allowance
            data = "0xdd62ed3e" + _abi_word(approval.owner) + _abi_word(approval.spender)
            allowance = int(_json_rpc(url, "eth_call", [{"to": approval.token, "data": data}, "latest"], self.rpc_timeout), 16)
        try:
            self._client.check_allowance(chosen, allowance)
        except X402Error as e:
            if e.code == "permit2_allowance_required":
                raise Permit2ApprovalRequired(
                    f"{e.message}: approve {approval.spender} for {approval.amount} of {approval.token} on "
                    f"{approval.network} (allowance now {allowance})", code=e.code, approval=approval) from e
            raise

    def _blockhash(self, network: str) -> str:
        source = self.recent_blockhash
        if source is None:
            raise PaymentError("a Solana offer was chosen but no recent_blockhash source is set",
                               code="solana_rpc_required")
        if callable(source):
            value = source(network)
        else:
            value = _json_rpc(source, "getLatestBlockhash", [{"commitment": "confirmed"}], self.rpc_timeout)["value"]["blockhash"]
        return _base58(value) if isinstance(value, bytes) else value


class SvmPayer(X402Payer):
    """An :class:`X402Payer` that pays only Solana ``exact`` offers (kept for existing code):
    ``SvmPayer(seed, networks=…, assets={mint: decimals}, recent_blockhash=…, budget=…)`` is
    ``X402Payer(svm_seed=seed, networks=…, svm_assets={mint: decimals}, recent_blockhash=…,
    budget=…)``. ``recent_blockhash`` may also be a Solana JSON-RPC URL."""

    def __init__(
        self,
        payer_seed: Union[bytes, str],
        *,
        networks: Sequence[str],
        assets: Mapping[str, int],
        recent_blockhash: BlockhashSource,
        budget: Budget,
        token_programs: Optional[Mapping[str, str]] = None,
    ) -> None:
        if not networks:
            raise ConfigurationError("SvmPayer needs at least one network")
        for n in networks:
            r = resolve_network(n)
            if r is None or not r[0].startswith("solana:"):
                raise ConfigurationError(f"{n!r} is not a known Solana network", code="unknown_network")
        if not assets:
            raise ConfigurationError("SvmPayer needs at least one mint in assets")
        super().__init__(None, networks=networks, budget=budget, assets=[], svm_seed=payer_seed, svm_assets=assets,
                         recent_blockhash=recent_blockhash, token_programs=token_programs)
        self.address = self.svm_address


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

    def _x402_prepare(self, response: httpx.Response) -> Optional[PreparedPayment]:
        if self.x402 is None:
            return None
        required = self.x402.payment_required(response.status_code, _lower_headers(response.headers.items()), response.content)
        return None if required is None else self.x402.prepare(required)

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
        prepared = self._x402_prepare(response)
        if prepared is not None:
            request.headers[prepared.header_name] = prepared.header_value
            try:
                response = yield request
            except GeneratorExit as exit:
                _end_on_error(prepared.reservation, exit.__context__)
                raise
            response.read()
            prepared.complete(response.status_code, response.headers.multi_items(), response.content, response)
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
        prepared = self._x402_prepare(response)
        if prepared is not None:
            request.headers[prepared.header_name] = prepared.header_value
            try:
                response = yield request
            except GeneratorExit as exit:
                _end_on_error(prepared.reservation, exit.__context__)
                raise
            await response.aread()
            prepared.complete(response.status_code, response.headers.multi_items(), response.content, response)
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
        prepared: Optional[PreparedPayment] = None
        if self.x402 is not None:
            required = self.x402.payment_required(402, _lower_headers(response.headers.items()), response.content)
            if required is not None:
                prepared = self.x402.prepare(required)
                header = (prepared.header_name, prepared.header_value)
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
        if prepared is None:
            return super().send(retry, **kwargs)
        try:
            paid = super().send(retry, **kwargs)
        except BaseException as e:
            _end_on_error(prepared.reservation, e)
            raise
        try:
            # Error answers are read for the server's words; a served body is left streaming.
            body = paid.content if paid.status_code >= 400 else b""
            prepared.complete(paid.status_code, list(paid.headers.items()), body, paid)
        except BaseException:
            paid.close()
            raise
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
