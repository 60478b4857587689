"""Cross-checks with peer Python packages: the PyPI ``x402`` SDK (its client pays a pay402
server; pay402's payments decode with its schemas and pass its EOA signature check) and
``pymacaroons`` (L402-shaped macaroons minted by either verify with the other)."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

import pay402

X402_REASON = "the PyPI x402 package (2.25.0) requires Python >= 3.10; its cross-checks run on 3.10+ only"


def _x402() -> None:
    if sys.version_info < (3, 10):
        pytest.skip(X402_REASON)
    pytest.importorskip("x402", reason="x402[evm] not installed (ffi-python/tests/requirements-web.txt)")


# --- x402 -------------------------------------------------------------------------------------


def test_x402_sdk_client_pays_a_pay402_server() -> None:
    _x402()
    from eth_account import Account
    from x402 import x402ClientSync
    from x402.http.clients import x402_requests
    from x402.mechanisms.evm.exact import register_exact_evm_client
    from x402.mechanisms.evm.signers import EthAccountSigner

    from test_web import fastapi_app
    from web_support import KEY, PAYER, CountingSettlement, uvicorn_server, x402_paywall

    client = x402ClientSync()
    register_exact_evm_client(client, EthAccountSigner(Account.from_key(KEY)))
    settlement = CountingSettlement()
    with uvicorn_server(fastapi_app(x402=x402_paywall(settlement=settlement))) as base:
        r = x402_requests(client).get(base + "/premium")
    assert r.status_code == 200, r.text
    assert r.json()["payer"] == PAYER
    (call,) = settlement.calls
    assert call.x402_version == 2 and call.payer == PAYER
    assert call.amount == 10_000


@pytest.mark.parametrize("scheme", ["exact-permit2", "upto-permit2"])
def test_x402_sdk_client_pays_pay402_permit2_routes(scheme: str) -> None:
    """The PyPI x402 client (its exact Permit2 and upto clients) pays a pay402 FastAPI server."""
    _x402()
    from eth_account import Account
    from x402 import x402ClientSync
    from x402.http.clients import x402_requests
    from x402.mechanisms.evm.exact import register_exact_evm_client
    from x402.mechanisms.evm.signers import EthAccountSigner
    from x402.mechanisms.evm.upto import UptoEvmClientScheme

    from pay402.server import X402Route
    from test_web import fastapi_app
    from web_support import KEY, PAYER, CountingSettlement, uvicorn_server, x402_paywall

    signer = EthAccountSigner(Account.from_key(KEY))
    client = x402ClientSync()
    register_exact_evm_client(client, signer)
    client.register("eip155:*", UptoEvmClientScheme(signer))
    route = (X402Route("GET /premium", "$0.01", transfer_method="permit2") if scheme == "exact-permit2" else
             X402Route("GET /premium", "$0.01", scheme="upto", facilitator="0x000000000000000000000000000000000000dEaD"))
    settlement = CountingSettlement()
    with uvicorn_server(fastapi_app(x402=x402_paywall([route], settlement=settlement))) as base:
        r = x402_requests(client).get(base + "/premium")
    assert r.status_code == 200, r.text
    assert r.json()["payer"] == PAYER
    (call,) = settlement.calls
    assert call.payer == PAYER and call.amount == 10_000
    assert call.requirements["scheme"] == scheme.split("-")[0]


def test_pay402_payment_passes_x402_sdk_schema_and_eoa_check() -> None:
    _x402()
    from x402.mechanisms.evm.eip712 import hash_eip3009_authorization
    from x402.mechanisms.evm.types import ExactEIP3009Authorization
    from x402.mechanisms.evm.verify import verify_eoa_signature
    from x402.schemas.helpers import parse_payment_payload, parse_payment_required

    from web_support import KEY, PAYER, x402_paywall

    from pay402.server import Gate, Request

    challenge = Gate(x402_paywall()).start(Request("GET", "/premium", "http://api.test/premium", []))
    required = pay402.decode_payment_required(dict(challenge.headers)["PAYMENT-REQUIRED"]).json  # type: ignore[union-attr]
    asset = json.loads(required)["accepts"][0]["asset"]
    parse_payment_required(required.encode())
    signed = pay402.x402_sign(required, KEY, now=int(time.time()), nonce=os.urandom(32))
    model = parse_payment_payload(signed.json.encode())
    assert model.accepted.amount == "10000"
    a = json.loads(signed.json)["payload"]["authorization"]

    def digest(value: str) -> bytes:
        auth = ExactEIP3009Authorization(
            from_address=a["from"], to=a["to"], value=value, valid_after=a["validAfter"],
            valid_before=a["validBefore"], nonce=a["nonce"],
        )
        return hash_eip3009_authorization(auth, 84532, asset, "USDC", "2")

    signature = bytes.fromhex(signed.signature[2:])
    assert verify_eoa_signature(digest(a["value"]), signature, PAYER) is True
    assert verify_eoa_signature(digest("10001"), signature, PAYER) is False
    # and the digests agree with the core's
    hashes = pay402.eip3009_digest(
        {"name": "USDC", "version": "2", "chainId": 84532, "verifyingContract": asset},
        {**a, "value": int(a["value"]), "validAfter": int(a["validAfter"]), "validBefore": int(a["validBefore"])},
    )
    assert hashes.digest == digest(a["value"])


# --- pymacaroons ------------------------------------------------------------------------------

pymacaroons = pytest.importorskip("pymacaroons", reason="pymacaroons not installed (ffi-python/tests/requirements-web.txt)")

PREIMAGE = bytes([0x33] * 32)
NOW = 1_750_000_000


def _l402_ident() -> pay402.L402Identifier:
    return pay402.L402Identifier(pay402.l402_payment_hash(PREIMAGE), bytes(range(32)))


def test_pymacaroons_minted_l402_token_verifies_with_pay402() -> None:
    ident = _l402_ident()
    root_key = os.urandom(32)
    m = pymacaroons.Macaroon(location="lsat", identifier=ident.to_bytes(), key=root_key,
                             version=pymacaroons.MACAROON_V2)
    m.add_first_party_caveat("services=weather:0")
    m.add_first_party_caveat(f"weather_valid_until={NOW + 60}")
    authorization = f"L402 {m.serialize()}:{PREIMAGE.hex()}"
    assert pay402.l402_verify([authorization], {ident.root_key_id: root_key}, service="weather", now=NOW) == ident
    with pytest.raises(pay402.L402Error):
        pay402.l402_verify([authorization], {ident.root_key_id: os.urandom(32)}, service="weather", now=NOW)
    with pytest.raises(pay402.L402Error):
        pay402.l402_verify([authorization], {ident.root_key_id: root_key}, service="weather", now=NOW + 61)


def test_pay402_minted_l402_token_verifies_with_pymacaroons() -> None:
    ident = _l402_ident()
    root_key = os.urandom(32)
    caveats = [pay402.l402_services_caveat([("weather", 0)]), pay402.l402_valid_until_caveat("weather", NOW + 60)]
    token = pay402.l402_mint(root_key, ident, caveats=caveats)
    m = pymacaroons.Macaroon.deserialize(token.serialize())
    assert m.identifier_bytes == ident.to_bytes() and m.location == "lsat"
    v = pymacaroons.Verifier()
    for c in caveats:
        v.satisfy_exact(c)
    assert v.verify(m, root_key) is True
    with pytest.raises(Exception):
        pymacaroons.Verifier().verify(m, root_key)  # unsatisfied caveats
