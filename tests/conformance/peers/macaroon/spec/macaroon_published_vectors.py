"""Hand-written published macaroon vectors: libmacaroons (README, test/unit), go-macaroon v2.1.0 tests,
pymacaroons functional tests, macarooncompat, and L402 vectors A/B on aperture's test inputs.

Every expected signature, token and byte string below is copied from the spec text. The only
computation is mechanical re-encoding of spec values: hex of ASCII inputs, assembling the V2 bytes
that go-macaroon's marshal_test.go lays out field by field, and base64 variants (std/url, padded/unpadded) of spec bytes.
Run: python3 macaroon_published_vectors.py [OUTDIR]  → macaroon-published.json
"""
import base64
import json
import os
import sys

def hx(s): return s.encode().hex() if isinstance(s, str) else s.hex()
def b64std(b): return base64.b64encode(b).decode()
def b64url(b): return base64.urlsafe_b64encode(b).decode().rstrip("=")
def unb64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def v2pkt(t, data):
    data = data.encode() if isinstance(data, str) else data
    assert len(data) < 128
    return bytes([t, len(data)]) + data

cases = []
def case(name, op, inp, expect): cases.append({"name": name, "op": op, "input": inp, "expect": expect})
def ok(**kw): return {"ok": kw}
def err(code): return {"error": code}

# ---- libmacaroons README ----
K1 = "this is our super secret key; only we should know it"
ID1 = "we used our secret key"
readme = [
    ([], "e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f"),
    (["account = 3735928559"], "1efe4763f290dbce0c1d08477367e11f4eee456a64933cf662d79772dbb82128"),
    (["account = 3735928559", "time < 2020-01-01T00:00"], "b5f06c8c8ef92f6c82c6ff282cd1f8bd1849301d09a2db634ba182536a611c49"),
    (["account = 3735928559", "time < 2020-01-01T00:00", "email = alice@example.org"], "ddf553e46083e55b8d71ab822be3d8fcf21d6bf19c40d617bb9fb438934474b6"),
]
for cavs, sig in readme:
    case(f"libmacaroons README: {len(cavs)} caveat(s)", "macaroon.mint",
         {"root_key_hex": hx(K1), "identifier_hex": hx(ID1), "location": "http://mybank/", "caveats": cavs},
         ok(signature_hex=sig))
K2 = "this is a different super-secret key; never use the same secret twice"
ID2 = "we used our other secret key"
case("libmacaroons README: other key, account caveat", "macaroon.mint",
     {"root_key_hex": hx(K2), "identifier_hex": hx(ID2), "location": "http://mybank/", "caveats": ["account = 3735928559"]},
     ok(signature_hex="1434e674ad84fdfdc9bc1aa00785325c8b6d57341fc7ce200ba4680c80786dda"))
case("libmacaroons README: discharge minted with the caveat key", "macaroon.mint",
     {"root_key_hex": hx("4; guaranteed random by a fair toss of the dice"),
      "identifier_hex": hx("this was how we remind auth of key/pred"), "location": "http://auth.mybank/",
      "caveats": ["time < 2020-01-01T00:00"]},
     ok(signature_hex="2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c"))
case("libmacaroons README: bind discharge to root", "macaroon.bind",
     {"root_signature_hex": "d27db2fd1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c",
      "discharge_signature_hex": "2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c"},
     ok(signature_hex="d115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019"))
README_V1 = "MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCjAwMjZpZGVudGlmaWVyIHdlIHVzZWQgb3VyIHNlY3JldCBrZXkKMDAyZnNpZ25hdHVyZSDj2eApCFJsTAA5rhURQRXZf91ovyujebNCqvD2F9BVLwo"
case("libmacaroons README: V1 token decodes", "macaroon.decode", {"token": README_V1},
     ok(version=1, location="http://mybank/", identifier_hex=hx(ID1), caveats=[],
        signature_hex="e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f"))
