"""Idiomatic tests of the Python API: exceptions and codes, no panic on garbage, round trips,
uint256 boundaries as Python ints, thread safety. Expected values come from the specs (the
x402 v2 `PAYMENT-REQUIRED` example, the x402 spec's EIP-3009 example, the libmacaroons README) or
from one pay402 operation checked by another (sign then verify), never from printing the code
under test."""

from __future__ import annotations

import concurrent.futures
import json
import random
from typing import Any, Callable, Dict, List, Type

import pytest

import pay402

KEY = bytes([0x11] * 32)
# A known vector (k256): the address of the key 0x11…11.
KEY_ADDRESS = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
NOW = 1_740_672_100
NONCE = bytes([0x42] * 32)

# The x402 v2 `PAYMENT-REQUIRED` example.
REQUIREMENTS: Dict[str, Any] = {
    "scheme": "exact",
    "network": "eip155:84532",
    "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60,
    "extra": {"name": "USDC", "version": "2"},
}
REQUIRED = {
    "x402Version": 2,
    "resource": {"url": "https://api.example.com/premium-data"},
    "accepts": [REQUIREMENTS],
}
REQ_JSON = json.dumps(REQUIREMENTS, separators=(",", ":"))
REQUIRED_JSON = json.dumps(REQUIRED, separators=(",", ":"))

U256_MAX = 2**256 - 1

# --- exceptions -------------------------------------------------------------------------------

ERROR_CLASSES = [
    pay402.X402Error,
    pay402.EvmError,
    pay402.MacaroonError,
    pay402.Bolt11Error,
    pay402.L402Error,
    pay402.OffersError,
    pay402.Ws402Error,
    pay402.CodecError,
    pay402.DialectError,
    pay402.SvmError,
    pay402.BudgetError,
    pay402.OnchainError,
]


def test_error_hierarchy_is_one_base_class_per_area() -> None:
    assert issubclass(pay402.Error, Exception)
    for cls in ERROR_CLASSES:
        assert issubclass(cls, pay402.Error)
        assert cls.__module__ == "pay402"
    exported = {
        v for v in vars(pay402._native).values()
        if isinstance(v, type) and issubclass(v, pay402.Error) and v is not pay402.Error
    }
    assert exported == set(ERROR_CLASSES) and len(ERROR_CLASSES) == 12
    # The pure-Python layers (pay402.errors) add their own subclasses of the same base.
    python_layer = {
        v for v in vars(pay402).values()
        if isinstance(v, type) and issubclass(v, pay402.Error) and v.__module__ == "pay402.errors"
    }
    assert python_layer == {
        pay402.ConfigurationError, pay402.PriceError, pay402.FacilitatorError, pay402.VerifyError,
        pay402.SettleError, pay402.PaymentError, pay402.BudgetExceeded,
    }


def test_user_raised_errors_have_default_attributes() -> None:
    e = pay402.X402Error("boom")
    assert str(e) == "boom"
    assert e.code == "error" and e.detail_code is None and e.reasons == {}


def test_verify_error_carries_code_message_and_other_dialects() -> None:
    header = pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE).header_value
    with pytest.raises(pay402.X402Error) as info:
        pay402.verify_payment(REQ_JSON, header, now=NOW + 3600)
    e = info.value
    assert e.code == "invalid_exact_evm_payload_authorization_valid_before"
    assert str(e) == e.message and "validBefore" in e.message
    assert e.reasons["typescript"] == e.code
    assert e.reasons["x402_rs"] == "invalid_payment_expired"


def test_decode_error_exposes_the_nested_code() -> None:
    body = dict(REQUIRED, accepts=[dict(REQUIREMENTS, amount="12a")])
    with pytest.raises(pay402.X402Error) as info:
        pay402.decode_payment_required(body=json.dumps(body))
    assert info.value.code == "invalid_payload"
    assert info.value.detail_code == "u256_invalid_digit"


def test_wrong_signer_is_the_signature_verdict_with_detail() -> None:
    other = bytes([0x22] * 32)
    signed = pay402.x402_sign(REQUIRED_JSON, other, now=NOW, nonce=NONCE)
    # Swap the payer in the payload: the signature no longer matches authorization.from.
    payload = json.loads(signed.json)
    payload["payload"]["authorization"]["from"] = KEY_ADDRESS
    header = pay402.x402_encode_header(json.dumps(payload, separators=(",", ":")))
    with pytest.raises(pay402.X402Error) as info:
        pay402.verify_payment(REQ_JSON, header, now=NOW)
    assert info.value.code == "invalid_exact_evm_signature"
    assert info.value.detail_code == "signature_wrong_signer"


