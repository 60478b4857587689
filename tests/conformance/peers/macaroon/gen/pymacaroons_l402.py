"""tests/conformance/vectors/l402-peers.pymacaroons.json: L402-shaped tokens minted by pymacaroons 0.13.0.

Identifiers are the 66-byte L402 layout (u16be 0 ‖ sha256(preimage) ‖ token id, as aperture's
l402/identifier.go); caveats are aperture's (mint.go caveatsForServices). pymacaroons' own Verifier confirms each signature (and refuses it
under a wrong key) before a case is written; the satisfier outcomes follow aperture's
l402/satisfier.go.
Deterministic inputs. Run: python3 gen/pymacaroons_l402.py OUTDIR
"""
import base64, hashlib, json, struct, sys
from pymacaroons import Macaroon, Verifier, MACAROON_V2

def det(i, label):
    return hashlib.sha256(f"pymacaroons-l402\0{i}\0{label}".encode()).digest()

def std(b): return base64.b64encode(b).decode()

T = 1700000000
SHAPES = [
    ("lsat", ["services=svc:0", "svc_capabilities=", f"svc_valid_until={T}"]),
    ("lsat", ["services=svc:0,other:1", "svc_capabilities=read", "services=svc:0", f"svc_valid_until={T}", f"svc_valid_until={T - 10}"]),
    ("", ["services=svc:0", "file_id=2e54ac29", "expires_at=2025-08-23T14:47:25Z"]),
    ("lsat", []),
]

cases = []
def add(name, op, inp, expect): cases.append({"name": name, "op": op, "input": inp, "expect": expect})

for i, (location, caveats) in enumerate(SHAPES):
    root_key, preimage, token_id = det(i, "root"), det(i, "preimage"), det(i, "token")
    payment_hash = hashlib.sha256(preimage).digest()
    ident = struct.pack(">H32s32s", 0, payment_hash, token_id)
    m = Macaroon(location=location, identifier=ident, key=root_key, version=MACAROON_V2)
    for c in caveats:
        m.add_first_party_caveat(c)
    v = Verifier(); v.satisfy_general(lambda _: True)
    assert v.verify(m, root_key)
    try:
        wrong_ok = v.verify(m, det(i, "wrong"))
    except Exception:
        wrong_ok = False
    assert not wrong_ok, "pymacaroons verified under a wrong key"
    binary = m.serialize()  # pymacaroons: URL-safe, unpadded V2 binary
    raw = base64.urlsafe_b64decode(binary + "=" * (-len(binary) % 4))
    header = f"L402 {binary}:{preimage.hex()}"
    ok = {"ok": {"payment_hash_hex": payment_hash.hex(), "token_id_hex": token_id.hex()}}
    add(f"{i} authorization.parse: pymacaroons URL-safe token", "l402.authorization.parse",
        {"header": header}, {"ok": {"scheme": "L402", "macaroons": [std(raw)], "preimage_hex": preimage.hex()}})
    add(f"{i} verify svc before T", "l402.verify",
        {"authorization": header, "root_key_hex": root_key.hex(), "now": T - 11, "service": "svc"}, ok)
    add(f"{i} verify under a wrong root key", "l402.verify",
        {"authorization": header, "root_key_hex": det(i, "wrong").hex(), "now": T - 11, "service": "svc"},
        {"error": "signature_mismatch"})
    add(f"{i} verify with a preimage of another token", "l402.verify",
        {"authorization": f"L402 {binary}:{det(i, 'other').hex()}", "root_key_hex": root_key.hex(), "now": T - 11, "service": "svc"},
        {"error": "invalid_preimage"})
    if location:  # Go and pay402 omit an empty location; pymacaroons writes `01 00`
        add(f"{i} mint equals pymacaroons' bytes", "l402.mint",
            {"root_key_hex": root_key.hex(), "payment_hash_hex": payment_hash.hex(), "token_id_hex": token_id.hex(),
             "location": location, "caveats": caveats}, {"ok": {"token": std(raw), "signature_hex": m.signature}})
    if any(c.startswith("svc_valid_until") for c in caveats):
        add(f"{i} verify svc at its valid_until", "l402.verify",
            {"authorization": header, "root_key_hex": root_key.hex(), "now": T - 10 if i == 1 else T, "service": "svc"},
            {"error": "token_expired"})
    if any(c.startswith("services=") for c in caveats):
        add(f"{i} verify another service", "l402.verify",
            {"authorization": header, "root_key_hex": root_key.hex(), "now": T - 11, "service": "other"},
            {"error": "service_not_allowed"})

doc = {"suite": "l402-peers-pymacaroons",
       "source": "pymacaroons 0.13.0 (PyNaCl 1.5.0) via tests/conformance/peers/macaroon/gen/pymacaroons_l402.py; deterministic inputs",
       "cases": cases}
with open(f"{sys.argv[1]}/l402-peers.pymacaroons.json", "w") as f:
    json.dump(doc, f, indent=1); f.write("\n")