case("libmacaroons README: V1 token verifies", "macaroon.verify", {"token": README_V1, "root_key_hex": hx(K1)}, ok())
case("libmacaroons README: V1 token under another key fails", "macaroon.verify", {"token": README_V1, "root_key_hex": hx(K2)}, err("signature_mismatch"))
raw = unb64(README_V1)
tampered = raw[:-33] + bytes([raw[-33] ^ 1]) + raw[-32:]
case("libmacaroons README: tampered signature byte fails", "macaroon.verify", {"token": b64url(tampered), "root_key_hex": hx(K1)}, err("signature_mismatch"))

# ---- go-macaroon `marshal_test.go` TestMarshalBinaryRoundTrip: the README third-party macaroon, V2 bytes ----
VID = unb64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA027FAuBYhtHwJ58FX6UlVNFtFsGxQHS7uD_w_dedwv4Jjw7UorCREw5rXbRqIKhr")
assert len(VID) == 72
CID = "this was how we remind auth of key/pred"
SIG_TP = bytes.fromhex("d27db2fd1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c")
TP = (b"\x02" + v2pkt(1, "http://mybank/") + v2pkt(2, ID2) + b"\x00"
      + v2pkt(2, "account = 3735928559") + b"\x00"
      + v2pkt(1, "http://auth.mybank/") + v2pkt(2, CID) + v2pkt(4, VID) + b"\x00"
      + b"\x00" + v2pkt(6, SIG_TP))
TP_DECODED = dict(version=2, location="http://mybank/", identifier_hex=hx(ID2),
                  caveats=[{"id_hex": hx("account = 3735928559")},
                           {"id_hex": hx(CID), "vid_hex": VID.hex(), "location": "http://auth.mybank/"}],
                  signature_hex=SIG_TP.hex())
for label, tok in [("std padded", b64std(TP)), ("url unpadded", b64url(TP))]:
    case(f"go TestMarshalBinaryRoundTrip: V2 third-party macaroon ({label})", "macaroon.decode", {"token": tok}, ok(**TP_DECODED))
# discharge: id = CID, caveat time < 2020…, bound signature d115… (location omitted, Go form)
DIS = (b"\x02" + v2pkt(2, CID) + b"\x00" + v2pkt(2, "time < 2020-01-01T00:00") + b"\x00" + b"\x00"
       + v2pkt(6, bytes.fromhex("d115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019")))
DIS_UNBOUND = DIS[:-32] + bytes.fromhex("2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c")
ACC = ["account = 3735928559", "time < 2020-01-01T00:00"]
case("README third-party: bound discharge verifies", "macaroon.verify",
     {"token": b64std(TP), "root_key_hex": hx(K2), "discharges": [b64std(DIS)], "accept": ACC}, ok())
case("README third-party: discharge missing", "macaroon.verify",
     {"token": b64std(TP), "root_key_hex": hx(K2), "discharges": [], "accept": ACC}, err("discharge_missing"))
case("README third-party: discharge given twice, one unused", "macaroon.verify",
     {"token": b64std(TP), "root_key_hex": hx(K2), "discharges": [b64std(DIS), b64std(DIS)], "accept": ACC}, err("discharge_unused"))
case("README third-party: unbound discharge fails", "macaroon.verify",
     {"token": b64std(TP), "root_key_hex": hx(K2), "discharges": [b64std(DIS_UNBOUND)], "accept": ACC}, err("signature_mismatch"))
case("README third-party: discharge caveat not accepted", "macaroon.verify",
     {"token": b64std(TP), "root_key_hex": hx(K2), "discharges": [b64std(DIS)], "accept": ACC[:1]}, err("caveat_not_satisfied"))
case("README third-party: wrong root key", "macaroon.verify",
     {"token": b64std(TP), "root_key_hex": hx(K1), "discharges": [b64std(DIS)], "accept": ACC}, err("signature_mismatch"))
# go-macaroon `marshal_test.go` jsonRoundTripTests shapes for the same macaroon
def tp_json(sig_field, sig_value):
    return json.dumps({"c": [{"i": "account = 3735928559"}, {"i": CID, "v64": b64url(VID), "l": "http://auth.mybank/"}],
                       "l": "http://mybank/", "i": ID2, sig_field: sig_value}, separators=(",", ":"))