@pytest.mark.parametrize(
    "call,cls,code",
    [
        (lambda: pay402.recover_address(b"\0" * 32, b"\0" * 64), pay402.EvmError, "signature_length"),
        (lambda: pay402.checksum_address("0x12"), pay402.EvmError, "address_wrong_length"),
        (lambda: pay402.Macaroon.decode(""), pay402.MacaroonError, "malformed"),
        (lambda: pay402.bolt11_decode("lnbc1"), pay402.Bolt11Error, "bolt11_too_short"),
        (lambda: pay402.l402_parse_authorization("Bearer x"), pay402.L402Error, "invalid_credential"),
        (lambda: pay402.offers_decode("[]"), pay402.OffersError, "not_an_object"),
        (lambda: pay402.Meter.from_bytes(b"x"), pay402.Ws402Error, "invalid_record_length"),
        (lambda: pay402.TariffMeter(paid=1, max_session_seconds=1, start_ms=0).on_event(0, "resume"), pay402.Ws402Error, "session_not_suspended"),
        (lambda: pay402.Ws402Server([], {"url": "wss://x"}, price_per_second=1, max_session_seconds=1), pay402.Ws402Error, "no_offers"),
        (lambda: pay402.Ws402Server([{"network": "eip155:8453", "amount": "1", "pay_to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"}], {"url": "wss://x"}, price_per_second=1, max_session_seconds=1).accept(0, bytes(16)).app_send(0, 1), pay402.Ws402Error, "session_not_started"),
        (lambda: pay402.Ws402ClientSession(300, 1).on_text('{"type":"balance_exhausted"}'), pay402.Ws402Error, "before_start"),
        (lambda: pay402.parse_u256("01"), pay402.CodecError, "u256_leading_zero"),
        (lambda: pay402.base64_decode("a-b+"), pay402.CodecError, "base64_mixed_alphabets"),
        (lambda: pay402.parse_sandbox_token("sig:1"), pay402.DialectError, "invalid_token"),
        (lambda: pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE, accept_index=3), pay402.X402Error, "accept_index_out_of_range"),
    ],
)
def test_each_area_raises_its_class_with_the_core_code(
    call: Callable[[], Any], cls: Type[pay402.Error], code: str
) -> None:
    with pytest.raises(cls) as info:
        call()
    assert info.value.code == code
    assert info.value.message


def test_python_argument_mistakes_are_type_and_value_errors() -> None:
    with pytest.raises(ValueError):
        pay402.sign_digest(b"\x11" * 31, b"\0" * 32)
    with pytest.raises(TypeError):
        pay402.recover_address(123, b"")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        pay402.verify_payment(REQ_JSON, "x", now=0, amount="most")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pay402.decode_payment_required()


# --- uint256 as Python int ------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 2**64 - 1, 2**64, 2**128, U256_MAX])
def test_u256_round_trips_as_python_int(value: int) -> None:
    text = pay402.format_u256(value)
    assert text == str(value)
    assert pay402.parse_u256(text) == value


def test_u256_boundaries() -> None:
    with pytest.raises(ValueError):
        pay402.format_u256(2**256)
    with pytest.raises(ValueError):
        pay402.format_u256(-1)
    with pytest.raises(TypeError):
        pay402.format_u256(True)
    with pytest.raises(pay402.CodecError) as info:
        pay402.parse_u256(str(2**256))
    assert info.value.code == "u256_overflow"


def test_meter_handles_the_largest_amounts() -> None:
    m = pay402.Meter(price_per_second=U256_MAX, paid=U256_MAX, max_session_seconds=10, start_ms=0)
    out = m.tick(1_000)
    assert out.status == "ended" and out.end is not None
    assert out.end.reason == "balance_exhausted" and out.end.refund == 0
    assert m.consumed == U256_MAX and m.remaining == 0


# --- x402 round trips -----------------------------------------------------------------------


def test_sign_then_verify_round_trip_v2() -> None:
    signed = pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE)
    assert signed.header_name == "PAYMENT-SIGNATURE"
    assert signed.payer.lower() == KEY_ADDRESS
    v = pay402.verify_payment(REQ_JSON, signed.header_value, now=NOW)
    assert (v.x402_version, v.network, v.chain_id, v.kind) == (2, "eip155:84532", 84532, "exact_eip3009")
    assert v.payer.lower() == KEY_ADDRESS
    assert v.amount == v.authorized_amount == 10_000
    assert v.nonce == "0x" + NONCE.hex()
    assert v.valid_before == NOW + 60
    assert len(v.replay_key) == 80 and v.replay_key.endswith(NONCE)


def test_decoded_payment_re_encodes_to_the_same_header() -> None:
    signed = pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE)
    msg = pay402.decode_payment_payload(signed.header_value)
    assert msg.kind == "payment_payload" and msg.x402_version == 2
    assert msg.to_header() == signed.header_value
    assert json.loads(msg.json) == json.loads(signed.json)
    assert pay402.decode_header(signed.header_value) == signed.json.encode()


