"""tests/conformance/vectors/macaroon-peers.pymacaroons.json from pymacaroons 0.13.0 (PyNaCl 1.5.0).

Deterministic: inputs are sha256(seed ‖ case ‖ label); third-party nonces are passed explicitly
(pymacaroons' `nonce=` keyword). Covers V1 (pymacaroons' default, URL-safe unpadded), V2 binary
(with pymacaroons' explicit empty location `01 00`), V1/V2 JSON, verification outcomes and
prepare_for_request binding. Run: python3 gen/pymacaroons_gen.py OUTDIR
"""
import base64, hashlib, json, os, sys
from pymacaroons import Macaroon, Verifier, MACAROON_V1, MACAROON_V2
from pymacaroons.serializers import JsonSerializer

def det(i, label, n=32):
    out = b""; block = 0
    while len(out) < n:
        out += hashlib.sha256(f"pymacaroons\0{i}\0{label}\0{block}".encode()).digest(); block += 1
    return out[:n]

def std(b): return base64.b64encode(b).decode()
def hx(b): return (b.encode() if isinstance(b, str) else b).hex()
def raw(x): return x.encode() if isinstance(x, str) else x

cases = []
def add(name, op, inp, expect): cases.append({"name": name, "op": op, "input": inp, "expect": expect})

def decoded(m, version):
    cavs = []
    for c in m.caveats:
        o = {"id_hex": hx(raw(c.caveat_id))}
        if c.verification_key_id: o["vid_hex"] = hx(raw(c.verification_key_id))
        if c.location: o["location"] = c.location
        cavs.append(o)
    return {"version": version, "location": m.location or "", "identifier_hex": hx(raw(m.identifier)),
            "caveats": cavs, "signature_hex": m.signature if isinstance(m.signature, str) else m.signature.decode()}

def outcome(fn, code):
    try:
        fn(); return {"ok": {}}
    except Exception:
        return {"error": code}

def verifier(accept):
    v = Verifier()
    for a in accept: v.satisfy_exact(a)
    return v

locations = ["", "lsat", "http://mybank/"]
for i in range(12):
    key = det(i, "root", 32)
    ident = "id-" + det(i, "id", 6).hex()
    loc = locations[i % 3]
    cavs = [f"k{k}={det(i, f'v{k}', 3).hex()}" for k in range(i % 4)]
    m = Macaroon(location=loc, identifier=ident, key=key, version=MACAROON_V2)
    for c in cavs: m.add_first_party_caveat(c)
    add(f"mint {i}", "macaroon.mint", {"root_key_hex": key.hex(), "identifier_hex": hx(ident), "location": loc, "caveats": cavs},
        {"ok": {"signature_hex": m.signature.decode() if isinstance(m.signature, bytes) else m.signature}})
    v2tok = m.serialize()
    m1 = Macaroon(location=loc, identifier=ident, key=key, version=MACAROON_V1)
    for c in cavs: m1.add_first_party_caveat(c)
    v1tok = m1.serialize()
    add(f"decode {i} V2 (pymacaroons, url-safe, explicit empty location)", "macaroon.decode", {"token": v2tok}, {"ok": decoded(m, 2)})
    add(f"decode {i} V1 (pymacaroons default serializer)", "macaroon.decode", {"token": v1tok}, {"ok": decoded(m, 1)})
    add(f"decode {i} V2 JSON", "macaroon.decode", {"token": m.serialize(serializer=JsonSerializer())}, {"ok": decoded(m, 2)})
    add(f"decode {i} V1 JSON", "macaroon.decode", {"token": m1.serialize(serializer=JsonSerializer())}, {"ok": decoded(m, 1)})
    add(f"verify {i} satisfy_exact all", "macaroon.verify", {"token": v1tok, "root_key_hex": key.hex(), "accept": cavs},
        outcome(lambda: verifier(cavs).verify(m, key), "signature_mismatch"))
    wrong = det(i, "wrong", 32)
    add(f"verify {i} wrong key", "macaroon.verify", {"token": v2tok, "root_key_hex": wrong.hex(), "accept": cavs},
        outcome(lambda: verifier(cavs).verify(m, wrong), "signature_mismatch"))
    if cavs:
        add(f"verify {i} last caveat unsatisfied", "macaroon.verify", {"token": v2tok, "root_key_hex": key.hex(), "accept": cavs[:-1]},
            outcome(lambda: verifier(cavs[:-1]).verify(m, key), "caveat_not_satisfied"))

