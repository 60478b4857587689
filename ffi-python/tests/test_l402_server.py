"""The L402 resource server of the core (``pay402.L402Server``): challenges for a real invoice
(the fewsats-python README invoice and its preimage), the credential a client builds from them,
refusals with their codes, and a footprint that stays flat: root keys are derived from the
server secret, so unpaid requests store nothing."""

from __future__ import annotations

import os
import tracemalloc

import pytest

import pay402

INVOICE = (
    "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceyp"
    "japjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0x"
    "rfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj"
)
PREIMAGE = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628"
PAYMENT_HASH = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139"
NOW = 1_724_856_505


def server(secret: bytes = b"\x07" * 32, **kw) -> pay402.L402Server:
    return pay402.L402Server("api", 17_000, "bitcoin", secret, **kw)


def credential(challenge_value: str) -> str:
    macaroon = challenge_value.split('macaroon="')[1].split('"')[0]
    return f"L402 {macaroon}:{PREIMAGE}"


def test_a_paid_challenge_is_admitted_with_its_token() -> None:
    s = server()
    c = s.challenge(INVOICE, PAYMENT_HASH, os.urandom(32), NOW)
    assert c.status == 402
    assert [n for n, _ in c.headers] == ["WWW-Authenticate", "WWW-Authenticate"]
    assert c.headers[0][1].startswith("LSAT ") and c.headers[1][1].startswith("L402 ")
    assert c.valid_until == NOW + 86_400
    admitted = s.admit([credential(c.headers[1][1])], NOW + 10)
    assert isinstance(admitted, pay402.L402Admitted)
    assert admitted.payment_hash.hex() == PAYMENT_HASH
    assert admitted.root_key_id == c.root_key_id


def test_refusals_have_status_and_code() -> None:
    s = server()
    c = s.challenge(INVOICE, PAYMENT_HASH, b"\x01" * 32, NOW)
    good = credential(c.headers[1][1])
    none = s.admit(["Bearer x"], NOW)
    assert isinstance(none, pay402.L402Refusal) and (none.status, none.code) == (402, "payment_required")
    wrong = s.admit([good.replace(PREIMAGE, "00" * 32)], NOW)
    assert isinstance(wrong, pay402.L402Refusal) and wrong.code == "invalid_preimage"
    revoked = s.admit([good], NOW, revoked=lambda root_key_id: root_key_id == c.root_key_id)
    assert isinstance(revoked, pay402.L402Refusal) and revoked.code == "token_revoked"

    def broken_store(_: bytes) -> bool:
        raise ConnectionError("revocation store down")

    failed = s.admit([good], NOW, revoked=broken_store)
    assert isinstance(failed, pay402.L402Refusal) and failed.code == "token_revoked", "fail closed"
    unauthorized = server(unauthorized_for_bad_credentials=True).admit([good.replace(PREIMAGE, "00" * 32)], NOW)
    assert isinstance(unauthorized, pay402.L402Refusal) and unauthorized.status == 401


def test_rotation_keeps_old_tokens_valid() -> None:
    old = server(b"\x07" * 32)
    c = old.challenge(INVOICE, PAYMENT_HASH, b"\x02" * 32, NOW)
    rotated = server(b"\x09" * 32, previous_secret=b"\x07" * 32)
    admitted = rotated.admit([credential(c.headers[1][1])], NOW)
    assert isinstance(admitted, pay402.L402Admitted) and admitted.previous_secret


@pytest.mark.parametrize("kw, code", [
    ({"secret": b"short"}, "invalid_server_secret"),
    ({"network": "moon"}, "unknown_network"),
    ({"price_msat": 0}, "invalid_price"),
])
def test_misconfiguration_fails_closed(kw: dict, code: str) -> None:
    args = {"service": "api", "price_msat": 17_000, "network": "bitcoin", "secret": b"\x07" * 32, **kw}
    with pytest.raises(pay402.L402Error) as e:
        pay402.L402Server(args.pop("service"), args.pop("price_msat"), args.pop("network"), args.pop("secret"))
    assert e.value.code == code


def test_ten_thousand_unpaid_requests_leave_memory_flat() -> None:
    s = server()
    for _ in range(200):  # warm up allocator caches
        s.challenge(INVOICE, PAYMENT_HASH, os.urandom(32), NOW)
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for _ in range(10_000):
        s.challenge(INVOICE, PAYMENT_HASH, os.urandom(32), NOW)
        s.admit([], NOW)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Nothing is kept per challenge: the growth is noise, far below one stored key per request
    # (10,000 keys of 32 bytes would be 320 kB before any dict overhead).
    assert after - before < 16_000, after - before