def test_wallet_path_matches_the_local_key_path() -> None:
    draft = pay402.PaymentDraft(REQUIRED_JSON, payer=KEY_ADDRESS, now=NOW, nonce=NONCE)
    assert draft.chain_id == 84532 and draft.x402_version == 2
    typed = json.loads(draft.typed_data())
    assert typed["primaryType"] == "TransferWithAuthorization"
    assert typed["domain"]["chainId"] == 84532
    sig = pay402.sign_digest(KEY, draft.digest())
    via_wallet = draft.with_wallet_signature(sig)
    via_hex = draft.with_wallet_signature("0x" + sig.hex())
    assert via_wallet == via_hex == draft.sign(KEY)
    # v = 0/1 from a hardware wallet is normalized to 27/28.
    low_v = sig[:64] + bytes([sig[64] - 27])
    assert draft.with_wallet_signature(low_v).signature == "0x" + sig.hex()
    with pytest.raises(pay402.X402Error) as info:
        draft.with_wallet_signature(pay402.sign_digest(bytes([0x22] * 32), draft.digest()))
    assert info.value.code == "signature_wrong_signer"


def test_select_resolves_v1_names_and_budget() -> None:
    chosen = pay402.x402_select(
        REQUIRED_JSON, networks=["base-sepolia"], assets=[REQUIREMENTS["asset"].lower()], max_amount=10_000
    )
    assert (chosen.index, chosen.method, chosen.chain_id) == (0, "eip3009", 84532)
    assert json.loads(chosen.requirements) == REQUIREMENTS
    with pytest.raises(pay402.X402Error) as info:
        pay402.x402_select(REQUIRED_JSON, networks=["base-sepolia"], assets=[REQUIREMENTS["asset"]], max_amount=9_999)
    assert info.value.code == "amount_exceeds_budget"
    with pytest.raises(pay402.X402Error) as info:
        pay402.x402_select(REQUIRED_JSON, networks=["no-such-chain"], assets=[], max_amount=1)
    assert info.value.code == "invalid_network"


def test_permit2_upto_sign_then_verify_with_settle_amount() -> None:
    facilitator = "0x000000000000000000000000000000000000dEaD"
    upto = {
        "scheme": "upto",
        "network": "eip155:84532",
        "amount": "50000",
        "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        "maxTimeoutSeconds": 300,
        "extra": {"facilitatorAddress": facilitator},
    }
    upto_json = json.dumps(upto, separators=(",", ":"))
    p = pay402.permit2_sign_payload(upto_json, KEY, nonce=7, now=NOW)
    assert p.chain_id == 84532 and p.payer.lower() == KEY_ADDRESS
    payload = {
        "x402Version": 2,
        "resource": {"url": "https://api.example.com/metered"},
        "accepted": upto,
        "payload": json.loads(p.json),
    }
    header = pay402.x402_encode_header(json.dumps(payload, separators=(",", ":")))
    v = pay402.verify_payment(upto_json, header, now=NOW, settle_amount=1234, facilitator=facilitator)
    assert (v.kind, v.amount, v.authorized_amount) == ("upto_permit2", 1234, 50_000)
    with pytest.raises(pay402.X402Error) as info:
        pay402.verify_payment(upto_json, header, now=NOW, settle_amount=50_001, facilitator=facilitator)
    assert info.value.code == "invalid_upto_evm_payload_settlement_exceeds_amount"
    with pytest.raises(pay402.X402Error) as info:
        pay402.verify_payment(upto_json, header, now=NOW)
    assert info.value.code == "upto_facilitator_mismatch"


def test_settle_response_is_read_from_response_headers() -> None:
    receipt = {"success": True, "transaction": "0x" + "ab" * 32, "network": "eip155:84532", "payer": KEY_ADDRESS}
    value = pay402.x402_encode_header(json.dumps(receipt))
    headers = [("content-type", "application/json"), ("Payment-Response", value)]
    assert pay402.settle_response_header(headers) == value
    assert pay402.settle_response_header({"X-PAYMENT-RESPONSE": value}) == value
    msg = pay402.read_settle_response(headers)
    assert msg is not None and json.loads(msg.json) == receipt and msg.x402_version is None
    assert pay402.read_settle_response({}) is None


def test_facilitator_bodies_decode() -> None:
    signed = pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE)
    body = {"x402Version": 2, "paymentPayload": json.loads(signed.json), "paymentRequirements": REQUIREMENTS}
    assert pay402.decode_verify_request(json.dumps(body)).kind == "verify_request"
    r = pay402.decode_verify_response('{"isValid":false,"invalidReason":"invalid_payload"}')
    assert json.loads(r.json) == {"isValid": False, "invalidReason": "invalid_payload"}
    s = pay402.decode_supported_response('{"kinds":[{"x402Version":2,"scheme":"exact","network":"eip155:8453"}]}')
    assert json.loads(s.json)["kinds"][0]["network"] == "eip155:8453"


# --- EVM ------------------------------------------------------------------------------------