case("go jsonRoundTripTests: V2 JSON, s64 url-safe", "macaroon.decode", {"token": tp_json("s64", b64url(SIG_TP))}, ok(**TP_DECODED))
case("go jsonRoundTripTests: V2 JSON, s64 standard", "macaroon.decode", {"token": tp_json("s64", b64std(SIG_TP))}, ok(**TP_DECODED))
case("go jsonRoundTripTests: JSON string of std base64 binary", "macaroon.decode", {"token": json.dumps(b64std(TP))}, ok(**TP_DECODED))
v1json = json.dumps({"caveats": [{"cid": "account = 3735928559"}, {"cid": CID, "vid": b64url(VID), "cl": "http://auth.mybank/"}],
                     "location": "http://mybank/", "identifier": ID2, "signature": SIG_TP.hex()}, separators=(",", ":"))
case("go jsonRoundTripTests: libmacaroons V1 JSON", "macaroon.decode", {"token": v1json}, ok(**dict(TP_DECODED, version=1)))
case("go jsonDecodeErrorTests: ambiguous identifier encoding", "macaroon.decode",
     {"token": '{"i":"id","i64":"aWQ","s64":"' + b64url(SIG_TP) + '"}'}, err("malformed"))
case("go jsonDecodeErrorTests: 31-byte signature", "macaroon.decode",
     {"token": '{"i":"id","s64":"' + b64url(SIG_TP[:31]) + '"}'}, err("malformed"))
case("go jsonDecodeErrorTests: 33-byte signature", "macaroon.decode",
     {"token": '{"i":"id","s64":"' + b64url(SIG_TP + b"\x00") + '"}'}, err("malformed"))

# ---- libmacaroons `test/unit` files ----
K3 = "this is the key"
unit = [([], "7cdee792511c5bc6f528485805dfe9b24e785e28e2a99301f9d711c609e38ef7"),
        (["account = 3735928559"], "f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259d87"),
        (["account = 3735928559", "user = alice"], "4be967cd1ea0c6b26baf6a4a94ee9b05b15886da0ba85e8c42a93c8d0e125efc")]
SER1 = "AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAAYgfN7nklEcW8b1KEhYBd_psk54XijiqZMB-dcRxgnjjvc"
SER2 = "AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQAABiD1SAf23G7fiL8PcwazgiVio2JTPb9zObphdl2kvSWdhw"
for cavs, sig in unit:
    expect = dict(signature_hex=sig)
    if len(cavs) == 0: expect["v2_base64"] = b64std(unb64(SER1))
    if len(cavs) == 1: expect["v2_base64"] = b64std(unb64(SER2))
    case(f"libmacaroons unit: {len(cavs)} caveat(s)", "macaroon.mint",
         {"root_key_hex": hx(K3), "identifier_hex": hx("keyid"), "location": "http://example.org/", "caveats": cavs}, ok(**expect))
U0 = dict(version=2, location="http://example.org/", identifier_hex=hx("keyid"), caveats=[], signature_hex=unit[0][1])
U1 = dict(U0, caveats=[{"id_hex": hx("account = 3735928559")}], signature_hex=unit[1][1])
case("libmacaroons serialization_1: V2 b64url unpadded", "macaroon.decode", {"token": SER1}, ok(**U0))
case("libmacaroons serialization_1: V2 b64url padded (the file's v2 line)", "macaroon.decode", {"token": SER1 + "="}, ok(**U0))
case("libmacaroons serialization_1: V2 std padded", "macaroon.decode", {"token": b64std(unb64(SER1))}, ok(**U0))
case("libmacaroons: V2 with one caveat", "macaroon.decode", {"token": SER2}, ok(**U1))
J = '{"v":2,"l":"http://example.org/","i":"keyid","c":[{"i":"account = 3735928559"}],"s64":"9UgH9txu34i_D3MGs4IlYqNiUz2_czm6YXZdpL0lnYc"}'
case("libmacaroons: V2 JSON with one caveat", "macaroon.decode", {"token": J}, ok(**U1))
case("libmacaroons: V2 JSON verifies when the caveat is accepted", "macaroon.verify",
     {"token": J, "root_key_hex": hx(K3), "accept": ["account = 3735928559"]}, ok())
