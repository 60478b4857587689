"""Tests of the L402 bindings: exceptions and codes, no panic on garbage, the server/client round
trip mint → challenge → credential → verify, the hex `Macaroon` header, the client's invoice
checks. Expected values come from the L402 spec (vector B on aperture's `authenticator_test.go` inputs, aperture's formats) and
the BOLT11 spec invoices, or from one pay402 operation checked by another."""

from __future__ import annotations

import hashlib
import random
from typing import Any, Callable, Dict, List, Optional

import pytest

import pay402

# Vector B (aperture's `authenticator_test.go` inputs).
ROOT_KEY = bytes(range(32))
PREIMAGE = bytes.fromhex("49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39")
PAYMENT_HASH = bytes.fromhex("60aae3f3299441b06b61b5aaa4db89c4b5c8627de0cc2e5535882d8f42175265")
TOKEN_ID = bytes([1] * 32)
VALID_UNTIL = 1_700_000_000
SIGNATURE_B = "43dca882db6a3c2836a64866f7004383025dcb65d56d821db76e157182ca24b9"
CAVEATS_B = ["services=svc:0", "svc_capabilities=", "svc_valid_until=1700000000"]

# BOLT11 spec: "$3 for a cup of coffee within one minute" (250000000 msat, 60 s expiry).
INVOICE = (
    "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqw"
    "zqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxd"
    "y8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4"
    "vgpfna3rh"
)
INVOICE_HASH = bytes.fromhex("0001020304050607080900010203040506070809000102030405060708090102")
INVOICE_TIME = 1_496_314_658


def _mint(payment_hash: bytes = PAYMENT_HASH, caveats: Optional[List[str]] = None) -> pay402.Macaroon:
    ident = pay402.L402Identifier(payment_hash, TOKEN_ID)
    return pay402.l402_mint(ROOT_KEY, ident, caveats=CAVEATS_B if caveats is None else caveats)


def _code(fn: Callable[[], Any]) -> pay402.L402Error:
    with pytest.raises(pay402.L402Error) as info:
        fn()
    return info.value


# --- identifier, minting, caveat helpers ----------------------------------------------------


def test_mint_matches_spec_vector_b() -> None:
    mac = _mint()
    assert len(mac.to_bytes()) == 177
    assert mac.signature.hex() == SIGNATURE_B
    assert mac.location == pay402.L402_APERTURE_LOCATION == "lsat"
    ident = pay402.L402Identifier.from_bytes(mac.identifier)
    assert ident == pay402.L402Identifier(PAYMENT_HASH.hex(), TOKEN_ID)
    assert (ident.version, ident.payment_hash, ident.token_id) == (0, PAYMENT_HASH, TOKEN_ID)
    assert ident.to_bytes() == b"\x00\x00" + PAYMENT_HASH + TOKEN_ID
    assert ident.root_key_id == hashlib.sha256(ident.to_bytes()).digest()
    assert pay402.l402_root_key_id(ident.to_bytes()) == ident.root_key_id
    assert pay402.l402_payment_hash(PREIMAGE) == PAYMENT_HASH == hashlib.sha256(PREIMAGE).digest()


def test_caveat_helpers_write_aperture_caveats() -> None:
    assert pay402.l402_services_caveat([("svc", 0)]) == CAVEATS_B[0]
    assert pay402.l402_services_caveat([("svc", 0), ("pro", 2)]) == "services=svc:0,pro:2"
    assert pay402.l402_capabilities_caveat("svc", []) == CAVEATS_B[1]
    assert pay402.l402_capabilities_caveat("svc", ["read", "write"]) == "svc_capabilities=read,write"
    assert pay402.l402_valid_until_caveat("svc", VALID_UNTIL) == CAVEATS_B[2]
    built = [
        pay402.l402_services_caveat([("svc", 0)]),
        pay402.l402_capabilities_caveat("svc", []),
        pay402.l402_valid_until_caveat("svc", VALID_UNTIL),
    ]
    assert _mint(caveats=built).signature.hex() == SIGNATURE_B
    for bad in ([], [("a,b", 0)], [("a:b", 0)], [("", 0)]):
        assert _code(lambda: pay402.l402_services_caveat(bad)).code == "invalid_challenge_param"
    with pytest.raises(OverflowError):
        pay402.l402_services_caveat([("svc", 256)])


