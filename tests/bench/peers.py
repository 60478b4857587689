"""Times the Python peers on the inputs tests/bench/rust times, with the same method (warm-up,
calibrated batches, median of the per-operation sample times); one JSON object per line.

    python peers.py GROUP [samples] [sample_ms] [warmup_ms]

GROUP picks what the interpreter's venv holds (run.sh calls each venv once):
  eth-account  eth-account's Account.recover_message(encode_typed_data(...)) on the x402 spec's EIP-3009 example;
               reports which eth-keys backend is active (pure Python, or coincurve if installed)
  coincurve    PublicKey.from_signature_and_message(sig, digest, hasher=None) on that example's digest
  pymacaroons  Macaroon.deserialize + Verifier.verify (satisfy_exact × 5) on fixtures.json
"""

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

FIXTURES = json.loads((Path(__file__).parent / "fixtures.json").read_text())
GROUP = sys.argv[1]
SAMPLES = int(sys.argv[2]) if len(sys.argv) > 2 else 21
SAMPLE_S = (int(sys.argv[3]) if len(sys.argv) > 3 else 20) / 1000
WARMUP_S = (int(sys.argv[4]) if len(sys.argv) > 4 else 1000) / 1000


def measure(library, op, f, **extra):
    """Same method as tests/bench/rust: warm up, size a batch to one sample time, median of samples."""
    clock = time.perf_counter
    iters, warm_start = 0, clock()
    while clock() < warm_start + WARMUP_S:
        f()
        iters += 1
    batch = max(1, int(iters * SAMPLE_S / (clock() - warm_start)))
    times = []
    for _ in range(SAMPLES):
        start = clock()
        for _ in range(batch):
            f()
        times.append((clock() - start) * 1e9 / batch)
    times.sort()
    print(json.dumps({"library": library, "op": op, "median_ns": round(times[len(times) // 2], 1),
                      "min_ns": round(times[0], 1), "max_ns": round(times[-1], 1), "batch": batch,
                      "samples": SAMPLES, **extra}), flush=True)


e = FIXTURES["eip3009"]
signature = bytes.fromhex(e["signature"][2:])
digest = bytes.fromhex(e["digest"][2:])

if GROUP == "eth-account":
    from eth_account import Account
    from eth_account.messages import encode_typed_data
    from eth_keys.backends import get_backend

    typed = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"},
                             {"name": "verifyingContract", "type": "address"}],
            "TransferWithAuthorization": [
                {"name": "from", "type": "address"}, {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
                {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}],
        },
        "primaryType": "TransferWithAuthorization",
        "domain": e["domain"],
        "message": {"from": e["from"], "to": e["to"], "value": int(e["value"]),
                    "validAfter": int(e["validAfter"]), "validBefore": int(e["validBefore"]),
                    "nonce": bytes.fromhex(e["nonce"][2:])},
    }

    def recover():
        return Account.recover_message(encode_typed_data(full_message=typed), signature=signature)

    assert recover().lower() == e["from"].lower(), recover()
    backend = type(get_backend()).__name__
    label = "eth-account" if backend == "NativeECCBackend" else "eth-account+coincurve"
    measure(label, "evm.recover_typed_data", recover, version=version("eth-account"),
            eth_keys_backend=backend)
elif GROUP == "coincurve":
    from coincurve import PublicKey

    compact = signature[:64] + bytes([signature[64] - 27])

    def recover_pubkey():
        return PublicKey.from_signature_and_message(compact, digest, hasher=None)

    recovered = recover_pubkey().format(compressed=False)
    assert len(recovered) == 65
    measure("coincurve", "evm.recover_pubkey", recover_pubkey, version=version("coincurve"))
elif GROUP == "pymacaroons":
    from pymacaroons import Macaroon, Verifier

    m = FIXTURES["macaroon"]
    key = bytes.fromhex(m["root_key_hex"])

    def decode_verify():
        mac = Macaroon.deserialize(m["token"])
        v = Verifier()
        for caveat in m["caveats"]:
            v.satisfy_exact(caveat)
        return v.verify(mac, key)

    assert decode_verify() is True
    try:
        bad = Verifier()
        for caveat in m["caveats"]:
            bad.satisfy_exact(caveat)
        bad.verify(Macaroon.deserialize(m["token"]), bytes(32))
        raise AssertionError("pymacaroons accepted a wrong root key")
    except AssertionError:
        raise
    except Exception:  # noqa: BLE001 - pymacaroons raises MacaroonInvalidSignatureException
        pass
    measure("pymacaroons", "macaroon.decode_verify", decode_verify, version=version("pymacaroons"))
else:
    sys.exit(f"unknown group {GROUP}")