for i in range(8):
    key = det(i, "tp-root", 32)
    m = Macaroon(location="lsat", identifier=f"root-{i}", key=key, version=MACAROON_V2)
    m.add_first_party_caveat(f"a={i}")
    ck = det(i, "tp-ck", 32)
    cid = f"tp-{det(i, 'cid', 4).hex()}"
    m.add_third_party_caveat("https://auth.example/", ck, cid, nonce=det(i, "nonce", 24))
    d = Macaroon(location="https://auth.example/", identifier=cid, key=ck, version=MACAROON_V2)
    d.add_first_party_caveat(f"d={i}")
    bound = m.prepare_for_request(d)
    accept = [f"a={i}", f"d={i}"]
    tok, dtok, utok = m.serialize(), bound.serialize(), d.serialize()
    add(f"third-party {i} decode", "macaroon.decode", {"token": tok}, {"ok": decoded(m, 2)})
    add(f"third-party {i} bound discharge verifies", "macaroon.verify",
        {"token": tok, "root_key_hex": key.hex(), "discharges": [dtok], "accept": accept},
        outcome(lambda: verifier(accept).verify(m, key, [bound]), "signature_mismatch"))
    add(f"third-party {i} missing discharge", "macaroon.verify",
        {"token": tok, "root_key_hex": key.hex(), "discharges": [], "accept": accept},
        outcome(lambda: verifier(accept).verify(m, key, []), "discharge_missing"))
    add(f"third-party {i} unbound discharge", "macaroon.verify",
        {"token": tok, "root_key_hex": key.hex(), "discharges": [utok], "accept": accept},
        outcome(lambda: verifier(accept).verify(m, key, [d]), "signature_mismatch"))
    add(f"third-party {i} prepare_for_request binding", "macaroon.bind",
        {"root_signature_hex": m.signature.decode() if isinstance(m.signature, bytes) else m.signature,
         "discharge_signature_hex": d.signature.decode() if isinstance(d.signature, bytes) else d.signature},
        {"ok": {"signature_hex": bound.signature.decode() if isinstance(bound.signature, bytes) else bound.signature}})

# L402 vectors A and B (aperture's `authenticator_test.go` inputs; outputs computed), recomputed by pymacaroons.
va = Macaroon(location="aperture", identifier="AA==", key=b"aabbccddeeff00112233445566778899", version=MACAROON_V2)
va.add_first_party_caveat("preimage=49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39")
add("L402 vector A recomputed by pymacaroons", "macaroon.mint",
    {"root_key_hex": b"aabbccddeeff00112233445566778899".hex(), "identifier_hex": hx("AA=="), "location": "aperture",
     "caveats": ["preimage=49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39"]},
    {"ok": {"signature_hex": va.signature.decode() if isinstance(va.signature, bytes) else va.signature}})
vb_id = bytes.fromhex("0000" + hashlib.sha256(bytes.fromhex("49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39")).hexdigest() + "01" * 32)
vb = Macaroon(location="lsat", identifier=vb_id, key=bytes(range(32)), version=MACAROON_V2)
vb_cavs = ["services=svc:0", "svc_capabilities=", "svc_valid_until=1700000000"]
for c in vb_cavs: vb.add_first_party_caveat(c)
add("L402 vector B recomputed by pymacaroons", "macaroon.mint",
    {"root_key_hex": bytes(range(32)).hex(), "identifier_hex": vb_id.hex(), "location": "lsat", "caveats": vb_cavs},
    {"ok": {"signature_hex": vb.signature.decode() if isinstance(vb.signature, bytes) else vb.signature}})

out = sys.argv[1]
with open(os.path.join(out, "macaroon-peers.pymacaroons.json"), "w") as f:
    json.dump({"suite": "macaroon-peers-pymacaroons",
               "source": "pymacaroons 0.13.0 (PyNaCl 1.5.0) via tests/conformance/peers/macaroon/gen/pymacaroons_gen.py; deterministic inputs and nonces",
               "cases": cases}, f, indent=1, ensure_ascii=False)
    f.write("\n")