def test_spec_eip3009_example_hashes_and_recovery() -> None:
    # The x402 spec's EIP-3009 example.
    domain = {"name": "USDC", "version": "2", "chainId": 84532, "verifyingContract": "0x036CbD53842c5426634e7929541eC2318f3dCF7e"}
    message = {
        "from": "0x857b06519E91e3A54538791bDbb0E22373e36b66",
        "to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        "value": 10000,
        "validAfter": "1740672089",
        "validBefore": 1740672154,
        "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
    }
    h = pay402.eip3009_digest(domain, message)
    assert h.domain_separator.hex() == "71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818"
    assert h.struct_hash.hex() == "49ad644555c7bdf3ea4fc022a4940ae5589b230b1dde0065c5504fa19bbe39a4"
    assert h.digest.hex() == "f256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6"
    sig = "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c"
    assert pay402.recover_address(h.digest, sig).lower() == "0x857b06519e91e3a54538791bdbb0e22373e36b66"


def test_keccak_sign_and_recover_known_vector() -> None:
    digest = pay402.keccak256(b"hello")
    assert digest.hex() == "1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8"
    assert pay402.recover_address(digest, pay402.sign_digest(KEY, digest)).lower() == KEY_ADDRESS
    assert pay402.private_key_to_address("0x" + KEY.hex()) == pay402.checksum_address(KEY_ADDRESS)


# --- macaroons ------------------------------------------------------------------------------


def test_macaroon_mint_attenuate_verify() -> None:
    # A libmacaroons `test/unit` vector
    m = pay402.Macaroon.mint(b"this is the key", "keyid", "http://example.org/", ["account = 3735928559"])
    assert m.signature.hex() == "f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259d87"
    again = pay402.Macaroon.decode(m.serialize(urlsafe=True))
    assert again == m and again.version == 2 and again.identifier == b"keyid"
    m.verify(b"this is the key", accept=["account = 3735928559"])
    with pytest.raises(pay402.MacaroonError) as info:
        m.verify(b"this is the key")
    assert info.value.code == "caveat_not_satisfied"
    m.verify(b"this is the key", mode="l402")
    narrower = m.attenuate(["time < 2030-01-01"])
    assert [c.id for c in narrower.caveats] == [b"account = 3735928559", b"time < 2030-01-01"]
    seen: List[bytes] = []

    def checker(caveat: bytes) -> bool:
        seen.append(caveat)
        return True

    narrower.verify(b"this is the key", checker=checker)
    assert seen == [b"account = 3735928559", b"time < 2030-01-01"]
    with pytest.raises(pay402.MacaroonError) as info:
        narrower.verify(b"this is the key", checker=lambda c: c.startswith(b"account"))
    assert info.value.code == "caveat_not_satisfied"
    with pytest.raises(pay402.MacaroonError) as info:
        narrower.verify(b"wrong key", accept=["account = 3735928559", "time < 2030-01-01"])
    assert info.value.code == "signature_mismatch"


def test_macaroon_checker_exception_propagates() -> None:
    m = pay402.Macaroon.mint(b"k", b"id", "", ["a"])

    def boom(caveat: bytes) -> bool:
        raise KeyError("checker failed")

    with pytest.raises(KeyError):
        m.verify(b"k", checker=boom)


def test_third_party_caveat_and_bound_discharge() -> None:
    root = pay402.Macaroon.mint(b"root key", b"root id", "https://service/")
    root = root.add_third_party_caveat(b"shared", b"tp id", "https://auth/", nonce=bytes(24))
    (caveat,) = root.caveats
    assert caveat.is_third_party and caveat.location == b"https://auth/" and caveat.vid is not None
    discharge = pay402.Macaroon.mint(b"shared", b"tp id", "https://auth/")
    with pytest.raises(pay402.MacaroonError) as info:
        root.verify(b"root key")
    assert info.value.code == "discharge_missing"
    bound = discharge.bind_for_request(root)
    assert bound.signature == pay402.bind_for_request(root.signature, discharge.signature)
    root.verify(b"root key", discharges=[bound])


# --- offers, WS402, dialects ----------------------------------------------------------------

OFFERS = {
    "version": "0.2.2",
    "payment_request_url": "https://api.example.com/payment-request",
    "payment_context_token": "ctx",
    "offers": [
        {"id": "a", "title": "One", "description": "d", "amount": 100, "currency": "USD", "type": "top-up", "balance": 5, "payment_methods": ["lightning"]},
        {"id": "b", "title": "Sub", "description": "d", "amount": 900, "currency": "USD", "type": "subscription", "duration": "1 month", "payment_methods": ["credit_card"]},
    ],
}


def test_offers_round_trip_and_entitlement() -> None:
    body = pay402.offers_decode(json.dumps(OFFERS))
    assert [o.type for o in body.offers] == ["top-up", "subscription"]
    assert pay402.offers_decode(body.json) == body
    assert pay402.encode_offers(json.dumps(OFFERS)) == body.json
    offer = body.offer("a")
    assert offer is not None and offer.amount == 100
    grant = offer.grant()
    assert grant == pay402.Grant.top_up(5)
    ent = pay402.Entitlement()
    assert ent.authorize(NOW).kind == "payment_required"
    ent.credit(grant, paid_at=NOW)
    access = ent.authorize(NOW)
    assert access.allowed and access.kind == "credit" and access.remaining == 4
    restored = pay402.Entitlement.from_bytes(ent.to_bytes())
    assert len(ent.to_bytes()) == pay402.ENTITLEMENT_RECORD_LEN and restored.credits == 4


