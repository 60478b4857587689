"""Deterministic inputs for the Python peer generators (same construction as gen/lib/det.mjs).

Every value is sha256(seed ‖ 0x00 ‖ u32be(case) ‖ 0x00 ‖ label ‖ 0x00 ‖ u32be(block)).
"""
import hashlib
import json
import os
import sys

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = SECP256K1_N >> 1
U256_MAX = (1 << 256) - 1
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


class Det:
    def __init__(self, seed: str):
        self.seed = seed.encode()

    def bytes(self, i: int, label: str, n: int = 32) -> bytes:
        out = b""
        block = 0
        while len(out) < n:
            h = hashlib.sha256()
            h.update(self.seed + b"\0" + i.to_bytes(4, "big") + b"\0" + label.encode() + b"\0")
            h.update(block.to_bytes(4, "big"))
            out += h.digest()
            block += 1
        return out[:n]

    def hex(self, i, label, n=32):
        return "0x" + self.bytes(i, label, n).hex()

    def big(self, i, label, bits=256):
        v = int.from_bytes(self.bytes(i, label, (bits + 7) // 8), "big")
        return v & ((1 << bits) - 1)

    def below(self, i, label, n):
        return self.big(i, label, 64) % n

    def pick(self, i, label, arr):
        return arr[self.below(i, label, len(arr))]

    def private_key(self, i, label):
        return "%064x" % ((self.big(i, label) % (SECP256K1_N - 1)) + 1)

    def u256(self, i, label):
        bits = self.below(i, label + "/bits", 257)
        if bits == 0:
            return 0
        return self.big(i, label) & ((1 << bits) - 1)


def out_dir():
    return os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(REPO, "tests", "conformance", "vectors")


def write_vectors(file, suite, source, cases):
    names = set()
    for c in cases:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        assert len(c["expect"]) == 1 and next(iter(c["expect"])) in ("ok", "error"), c
    d = out_dir()
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, file)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps({"suite": suite, "source": source, "cases": cases}, indent=2, ensure_ascii=False))
        f.write("\n")
    print(f"wrote {path} ({len(cases)} cases)")
