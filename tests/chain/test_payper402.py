"""PayPer402 end to end on litesvm (the Solana runtime with the real SPL Token program, behind the
JSON-RPC server svm/rpc.mjs on loopback).

A Starlette app, served by uvicorn on a loopback socket, sells one generation the way PayPer402's
`app/api/generate/route.ts` does: `POST /api/generate` without `paymentSignature` answers 402 with
`WWW-Authenticate: Bearer realm="PayPer402", amount="<price>", currency="USDC", network="Solana"`
(written by the core's `payper402_challenge`) and the same terms in the JSON body; the retry
carries the transaction signature in the JSON body's `paymentSignature`. Unlike PayPer402, the
server proves the payment: `getTransaction` (jsonParsed) through the RPC, decided by the core's
`verify_payper402` (final, succeeded, at least the price of our mint into our payee's associated
token account, not too old), then the signature is recorded in a replay store (`accept_once`)
so it buys one generation. Refusals answer 402 with the core's code, as PayPer402 answers a
failed verification with 402.

The client parses the challenge with the core (`parse_payper402_challenge`), pays with a real SPL
`transferChecked` sent through the RPC, and retries with the signature. Expected values come from
the challenge's terms (0.042 USDC = 42000 atomic units at 6 decimals), never from the code under test.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any, Dict, Iterator, Optional

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import pay402
from pay402.replay import MemoryReplayStore
from pay402.settle._solana_rpc import SolanaRpc
from svm.harness import SvmRpc, svm_rpc, uvicorn_on_loopback  # noqa: F401  (svm_rpc: the fixture)

PRICE = 42_000  # 0.042 USDC
DECIMALS = 6
EXPECTED_CHALLENGE = 'Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana"'


class OncePerTtl:
    """`accept_once`'s store (`insert_if_absent`) over a pay402 replay store, one day per key."""

    def __init__(self) -> None:
        self.store = MemoryReplayStore()

    def insert_if_absent(self, key: bytes) -> bool:
        return self.store.reserve(key, 86_400)


def payper402_app(rpc_url: str, *, mint: str, pay_to: str) -> Starlette:
    rpc = SolanaRpc(rpc_url)
    used = OncePerTtl()
    challenge = pay402.payper402_challenge(realm="PayPer402", amount=PRICE, decimals=DECIMALS, currency="USDC", network="Solana")

    def payment_required(message: str, code: Optional[str] = None) -> JSONResponse:
        body: Dict[str, Any] = {
            "error": "Payment Required" if code is None else "Payment verification failed",
            "message": message,
            "paymentRequired": True,
            "amount": 0.042,
            "currency": "USDC",
            "network": "Solana",
        }
        if code is not None:
            body["code"] = code
        return JSONResponse(body, status_code=402, headers={"WWW-Authenticate": challenge})

    async def generate(request: Request) -> JSONResponse:
        body = await request.json()
        if not isinstance(body, dict) or not body.get("prompt"):
            return JSONResponse({"error": "prompt is required"}, status_code=400)
        signature = body.get("paymentSignature")
        if not signature:
            return payment_required("pay the amount, then send the transaction signature as paymentSignature")
        try:
            result = rpc.call(
                "getTransaction",
                [signature, {"encoding": "jsonParsed", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}],
            )
        except Exception as e:  # the RPC is down or refuses: not paid (fail closed)
            return JSONResponse({"error": "payment verification unavailable", "message": str(e)}, status_code=503)
        try:
            paid = pay402.verify_payper402(
                challenge,
                DECIMALS,
                signature,
                json.dumps(result),
                fetched_at="confirmed",
                mint=mint,
                token_program=pay402.SVM_TOKEN_PROGRAM_ID,
                pay_to=pay_to,
                max_age_secs=600,
                min_commitment="confirmed",
                now=int(time.time()),
            )
            pay402.accept_once(used, paid.tx_key.encode())
        except pay402.Error as e:
            return payment_required(str(e), e.code)
        return JSONResponse({"success": True, "result": f"generated: {body['prompt']}", "payer": paid.payer, "paid": paid.amount})

    return Starlette(routes=[Route("/api/generate", generate, methods=["POST"])])