def test_webhook_sign_and_verify() -> None:
    header = pay402.sign_webhook(b"secret", NOW, b'{"paid":true}')
    assert header.startswith(f"t={NOW},v1=")
    assert pay402.verify_webhook(header, b'{"paid":true}', b"secret", now=NOW + 10) == NOW
    with pytest.raises(pay402.OffersError) as info:
        pay402.verify_webhook(header, b'{"paid":false}', b"secret", now=NOW)
    assert info.value.code == "webhook_signature_mismatch"
    with pytest.raises(pay402.OffersError) as info:
        pay402.verify_webhook(header, b'{"paid":true}', b"secret", now=NOW + 10_000)
    assert info.value.code == "webhook_timestamp_out_of_tolerance"


def test_meter_module_example_and_record_resume() -> None:
    # The core's documented example: 10/s, 300 paid, closed after 2.5 s → 25 billed.
    m = pay402.Meter(price_per_second=10, paid=300, max_session_seconds=3600, start_ms=1_000_000, refund_to=KEY_ADDRESS)
    assert m.tick(1_001_250).consumed == 12
    resumed = pay402.Meter.from_bytes(m.to_bytes())
    assert len(m.to_bytes()) == pay402.SESSION_RECORD_LEN
    end = resumed.close(1_002_500)
    assert end.status == "ended" and end.end is not None
    assert (end.end.reason, end.end.consumed, end.end.refund, end.end.close_code) == ("client_close", 25, 275, 1000)
    assert resumed.close(1_002_600).status == "already_ended"
    assert resumed.refund_to is not None and resumed.refund_to.lower() == KEY_ADDRESS
    update = json.loads(resumed.usage_update("ws402_1"))
    assert update["type"] == "usage_update" and update["consumedAmount"] == "25"
    assert pay402.decode_ws402_message(json.dumps(update)).type == "usage_update"


def test_tariff_meter_module_example() -> None:
    # The core's documented TariffMeter example: 10/s and 1 per byte sent, 1000 paid.
    m = pay402.TariffMeter(per_second=10, per_byte_out=1, paid=1_000, max_session_seconds=3600, start_ms=0)
    assert (m.per_second, m.per_byte_in, m.per_byte_out, m.per_message, m.deadline_ms) == (10, 0, 1, 0, None)
    assert m.on_event(2_000, "bytes_out", 100).consumed == 120  # 10 × 2 s + 100 bytes
    assert m.on_event(3_000, "suspend").consumed == 130  # the drop is not billed
    assert m.suspended and m.on_event(60_000, "resume").status == "running"
    with pytest.raises(pay402.Ws402Error) as info:
        m.on_event(60_100, "resume")
    assert info.value.code == "session_not_suspended"
    for kind, n, code in [("close", None, "unknown_event"), ("bytes_out", None, "event_count_required")]:
        with pytest.raises(pay402.Ws402Error) as info:
            m.on_event(60_100, kind, n)  # type: ignore[arg-type]  # "close" is the v1 meter's name
        assert info.value.code == code
    # 3.5 s active + 100 bytes = 135; a 900-byte frame would make 1035 > 1000: refused.
    out = m.may_send(60_500, 900)
    assert out.status == "ended" and out.end is not None
    assert (out.end.reason, out.end.at_ms, out.end.close_code) == ("balance_exhausted", 60_500, 1000)
    assert (out.end.consumed, out.end.refund, m.active_ms, m.bytes_out) == (135, 865, 3_500, 100)
    assert m.on_event(61_000, "server_error").status == "already_ended"
    assert m.end == out.end


def test_tariff_meter_ends_and_amounts() -> None:
    # connection_lost has no socket, so no close code; it is dated at the suspend instant.
    m = pay402.TariffMeter(per_second=U256_MAX, paid=U256_MAX, max_session_seconds=10, start_ms=0)
    m.on_event(0, "suspend")
    with pytest.raises(pay402.Ws402Error) as info:
        m.may_send(5, 1)
    assert info.value.code == "session_suspended"
    end = m.on_event(9_000, "grace_expired").end
    assert end is not None and (end.reason, end.at_ms, end.close_code, end.consumed, end.refund) == (
        "connection_lost", 0, None, 0, U256_MAX
    )
    # server_error closes with 1011; a price above 2^64 stays exact.
    m = pay402.TariffMeter(per_message=2**200, paid=2**201 + 7, max_session_seconds=10, start_ms=0)
    assert m.on_event(1, "message", 2).consumed == 2**201
    end = m.on_event(2, "server_error").end
    assert end is not None and (end.reason, end.close_code, end.refund) == ("server_close", 1011, 7)
    # the deadline ends the session at its instant
    m = pay402.TariffMeter(per_second=1_000, paid=10**9, max_session_seconds=3600, start_ms=0, deadline_ms=2_500)
    end = m.on_event(4_000, "tick").end
    assert end is not None and (end.reason, end.at_ms, end.consumed) == ("deadline", 2_500, 2_500)
    with pytest.raises(pay402.Ws402Error) as info:
        m.on_event(0, "close")  # type: ignore[arg-type]
    assert info.value.code == "unknown_event"  # the core parses the names
    with pytest.raises(pay402.Ws402Error) as info:
        pay402.TariffMeter(paid=1, max_session_seconds=1, start_ms=0).on_event(0, "bytes_in")
    assert info.value.code == "event_count_required"
    for bad in (-1, 2**256):
        with pytest.raises(ValueError):
            pay402.TariffMeter(paid=bad, max_session_seconds=1, start_ms=0)