def test_identifier_errors() -> None:
    good = pay402.L402Identifier(PAYMENT_HASH, TOKEN_ID).to_bytes()
    for data in (good[:65], good + b"\x00", b"", b"\x00"):
        assert _code(lambda: pay402.L402Identifier.from_bytes(data)).code == "unknown_identifier_version"
    assert _code(lambda: pay402.L402Identifier.from_bytes(b"\x00\x01" + good[2:])).code == (
        "unknown_identifier_version"
    )
    with pytest.raises(ValueError):
        pay402.L402Identifier(PAYMENT_HASH[:31], TOKEN_ID)
    with pytest.raises(pay402.CodecError):
        pay402.L402Identifier("zz", TOKEN_ID)


# --- the round trip ---------------------------------------------------------------------------


def test_mint_challenge_credential_verify_round_trip() -> None:
    mac = _mint()
    ident = pay402.L402Identifier.from_bytes(mac.identifier)

    # Server → client: aperture's two WWW-Authenticate values, LSAT then L402.
    headers = pay402.l402_encode_challenges(mac, INVOICE)
    assert headers == [
        f'LSAT macaroon="{mac.serialize()}", invoice="{INVOICE}"',
        f'L402 macaroon="{mac.serialize()}", invoice="{INVOICE}"',
    ]
    assert pay402.l402_write_challenge(mac.to_bytes(), INVOICE, scheme="LSAT") == headers[0]
    assert pay402.l402_write_challenge(mac.serialize(urlsafe=True), INVOICE) == headers[1]
    found = pay402.l402_parse_challenges(headers)
    assert [c.scheme for c in found] == ["LSAT", "L402"]
    challenge = pay402.l402_select_challenge(headers)
    assert challenge == found[1]
    assert (challenge.macaroon, challenge.invoice, challenge.version) == (mac.serialize(), INVOICE, None)

    # Client, after paying: the credential; the server parses and verifies it.
    auth = pay402.l402_write_authorization(challenge.macaroon, PREIMAGE)
    assert auth == f"L402 {mac.serialize()}:{PREIMAGE.hex()}"
    cred = pay402.l402_parse_authorization(auth)
    assert (cred.scheme, cred.macaroons, cred.preimage, cred.preimage_hex) == (
        "L402",
        [mac.serialize()],
        PREIMAGE,
        PREIMAGE.hex(),
    )
    assert cred.macaroon == mac

    store: Dict[bytes, bytes] = {ident.root_key_id: ROOT_KEY}
    got = pay402.l402_verify(auth, store, service="svc", now=VALID_UNTIL - 1)
    assert got == ident
    # A callable store, both schemes sent (as aperture's client does), other schemes skipped.
    lsat = pay402.l402_write_authorization(mac, PREIMAGE.hex(), scheme="LSAT")
    seen: List[bytes] = []

    def lookup(root_key_id: bytes) -> Optional[bytes]:
        seen.append(root_key_id)
        return store.get(root_key_id)

    assert pay402.l402_verify(["Bearer x", lsat, auth], lookup, service="svc", now=0) == ident
    assert seen == [ident.root_key_id]
    assert pay402.l402_select_authorization(["Bearer x", lsat, auth]).scheme == "L402"