case("libmacaroons caveat_v1_6-style: incomplete verifier is unauthorized", "macaroon.verify",
     {"token": SER2, "root_key_hex": hx(K3), "accept": []}, err("caveat_not_satisfied"))
# A token mixing the standard and URL-safe alphabets (Go Base64Decode fails, the base64 forms macaroon libraries accept).
mix = SER1.replace("-", "+", 1)
assert mix != SER1 and "_" in mix
case("base64: mixed alphabets are refused", "macaroon.decode", {"token": mix}, err("malformed"))

# ---- pymacaroons functional tests ----
PY_V1 = "MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCjAwMjZpZGVudGlmaWVyIHdlIHVzZWQgb3VyIHNlY3JldCBrZXkKMDAxNmNpZCB0ZXN0ID0gY2F2ZWF0CjAwMmZzaWduYXR1cmUgGXusegRK8zMyhluSZuJtSTvdZopmDkTYjOGpmMI9vWcK"
case("pymacaroons: first-party caveat signature", "macaroon.mint",
     {"root_key_hex": hx(K1), "identifier_hex": hx(ID1), "location": "http://mybank/", "caveats": ["test = caveat"]},
     ok(signature_hex="197bac7a044af33332865b9266e26d493bdd668a660e44d88ce1a998c23dbd67"))
case("pymacaroons: V1 std-b64 token decodes", "macaroon.decode", {"token": PY_V1},
     ok(version=1, location="http://mybank/", identifier_hex=hx(ID1), caveats=[{"id_hex": hx("test = caveat")}],
        signature_hex="197bac7a044af33332865b9266e26d493bdd668a660e44d88ce1a998c23dbd67"))
case("pymacaroons: V1 token verifies with satisfy_exact", "macaroon.verify",
     {"token": PY_V1, "root_key_hex": hx(K1), "accept": ["test = caveat"]}, ok())
case("pymacaroons: unsatisfied caveat", "macaroon.verify",
     {"token": PY_V1, "root_key_hex": hx(K1), "accept": ["test = acaveat"]}, err("caveat_not_satisfied"))

# ---- macarooncompat (location http://mybank without slash) ----
case("macarooncompat: two caveats", "macaroon.mint",
     {"root_key_hex": hx(K1), "identifier_hex": hx(ID1), "location": "http://mybank",
      "caveats": ["account = 3735928559", "time < 2015-01-01T00:00"]},
     ok(signature_hex="696665d0229f9f801b588bb3f68bbdb806b26d1fbcd40ca22d9017bce4a075f1"))
case("macarooncompat: three caveats", "macaroon.mint",
     {"root_key_hex": hx(K1), "identifier_hex": hx(ID1), "location": "http://mybank",
      "caveats": ["account = 3735928559", "time < 2015-01-01T00:00", "email = alice@example.org"]},
     ok(signature_hex="882e6d59496ed5245edb7ab5b8839ecd63e5d504e54839804f164070d8eed952"))

# ---- L402-shaped vectors on aperture's `authenticator_test.go` inputs (computed; confirmed by the peers file) ----
VA_HEX = ("0201086170657274757265020441413d3d000249707265696d6167653d343933343964666561346162656433636431346636643335366166613833646539373837623630396630383863386466303962616363376234626432316233390000"
          "0620" "a329f0d7149ad54162e7448d868825e9a508d4de95fb86d5d0060002493ca6b5")
VA_B64 = "AgEIYXBlcnR1cmUCBEFBPT0AAklwcmVpbWFnZT00OTM0OWRmZWE0YWJlZDNjZDE0ZjZkMzU2YWZhODNkZTk3ODdiNjA5ZjA4OGM4ZGYwOWJhY2M3YjRiZDIxYjM5AAAGIKMp8NcUmtVBYudEjYaIJemlCNTelfuG1dAGAAJJPKa1"
assert b64std(bytes.fromhex(VA_HEX)) == VA_B64
case("L402 vector A (aperture authenticator_test inputs)", "macaroon.mint",
     {"root_key_hex": hx("aabbccddeeff00112233445566778899"), "identifier_hex": hx("AA=="), "location": "aperture",
      "caveats": ["preimage=49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39"]},
     ok(signature_hex="a329f0d7149ad54162e7448d868825e9a508d4de95fb86d5d0060002493ca6b5", v2_base64=VA_B64))