def test_start_with_x402_binds_refund_to_the_verified_payer() -> None:
    header = pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE).header_value
    meter, verified = pay402.start_with_x402(
        REQ_JSON, header, now_ms=NOW * 1000, price_per_second=1, max_session_seconds=60
    )
    assert meter.paid == 10_000 and verified.payer == meter.refund_to


def test_dialects() -> None:
    assert pay402.decimal_to_atomic("0.36", 6) == 360_000
    assert pay402.atomic_to_decimal(360_000, 6) == "0.36"
    with pytest.raises(pay402.DialectError) as info:
        pay402.decimal_to_atomic("0.0000001", 6)
    assert info.value.code == "sub_unit_amount"
    value = pay402.payper402_challenge(realm="PayPer402", amount=360_000, decimals=6, currency="USDC", network="Solana")
    assert value == 'Bearer realm="PayPer402", amount="0.36", currency="USDC", network="Solana"'
    c = pay402.parse_payper402_challenge(value, 6)
    assert (c.realm, c.amount, c.currency, c.network) == ("PayPer402", 360_000, "USDC", "Solana")
    assert pay402.parse_sandbox_token("mock-sig:abc") == ("mock", "abc")


class SetStore:
    def __init__(self) -> None:
        self.keys: set[bytes] = set()

    def insert_if_absent(self, key: bytes) -> bool:
        if key in self.keys:
            return False
        self.keys.add(key)
        return True


class BrokenStore:
    def insert_if_absent(self, key: bytes) -> bool:
        raise ConnectionError("redis down")


def test_accept_once_fails_closed() -> None:
    store = SetStore()
    pay402.accept_once(store, b"proof")
    with pytest.raises(pay402.DialectError) as info:
        pay402.accept_once(store, b"proof")
    assert info.value.code == "proof_already_used"
    with pytest.raises(pay402.DialectError) as info:
        pay402.accept_once(BrokenStore(), b"proof")
    assert info.value.code == "proof_store_unavailable"
    assert isinstance(info.value.__cause__, ConnectionError)


# --- no panic on garbage --------------------------------------------------------------------

DECODERS: List[Callable[[Any], Any]] = [
    lambda x: pay402.decode_payment_required(x),
    lambda x: pay402.decode_payment_required(body=x),
    lambda x: pay402.decode_payment_payload(x),
    lambda x: pay402.decode_payment_payload(body=x),
    lambda x: pay402.decode_settle_response(x),
    lambda x: pay402.decode_settle_response(body=x),
    pay402.decode_payment_requirements,
    pay402.decode_verify_request,
    pay402.decode_verify_response,
    pay402.decode_supported_response,
    pay402.decode_header,
    lambda x: pay402.verify_payment(x, x, now=NOW),
    lambda x: pay402.verify_payment(REQ_JSON, x, now=NOW, signature="lenient"),
    lambda x: pay402.x402_sign(x, KEY, now=NOW, nonce=NONCE),
    lambda x: pay402.PaymentDraft(x, payer=KEY_ADDRESS, now=NOW, nonce=NONCE),
    lambda x: pay402.permit2_sign_payload(x, KEY, nonce=1, now=NOW),
    pay402.Macaroon.decode,
    lambda x: pay402.Macaroon.from_bytes(x.encode("utf-8", "surrogatepass") if isinstance(x, str) else x),
    lambda x: pay402.bolt11_decode(x if isinstance(x, str) else x.decode("latin-1")),
    pay402.offers_decode,
    pay402.encode_payment_request,
    pay402.decode_payment_request_response,
    pay402.decode_ws402_message,
    pay402.decode_ws402_schema,
    lambda x: _running_client().on_text(x),
    lambda x: pay402.Meter.from_bytes(x.encode("utf-8", "surrogatepass") if isinstance(x, str) else x),
    lambda x: pay402.Entitlement.from_bytes(x.encode("utf-8", "surrogatepass") if isinstance(x, str) else x),
    pay402.decode_sandbox_requirements,
    lambda x: pay402.parse_payper402_challenge(x if isinstance(x, str) else x.decode("latin-1"), 6),
    lambda x: pay402.parse_sandbox_token(x if isinstance(x, str) else x.decode("latin-1")),
    pay402.base64_decode,
    lambda x: pay402.verify_webhook(x if isinstance(x, str) else x.decode("latin-1"), b"", b"k", now=NOW),
]