def test_verification_verdicts_and_codes() -> None:
    mac = _mint()
    auth = pay402.l402_write_authorization(mac, PREIMAGE)
    keys = {pay402.L402Identifier.from_bytes(mac.identifier).root_key_id: ROOT_KEY}

    def verdict(headers: Any = auth, store: Any = keys, **kw: Any) -> str:
        args: Dict[str, Any] = {"service": "svc", "now": VALID_UNTIL - 1}
        args.update(kw)
        return _code(lambda: pay402.l402_verify(headers, store, **args)).code

    assert verdict(now=VALID_UNTIL) == "token_expired"
    assert verdict(service="other") == "service_not_allowed"
    assert verdict(capability="read") == "capability_not_allowed"
    assert verdict(store={}) == "unknown_root_key"
    assert verdict(store=lambda _: None) == "unknown_root_key"
    assert verdict(store=lambda _: bytes(32)) == "signature_mismatch"
    assert verdict(headers=pay402.l402_write_authorization(mac, bytes(32))) == "invalid_preimage"
    assert verdict(headers=[]) == "invalid_credential"
    assert verdict(headers="Bearer abc") == "invalid_credential"
    other = pay402.l402_write_authorization(_mint(payment_hash=bytes(32)), PREIMAGE, scheme="LSAT")
    e = _code(lambda: pay402.l402_verify([auth, other], keys, service="svc", now=0))
    assert (e.code, e.detail_code) == ("invalid_credential", "schemes_disagree")
    wider = pay402.l402_write_authorization(mac.attenuate(["services=svc:0,pro:0"]), PREIMAGE)
    assert verdict(headers=wider) == "caveat_widened"


def test_root_key_lookup_errors_propagate() -> None:
    auth = pay402.l402_write_authorization(_mint(), PREIMAGE)

    def boom(_: bytes) -> bytes:
        raise RuntimeError("store down")

    with pytest.raises(RuntimeError, match="store down"):
        pay402.l402_verify(auth, boom, service="svc", now=0)
    with pytest.raises(ValueError):
        pay402.l402_verify(auth, lambda _: b"short", service="svc", now=0)
    with pytest.raises(TypeError):
        pay402.l402_verify(auth, lambda _: 42, service="svc", now=0)  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError):
        pay402.l402_verify(auth, 42, service="svc", now=0)  # type: ignore[arg-type]


def test_credential_faults_are_the_detail_code() -> None:
    mac = _mint().serialize()
    pre = PREIMAGE.hex()
    cases = {
        f"Bearer {mac}:{pre}": "scheme",
        f"L402 {mac}{pre}": "missing_separator",
        f"L402 {mac},:{pre}": "empty_macaroon",
        f"L402 {mac}!:{pre}": "macaroon_character",
        f"L402 {mac}:{pre[1:]}": "preimage_hex",
        f"L402 {','.join([mac] * 9)}:{pre}": "too_many_macaroons",
        f"L402 AAAA:{pre}": "macaroon",
        "L402 a\x01:b": "syntax",
        "": "syntax",
    }
    for header, reason in cases.items():
        e = _code(lambda: pay402.l402_parse_authorization(header))
        assert (e.code, e.detail_code) == ("invalid_credential", reason), header
        assert isinstance(e, pay402.Error) and e.message == str(e)
    # Any base64 variant and either case of scheme and hex is accepted; output is canonical.
    urlsafe = _mint().serialize(urlsafe=True)
    cred = pay402.l402_parse_authorization(f"lsat {urlsafe}:{pre.upper()}")
    assert (cred.scheme, cred.macaroons, cred.preimage) == ("LSAT", [mac], PREIMAGE)


def test_challenge_errors() -> None:
    mac = _mint().serialize()
    assert _code(lambda: pay402.l402_parse_challenges(f'L402 invoice="{INVOICE}"')).code == "missing_macaroon"
    assert _code(lambda: pay402.l402_parse_challenges(f'L402 macaroon="{mac}"')).code == "missing_invoice"
    assert _code(lambda: pay402.l402_parse_challenges('L402 macaroon="a')).code.startswith("auth_")
    assert pay402.l402_parse_challenges('Bearer realm="x", Payment id="1"') == []
    assert _code(lambda: pay402.l402_select_challenge("Bearer realm=x")).code == "no_l402_challenge"
    token = pay402.l402_parse_challenges(f'L402 version="0", token="{mac}", invoice="{INVOICE}"')
    assert (token[0].macaroon, token[0].version) == (mac, "0")
    for invoice in ['ln"bc', "ln\\bc", "ln\r\nbc", ""]:
        assert _code(lambda: pay402.l402_write_challenge(mac, invoice)).code == "invalid_challenge_param"
    with pytest.raises(pay402.CodecError):
        pay402.l402_write_challenge("not base64!", INVOICE)
    with pytest.raises(ValueError):
        pay402.l402_write_challenge(mac, INVOICE, scheme="Bearer")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pay402.l402_write_challenge(123, INVOICE)  # type: ignore[arg-type]