VB_ID = "0000" + "60aae3f3299441b06b61b5aaa4db89c4b5c8627de0cc2e5535882d8f42175265" + "01" * 32
VB_B64 = "AgEEbHNhdAJCAABgquPzKZRBsGthtaqk24nEtchifeDMLlU1iC2PQhdSZQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAIOc2VydmljZXM9c3ZjOjAAAhFzdmNfY2FwYWJpbGl0aWVzPQACGnN2Y192YWxpZF91bnRpbD0xNzAwMDAwMDAwAAAGIEPcqILbajwoNqZIZvcAQ4MCXctl1W2CHbduFXGCyiS5"
VB_CAVS = ["services=svc:0", "svc_capabilities=", "svc_valid_until=1700000000"]
for n, sig in [(0, "681102d07ccc2f6505bba03402b8cb149668e77c0cca7081bb9d6d286ea5eb33"),
               (1, "6e3c31ca8667b0e275dd66ef73990f894e9faa10590b6182f6ea2b63da42e381"),
               (2, "33621f81e49ca458a3c014ad86200a2a47ced7d858d73a9cef84fd48dbf81d9f")]:
    case(f"L402 vector B: chain after {n} caveat(s)", "macaroon.mint",
         {"root_key_hex": bytes(range(32)).hex(), "identifier_hex": VB_ID, "location": "lsat", "caveats": VB_CAVS[:n]},
         ok(signature_hex=sig))
case("L402 vector B: final signature and V2 bytes", "macaroon.mint",
     {"root_key_hex": bytes(range(32)).hex(), "identifier_hex": VB_ID, "location": "lsat", "caveats": VB_CAVS},
     ok(signature_hex="43dca882db6a3c2836a64866f7004383025dcb65d56d821db76e157182ca24b9", v2_base64=VB_B64))
case("L402 vector B: decodes", "macaroon.decode", {"token": VB_B64},
     ok(version=2, location="lsat", identifier_hex=VB_ID, caveats=[{"id_hex": hx(c)} for c in VB_CAVS],
        signature_hex="43dca882db6a3c2836a64866f7004383025dcb65d56d821db76e157182ca24b9"))
case("L402 vector B: verifies with unknown caveats skipped (L402 mode)", "macaroon.verify",
     {"token": VB_B64, "root_key_hex": bytes(range(32)).hex(), "mode": "l402"}, ok())
case("L402 vector B: strict mode needs every caveat accepted", "macaroon.verify",
     {"token": VB_B64, "root_key_hex": bytes(range(32)).hex(), "accept": VB_CAVS[:2]}, err("caveat_not_satisfied"))
case("L402 spec: the literal sig_0 = HMAC(root_key, id) reading (the macaroon-spec.md erratum) does not verify", "macaroon.verify",
     {"token": b64std(unb64(VB_B64)[:-32] + bytes.fromhex("97dae93a1983da10c620c2c74d6df4ebdfbbc8e988c853ceeeec51f84d7d3f83")),
      "root_key_hex": bytes(range(32)).hex(), "mode": "l402"}, err("signature_mismatch"))
case("L402 spec placeholder macaroon is not a macaroon", "macaroon.decode", {"token": "AGIAJEemVQUTEyNCR0exk7ek90Cg=="}, err("malformed"))

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "vectors")
doc = {"suite": "macaroon-published",
       "source": "libmacaroons README and unit files, go-macaroon/macaroon v2.1.0 tests, "
                 "pymacaroons functional tests, macarooncompat, L402 vectors A/B (computed, confirmed by macaroon-peers.json)",
       "cases": cases}
with open(os.path.join(out, "macaroon-published.json"), "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