def _running_client() -> pay402.Ws402ClientSession:
    s = pay402.Ws402ClientSession(300, 1)
    s.on_text('{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}')
    return s


def _garbage(rng: random.Random) -> List[Any]:
    signed = pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=NONCE)
    seeds = [REQUIRED_JSON, REQ_JSON, signed.header_value, signed.json, json.dumps(OFFERS), "{}", "[]", "", "null", '{"x402Version":2}']
    out: List[Any] = []
    for seed in seeds:
        out.append(seed)
        for _ in range(12):
            b = bytearray(seed.encode())
            for _ in range(rng.randint(1, 4)):
                if b and rng.random() < 0.5:
                    b[rng.randrange(len(b))] = rng.randrange(256)
                elif b:
                    del b[rng.randrange(len(b)):]
                else:
                    b.extend(rng.randbytes(8) if hasattr(rng, "randbytes") else bytes(rng.randrange(256) for _ in range(8)))
            out.append(bytes(b))
    out += [bytes(rng.randrange(256) for _ in range(n)) for n in (1, 7, 64, 300)]
    out += ["\x00", "\udcff" * 0 + "é", "{" * 300 + "}" * 300, "[" * 10_000]
    return out


@pytest.mark.parametrize("decoder", DECODERS, ids=[str(i) for i in range(len(DECODERS))])
def test_decoders_never_panic_on_garbage(decoder: Callable[[Any], Any]) -> None:
    rng = random.Random(402)
    for value in _garbage(rng):
        try:
            decoder(value)
        except (pay402.Error, TypeError, ValueError, UnicodeDecodeError):
            pass
        except BaseException as e:  # PanicException derives from BaseException
            pytest.fail(f"{type(e).__name__} on {value!r:.80}: {e}")


# --- threads --------------------------------------------------------------------------------


def test_concurrent_verification_is_consistent() -> None:
    headers = [
        pay402.x402_sign(REQUIRED_JSON, KEY, now=NOW, nonce=bytes([n]) * 32).header_value
        for n in range(16)
    ]

    def verify(h: str) -> str:
        return pay402.verify_payment(REQ_JSON, h, now=NOW).nonce

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(verify, headers * 8))
    assert results == [("0x" + bytes([n]).hex() * 32) for n in range(16)] * 8


# --- HTTP auth fields, networks, default assets ----------------------------------------------


def test_folded_challenges_parse_in_order() -> None:
    # aperture's two challenge lines folded into one value (aperture `FreshChallengeHeader`; RFC 9110 §5.3)
    value = 'LSAT macaroon="AgEEbHNhdA==", invoice="lnbc1", L402 macaroon="AgEEbHNhdA==", invoice="lnbc1"'
    cs = pay402.parse_challenges(value)
    assert [c.scheme for c in cs] == ["LSAT", "L402"]
    assert cs[1].param("MACAROON") == "AgEEbHNhdA==" and cs[1].token68 is None
    written = pay402.write_challenge("L402", [("macaroon", "AgEEbHNhdA=="), ("invoice", 'a"b')])
    assert pay402.parse_challenges(written)[0].params == [("macaroon", "AgEEbHNhdA=="), ("invoice", 'a"b')]
    assert pay402.parse_credentials("L402 mac:preimage") == ("L402", "mac:preimage")
    with pytest.raises(pay402.CodecError):
        pay402.parse_challenges('realm="x"')


def test_networks_and_default_assets() -> None:
    assert pay402.resolve_network("base") == ("eip155:8453", 8453)
    assert pay402.resolve_network("eip155:84532") == ("eip155:84532", 84532)
    assert pay402.resolve_network("cosmos:hub") is None
    asset = pay402.default_asset(84532)
    assert asset is not None and asset.symbol == "USDC" and asset.decimals == 6
    assert asset.address.lower() == REQUIREMENTS["asset"].lower()
    assert pay402.default_asset(999_999_999) is None


def test_every_stub_class_member_has_a_docstring():
    """IDEs show the stubs' docstrings: every class, and every property and method of a class
    in pay402/_native.pyi (dunders aside), says what it is."""
    import ast
    from pathlib import Path

    stub = Path(pay402.__file__).with_name("_native.pyi")
    tree = ast.parse(stub.read_text("utf-8"))
    bare = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")):
        if ast.get_docstring(cls) is None:
            bare.append(cls.name)
        for member in cls.body:
            if isinstance(member, ast.FunctionDef) and not member.name.startswith("__") and ast.get_docstring(member) is None:
                bare.append(f"{cls.name}.{member.name}")
    assert not bare, f"{len(bare)} stub members without a docstring: {bare}"


# --- the WS402 client tracker ---------------------------------------------------------------------