def test_macaroon_header_round_trips_the_preimage() -> None:
    mac = _mint()
    value = pay402.l402_write_macaroon_header(mac, PREIMAGE)
    assert value == value.lower() and bytes.fromhex(value)
    attenuated, preimage = pay402.l402_parse_macaroon_header(value)
    assert preimage == PREIMAGE
    assert attenuated.caveats[-1].id == b"preimage=" + PREIMAGE.hex().encode()
    assert attenuated.identifier == mac.identifier
    # The preimage caveat is legal attenuation: the token still verifies.
    auth = pay402.l402_write_authorization(attenuated, preimage)
    ident = pay402.l402_verify(auth, lambda _: ROOT_KEY, service="svc", now=0)
    assert ident.payment_hash == PAYMENT_HASH
    assert _code(lambda: pay402.l402_parse_macaroon_header("zz")).detail_code == "macaroon_hex"
    no_caveat = mac.to_bytes().hex()
    assert _code(lambda: pay402.l402_parse_macaroon_header(no_caveat)).detail_code == "missing_preimage_caveat"


# --- the client -------------------------------------------------------------------------------


def test_check_challenge_then_authorization() -> None:
    mac = _mint(payment_hash=INVOICE_HASH)
    challenge = pay402.l402_select_challenge(pay402.l402_encode_challenges(mac, INVOICE))
    now = INVOICE_TIME + 10
    payable = pay402.l402_check_challenge(challenge, network="bc", budget_msat=250_000_000, now=now)
    assert payable.scheme == "L402"
    assert payable.macaroon == mac
    assert payable.identifier == pay402.L402Identifier(INVOICE_HASH, TOKEN_ID)
    assert payable.payment_hash == INVOICE_HASH == payable.invoice.payment_hash
    assert payable.invoice.amount_msat == 250_000_000
    # The preimage of the BOLT11 spec invoice is unknown: a wrong one is refused.
    assert _code(lambda: payable.authorization(PREIMAGE)).code == "invalid_preimage"

    def check(**kw: Any) -> str:
        args: Dict[str, Any] = {"network": "bc", "budget_msat": 250_000_000, "now": now}
        args.update(kw)
        return _code(lambda: pay402.l402_check_challenge(challenge, **args)).code

    assert check(budget_msat=249_999_999) == "invoice_over_budget"
    assert check(now=INVOICE_TIME + 60) == "invoice_expired"
    assert check(network="tb") == "invoice_network_mismatch"
    with pytest.raises(pay402.Bolt11Error):
        check(network="xx")
    other = pay402.l402_select_challenge(pay402.l402_encode_challenges(_mint(), INVOICE))
    assert _code(
        lambda: pay402.l402_check_challenge(other, network="bc", budget_msat=10**12, now=now)
    ).code == "invoice_payment_hash_mismatch"
    bad_invoice = pay402.l402_select_challenge(pay402.l402_encode_challenges(mac, "lnbc1garbage"))
    e = _code(lambda: pay402.l402_check_challenge(bad_invoice, network="bc", budget_msat=1, now=now))
    assert e.code.startswith("bolt11_")


