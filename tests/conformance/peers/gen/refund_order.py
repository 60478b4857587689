#!/usr/bin/env python3
"""x402-refund-order.hashlib.json: the refund order of a WS402 session (`x402.refund.order`).

The key is SHA-256(b"pay402 ws402 refund" + session id) computed with Python's hashlib; the other
fields are the inputs as given (addresses in lower case, the amount as a decimal string, the network
as its CAIP-2 id). Amount 0 is no order (`refund_amount_zero`); a Solana network has no EVM refund
(`refund_unsupported_network`). Session ids are deterministic (gen/det.py).

The transaction that pays the order: a token refund (`asset` an address) is a call to the token
(`tx_to` = the token, `tx_value` 0) with the ERC-20 `transfer(address,uint256)` calldata, written
here from the ABI (selector 0xa9059cbb = the first 4 bytes of keccak-256 of the signature, as
EIP-20 lists it; two 32-byte big-endian words: the recipient left-padded, the amount); a native
refund (`asset` "native") is a plain value transfer (`tx_to` = the recipient, `tx_value` = the
amount, empty calldata), and its `asset` reads "native".

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


# ERC-20 transfer(address,uint256): the selector EIP-20 and every ABI table list for it
TRANSFER_SELECTOR = "a9059cbb"


def transfer_calldata(to, amount):
    return "0x" + TRANSFER_SELECTOR + "%064x" % int(to[2:], 16) + "%064x" % amount


def add(name, session_id, network, asset, to, amount, error=None):
    inp = {"session_id": session_id.hex(), "network": network, "asset": asset, "to": to, "amount": str(amount)}
    if error is not None:
        expect = {"error": error}
    elif asset == "native":
        expect = {"ok": {
            "key": hashlib.sha256(PREFIX + session_id).hexdigest(),
            "network": network, "asset": "native", "to": to.lower(), "amount": str(amount),
            "tx_to": to.lower(), "tx_value": str(amount), "calldata": "0x",
        }}
    else:
        expect = {"ok": {
            "key": hashlib.sha256(PREFIX + session_id).hexdigest(),
            "network": network, "asset": asset.lower(), "to": to.lower(), "amount": str(amount),
            "tx_to": asset.lower(), "tx_value": "0", "calldata": transfer_calldata(to, amount),
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

# native-coin refunds (the WS402 on-chain prepayment paid in ETH): a value transfer to the payer
add("native: a value transfer to the payer, no calldata", det.bytes(30, "session", 16), "eip155:8453", "native",
    "0x857b06519E91e3A54538791bDbb0E22373e36b66", 1500)
for k in range(31, 36):
    sid = det.bytes(k, "session", 16)
    amount = amounts[(k - 31) % len(amounts)]
    chain = det.pick(k, "chain", [1, 8453, 84532, 31337, 137])
    add(f"native #{k}: {amount.bit_length()}-bit amount on eip155:{chain}", sid, f"eip155:{chain}", "native",
        det.hex(k, "to", 20), amount)
add("native: amount 0 is not an order", det.bytes(36, "session", 16), "eip155:8453", "native",
    "0x857b06519E91e3A54538791bDbb0E22373e36b66", 0, error="refund_amount_zero")
add("native: a Solana network has no EVM refund", det.bytes(37, "session", 16),
    "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "native", "0x857b06519E91e3A54538791bDbb0E22373e36b66", 5,
    error="refund_unsupported_network")

write_vectors("x402-refund-order.hashlib.json", "x402-refund-order-hashlib",
              "Python hashlib.sha256(b'pay402 ws402 refund' + session_id) and the ERC-20 transfer ABI written by hand; "
              "inputs from gen/refund_order.py", cases)