def test_ws402_client_amounts_are_ints_at_the_uint256_edge() -> None:
    top = 2**256 - 1
    s = pay402.Ws402ClientSession(top, 10**18)
    started = s.on_text(f'{{"type":"session_started","sessionId":"s","balance":"{top}","pricePerSecond":"{10**18}"}}')
    assert (started.kind, started.balance, started.price_per_second) == ("started", top, 10**18)
    usage = s.on_text(
        f'{{"type":"usage_update","sessionId":"s","elapsedSeconds":3,"consumedAmount":"{3 * 10**18}",'
        f'"remainingBalance":"{top - 3 * 10**18}","bytesTransferred":0,"messageCount":0}}'.encode()
    )
    assert (usage.consumed, usage.remaining, usage.reason) == (3 * 10**18, top - 3 * 10**18, None)
    assert (s.consumed, s.remaining, s.balance, s.authorized) == (3 * 10**18, top - 3 * 10**18, top, top)
    with pytest.raises(ValueError):
        pay402.Ws402ClientSession(2**256, 1)
    with pytest.raises(ValueError):
        pay402.Ws402ClientSession(-1, 1)
    with pytest.raises(TypeError):
        pay402.Ws402ClientSession(True, 1)


def test_ws402_client_refusal_is_typed_and_changes_nothing() -> None:
    s = _running_client()
    s.on_text('{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":5,"consumedAmount":5,'
              '"remainingBalance":295,"bytesTransferred":0,"messageCount":0}')
    with pytest.raises(pay402.Ws402Error) as info:
        # The exact statement refunds 200 where 295 is owed: the server keeps 95 too many.
        s.on_text('{"type":"session_ended","sessionId":"ws402_1","endedBy":"client_close","paid":"300",'
                  '"consumed":"5","settled":"300","refund":"200"}')
    assert info.value.code == "server_overcharged"
    assert (s.phase, s.consumed) == ("running", 5)
    ended = s.on_text('{"type":"session_ended","sessionId":"ws402_1","endedBy":"client_close","paid":"300",'
                      '"consumed":"5","settled":"300","refund":"295"}')
    assert (ended.kind, ended.refund, ended.settled, ended.ended_by) == ("ended", 295, 300, "client_close")
    assert ended == ended and s.phase == "ended"
    with pytest.raises(pay402.Ws402Error) as info:
        s.write_end_session()
    assert info.value.code == "out_of_phase"


def test_ws402_client_is_safe_to_share_between_threads() -> None:
    s = _running_client()
    frames = [
        f'{{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":{n},"consumedAmount":{n},'
        f'"remainingBalance":{300 - n},"bytesTransferred":0,"messageCount":0}}'
        for n in range(1, 201)
    ]

    def feed(frame: str) -> str:
        try:
            return s.on_text(frame).kind
        except pay402.Ws402Error as e:
            return str(e.code)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(feed, frames))
    # Out-of-order readings are refused, never applied: consumed is the largest reading accepted.
    assert set(results) <= {"usage", "consumed_decreased"}
    assert s.consumed == max(n for n, r in zip(range(1, 201), results) if r == "usage")


def test_ws402_server_grant_check_and_session_getters() -> None:
    """The grant check's answers without a valid grant, as the WS402 HTTP grant rules give them
    (no credentials: 402 grant_required; a malformed token: 401 grant_invalid; a server without a
    secret grants nothing), and a fresh session's payer and record generation."""
    offer = {"network": "eip155:8453", "amount": "1", "pay_to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"}
    plain = pay402.Ws402Server([offer], {"url": "wss://x"}, price_per_second=1, max_session_seconds=1)
    keyed = pay402.Ws402Server([offer], {"url": "wss://x"}, price_per_second=1, max_session_seconds=1, secret=bytes(range(32)))
    assert plain.grant_check("WS402 abc", "https://x/a", None, 0) == (402, "grant_required")
    assert keyed.grant_check(None, "https://x/a", None, 0) == (402, "grant_required")
    assert keyed.grant_check("Bearer abc", "https://x/a", None, 0) == (402, "grant_required")
    assert keyed.grant_check("WS402 !!!", "https://x/a", None, 0) == (401, "grant_invalid")
    assert pay402.Ws402Server.grant_session_id(None) is None
    assert pay402.Ws402Server.grant_session_id("WS402 !!!") is None
    session = keyed.accept(0, bytes(16))
    assert session.payer is None
    assert session.record_generation == 0
    with pytest.raises(pay402.Ws402Error) as info:
        plain.issue_grant(b"", "https://x/a", 1)
    assert info.value.code == "session_unsupported"
    with pytest.raises(pay402.Ws402Error) as info:
        keyed.issue_grant(b"\x00" * 16, "https://x/a", 1)
    assert info.value.code == "invalid_record_length"


def test_ws402_upto_validity_is_the_session_the_grace_and_the_settle_margin() -> None:
    """The core's `upto` rule (an authorization must cover now + max session + resume grace in
    whole seconds, rounded up + settle margin)."""
    assert pay402.Ws402Server.upto_validity_seconds(600) == 600 + 120
    assert pay402.Ws402Server.upto_validity_seconds(600, resume_grace_ms=1_500) == 600 + 2 + 120
    assert pay402.Ws402Server.upto_validity_seconds(600, resume_grace_ms=2_000, settle_margin_s=0) == 602