class Buyer:
    """A wallet with USDC-like tokens, and a second wallet of its own that pays the fees."""

    def __init__(self, rpc: SvmRpc, mint: str, seed: bytes, fee_seed: bytes) -> None:
        self.rpc, self.mint, self.seed, self.fee_seed = rpc, mint, seed, fee_seed
        self.address = pay402.svm_public_key(seed)

    def pay(self, pay_to: str, amount: int, *, send: bool = True) -> str:
        """A real SPL `transferChecked` of `amount` into `pay_to`'s associated token account; its
        signature (`send=False`: signed, never sent)."""
        blockhash = self.rpc.call("getLatestBlockhash", [{"commitment": "confirmed"}])["value"]["blockhash"]
        wire = pay402.svm_build_transfer(
            self.seed,
            fee_payer=pay402.svm_public_key(self.fee_seed),
            mint=self.mint,
            pay_to=pay_to,
            amount=amount,
            decimals=DECIMALS,
            recent_blockhash=pay402.svm_parse_pubkey(blockhash),
            token_program=pay402.SVM_TOKEN_PROGRAM_ID,
            memo=os.urandom(8).hex().encode(),
        )
        signed = pay402.svm_cosign(wire, self.fee_seed)
        if not send:
            return signed.signature
        sig = self.rpc.call("sendTransaction", [base64.b64encode(signed.transaction).decode(), {"encoding": "base64"}])
        assert sig == signed.signature
        return str(sig)


@pytest.fixture()
def shop(svm_rpc: SvmRpc) -> Iterator[Dict[str, Any]]:  # noqa: F811
    seed, fee_seed = os.urandom(32), os.urandom(32)
    payee, stranger = pay402.svm_public_key(os.urandom(32)), pay402.svm_public_key(os.urandom(32))
    buyer_address = pay402.svm_public_key(seed)
    setup = svm_rpc.call(
        "pay402_setup",
        [{"decimals": DECIMALS, "sol": {pay402.svm_public_key(fee_seed): 1_000_000_000}, "tokens": {buyer_address: "1000000", payee: "0", stranger: "0"}}],
    )
    app = payper402_app(svm_rpc.url, mint=setup["mint"], pay_to=payee)
    with uvicorn_on_loopback(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield {
            "http": http,
            "rpc": svm_rpc,
            "buyer": Buyer(svm_rpc, setup["mint"], seed, fee_seed),
            "payee": payee,
            "payee_ata": setup["accounts"][payee],
            "stranger": stranger,
        }


def _ask(http: httpx.Client, signature: Optional[str] = None) -> httpx.Response:
    body: Dict[str, Any] = {"model": "gpt-image", "prompt": "a lighthouse", "type": "image"}
    if signature is not None:
        body["paymentSignature"] = signature
    return http.post("/api/generate", json=body)


def test_payper402_pay_then_retry_with_the_signature_is_served_once(shop: Dict[str, Any]) -> None:
    http, rpc, buyer = shop["http"], shop["rpc"], shop["buyer"]
    first = _ask(http)
    assert first.status_code == 402
    assert first.headers["www-authenticate"] == EXPECTED_CHALLENGE
    challenge = pay402.parse_payper402_challenge(first.headers["www-authenticate"], DECIMALS)
    assert (challenge.realm, challenge.amount, challenge.currency, challenge.network) == ("PayPer402", PRICE, "USDC", "Solana")

    before = rpc.token_balance(shop["payee_ata"])
    signature = buyer.pay(shop["payee"], challenge.amount)
    assert rpc.token_balance(shop["payee_ata"]) == before + PRICE

    paid = _ask(http, signature)
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"success": True, "result": "generated: a lighthouse", "payer": buyer.address, "paid": PRICE}

    # the same signature again buys nothing
    replay = _ask(http, signature)
    assert replay.status_code == 402
    assert replay.json()["code"] == "proof_already_used"
    assert replay.headers["www-authenticate"] == EXPECTED_CHALLENGE


def test_payper402_too_small_a_payment_is_refused(shop: Dict[str, Any]) -> None:
    signature = shop["buyer"].pay(shop["payee"], PRICE - 1)
    res = _ask(shop["http"], signature)
    assert res.status_code == 402
    assert res.json()["code"] == "amount_too_low"


def test_payper402_a_payment_to_someone_else_is_refused(shop: Dict[str, Any]) -> None:
    signature = shop["buyer"].pay(shop["stranger"], PRICE)
    res = _ask(shop["http"], signature)
    assert res.status_code == 402
    assert res.json()["code"] == "wrong_payee"


def test_payper402_an_unknown_signature_is_refused(shop: Dict[str, Any]) -> None:
    # the signature of a transaction that was signed but never sent: the chain does not know it
    unknown = shop["buyer"].pay(shop["payee"], PRICE, send=False)
    res = _ask(shop["http"], unknown)
    assert res.status_code == 402
    assert res.json()["code"] == "transaction_not_found"
