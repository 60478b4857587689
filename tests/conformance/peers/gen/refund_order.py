#!/usr/bin/env python3
"""x402-refund-order.hashlib.json: the refund order of a WS402 session (`x402.refund.order`).

The key is SHA-256(b"pay402 ws402 refund" + session id) computed with Python's hashlib; the other
fields are the inputs as given (addresses in lower case, the amount as a decimal string, the network
as its CAIP-2 id). Amount 0 is no order (`refund_amount_zero`); a Solana network has no EVM refund
(`refund_unsupported_network`). Session ids are deterministic (gen/det.py).

    python3 tests/conformance/peers/gen/refund_order.py [out dir]
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from det import Det, write_vectors  # noqa: E402

det = Det("pay402/peers/hashlib/x402-refund-order/v1")
PREFIX = b"pay402 ws402 refund"
cases = []


def add(name, session_id, network, asset, to, amount, error=None):
    inp = {"session_id": session_id.hex(), "network": network, "asset": asset, "to": to, "amount": str(amount)}
    if error is not None:
        expect = {"error": error}
    else:
        expect = {"ok": {
            "key": hashlib.sha256(PREFIX + session_id).hexdigest(),
            "network": network, "asset": asset.lower(), "to": to.lower(), "amount": str(amount),
        }}
    cases.append({"name": name, "op": "x402.refund.order", "input": inp, "expect": expect})


USDC_BASE = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
amounts = [1, (1 << 53) - 1, (1 << 53) + 1, 10**18 + 1, (1 << 256) - 1]
add("an all-zero session id", bytes(16), "eip155:8453", USDC_BASE, "0x857b06519E91e3A54538791bDbb0E22373e36b66", 1500)
add("an all-0xff session id", b"\xff" * 16, "eip155:84532", USDC_BASE.lower(),
    "0x857b06519e91e3a54538791bdbb0e22373e36b66", 1)
for k in range(10):
    sid = det.bytes(k, "session", 16)
    amount = amounts[k % len(amounts)] if k < len(amounts) else 1 + det.big(k, "amount", 1 + det.below(k, "bits", 200))
    chain = det.pick(k, "chain", [1, 8453, 84532, 31337, 137])
    add(f"#{k} session, {amount.bit_length()}-bit amount on eip155:{chain}", sid, f"eip155:{chain}",
        det.hex(k, "asset", 20), det.hex(k, "to", 20), amount)
add("amount 0 is not an order", det.bytes(20, "session", 16), "eip155:8453", USDC_BASE,
    "0x857b06519E91e3A54538791bDbb0E22373e36b66", 0, error="refund_amount_zero")
add("a Solana network has no ERC-20 refund", det.bytes(21, "session", 16), "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
    USDC_BASE, "0x857b06519E91e3A54538791bDbb0E22373e36b66", 5, error="refund_unsupported_network")

write_vectors("x402-refund-order.hashlib.json", "x402-refund-order-hashlib",
              "Python hashlib.sha256(b'pay402 ws402 refund' + session_id); inputs from gen/refund_order.py", cases)