def test_full_client_round_trip_with_a_published_preimage() -> None:
    # Fewsats' published invoice (fewsats-python README: 17 sat, issued 1724856445, expiry 86400) and
    # its preimage. Server mints for its payment hash; the client checks, "pays", answers.
    invoice = (
        "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hx"
        "egcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqx"
        "hkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdj"
        "cwvezkt6cqtttnzj"
    )
    preimage = bytes.fromhex("b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628")
    now = 1_724_856_445 + 60
    ident = pay402.L402Identifier(pay402.l402_payment_hash(preimage), TOKEN_ID)
    caveats = [
        pay402.l402_services_caveat([("demo", 0)]),
        pay402.l402_capabilities_caveat("demo", ["read"]),
        pay402.l402_valid_until_caveat("demo", now + 3600),
    ]
    mac = pay402.l402_mint(ROOT_KEY, ident, caveats=caveats)
    keys = {ident.root_key_id: ROOT_KEY}

    headers = pay402.l402_encode_challenges(mac, invoice)
    payable = pay402.l402_check_challenge(
        pay402.l402_select_challenge(headers), network="bc", budget_msat=20_000, now=now
    )
    assert payable.invoice.amount_msat == 17_000
    assert _code(lambda: payable.authorization(PREIMAGE)).code == "invalid_preimage"
    for scheme in ("L402", "LSAT"):
        auth = payable.authorization(preimage.hex(), scheme=scheme)
        assert auth == pay402.l402_write_authorization(mac, preimage, scheme=scheme)
        got = pay402.l402_verify(auth, keys, service="demo", capability="read", now=now)
        assert got == ident
    assert _code(
        lambda: pay402.l402_verify(auth, keys, service="demo", capability="write", now=now)
    ).code == "capability_not_allowed"


# --- no panic on garbage ----------------------------------------------------------------------


def _garbage(rng: random.Random) -> List[str]:
    mac = _mint().serialize()
    seeds = [
        pay402.l402_write_authorization(mac, PREIMAGE),
        f'LSAT macaroon="{mac}", invoice="{INVOICE}"',
        pay402.l402_write_macaroon_header(_mint(), PREIMAGE),
        "",
        "L402",
    ]
    out: List[str] = []
    for seed in seeds:
        out.append(seed)
        for _ in range(40):
            chars = list(seed)
            for _ in range(rng.randint(1, 4)):
                if chars and rng.random() < 0.6:
                    chars[rng.randrange(len(chars))] = chr(rng.choice([rng.randrange(32, 127), rng.randrange(256)]))
                elif chars:
                    del chars[rng.randrange(len(chars)):]
                else:
                    chars.extend(chr(rng.randrange(256)) for _ in range(8))
            out.append("".join(chars))
    return out


GARBAGE_TARGETS: List[Callable[[str], Any]] = [
    pay402.l402_parse_challenges,
    pay402.l402_select_challenge,
    pay402.l402_parse_authorization,
    pay402.l402_select_authorization,
    pay402.l402_parse_macaroon_header,
    lambda x: pay402.l402_verify(x, lambda _: ROOT_KEY, service="svc", now=0),
    lambda x: pay402.l402_verify([x, x], {}, service="svc", now=0, capability="c"),
    lambda x: pay402.l402_write_challenge(x, INVOICE),
    lambda x: pay402.l402_write_authorization(x, PREIMAGE),
    lambda x: pay402.l402_write_macaroon_header(x, PREIMAGE),
    lambda x: pay402.L402Identifier.from_bytes(x.encode("utf-8", "surrogatepass")),
    lambda x: [
        pay402.l402_check_challenge(c, network="bc", budget_msat=10**9, now=INVOICE_TIME)
        for c in pay402.l402_parse_challenges(x)
    ],
]


@pytest.mark.parametrize("target", GARBAGE_TARGETS, ids=[str(i) for i in range(len(GARBAGE_TARGETS))])
def test_l402_never_panics_on_garbage(target: Callable[[str], Any]) -> None:
    rng = random.Random(402)
    for value in _garbage(rng):
        try:
            target(value)
        except (pay402.Error, TypeError, ValueError):
            pass
        except BaseException as e:  # PanicException derives from BaseException
            pytest.fail(f"{type(e).__name__} on {value!r:.80}: {e}")
