"""Mints the benchmark macaroon with pymacaroons (a peer, not the code under test).

One identifier and five first-party caveats, V2 binary, the serialization L402 uses. Run once;
the output is pasted into fixtures.json and core/benches/l402.rs:

    tests/conformance/peers/macaroon/.venv/bin/python tests/bench/mint_macaroon.py
"""

import json

from pymacaroons import MACAROON_V2, Macaroon

ROOT_KEY = bytes(range(32))
CAVEATS = [
    "services=pay402-bench:0",
    "pay402-bench_capabilities=read,write",
    "valid_until=1893456000",
    "ip_address=203.0.113.7",
    "account=3735928559",
]
mac = Macaroon(
    location="pay402-bench",
    identifier=bytes.fromhex("0000" + "11" * 32 + "22" * 32).decode("latin-1"),
    key=ROOT_KEY,
    version=MACAROON_V2,
)
for caveat in CAVEATS:
    mac.add_first_party_caveat(caveat)
print(json.dumps({"token": mac.serialize(), "root_key_hex": ROOT_KEY.hex(), "caveats": CAVEATS}, indent=2))
