"""eth-account → evm-eip3009-digest.eth-account.json, evm-eip3009-sign.eth-account.json,
evm-recover.eth-account.json.

Expected values are what eth-account computes: encode_typed_data(full_message=…) returns a
SignableMessage whose header is the EIP-712 domain separator and whose body is the struct hash;
_hash_eip191_message gives the digest; Account.sign_typed_data signs; Account._recover_hash recovers.
"""
from importlib.metadata import version

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import to_checksum_address

from det import HALF_N, SECP256K1_N, U256_MAX, Det, write_vectors

PEER = f"eth-account {version('eth-account')}"
SEED = "pay402/peers/eth-account/evm/v1"
det = Det(SEED)

TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "TransferWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
    ],
}
NAMES = ["", "USDC", "USD Coin", "Bridged USDC", "Global Dollar", "Ünïcödé", "ユーエスディーシー", "💲🔥",
         "a\"b\\c", "tab\tnewline\n", "\u0001ctl", "\u00e9 vs e\u0301", "𝕌𝕊𝔻ℂ", "y" * 257, "\u2028"]
VERSIONS = ["", "1", "2", "10", "٢", "🔢", "\\", "v" * 40]
CHAIN_IDS = [0, 1, 56, 137, 8453, 84532, 42161, 11155111, 4294967295, 2**40, 2**53 - 1]


def chain_id(i):
    r = det.below(i, "chain/kind", 3)
    if r == 0:
        return det.pick(i, "chain/pick", CHAIN_IDS)
    if r == 1:
        return det.below(i, "chain/small", 1_000_000)
    return det.big(i, "chain/big", 53)


def text(i, label, pool):
    if det.below(i, label + "/kind", 3) > 0:
        return det.pick(i, label + "/pick", pool)
    cp = 0x20 + det.below(i, label + "/cp", 0x2FFFF - 0x20)
    ch = "\ufffd" if 0xD800 <= cp <= 0xDFFF else chr(cp)
    return det.pick(i, label + "/a", pool) + ch + det.pick(i, label + "/b", pool)


def address(i, label):
    r = det.below(i, label + "/kind", 16)
    a = "0x" + ("00" * 20 if r == 0 else "ff" * 20 if r == 1 else det.bytes(i, label, 20).hex())
    return to_checksum_address(a) if det.below(i, label + "/case", 4) == 0 else a


def u256(i, label):
    r = det.below(i, label + "/edge", 12)
    return 0 if r == 0 else U256_MAX if r == 1 else 1 if r == 2 else det.u256(i, label)


def domain_message(i):
    domain = {"name": text(i, "name", NAMES), "version": text(i, "version", VERSIONS),
              "chainId": chain_id(i), "verifyingContract": address(i, "contract")}
    message = {"from": address(i, "from"), "to": address(i, "to"), "value": str(u256(i, "value")),
               "validAfter": str(u256(i, "validAfter")), "validBefore": str(u256(i, "validBefore")),
               "nonce": "0x" + "00" * 32 if det.below(i, "nonce/edge", 10) == 0 else det.hex(i, "nonce")}
    return domain, message


def full_message(domain, message):
    m = dict(message)
    for k in ("value", "validAfter", "validBefore"):
        m[k] = int(m[k])
    m["nonce"] = bytes.fromhex(m["nonce"][2:])
    return {"types": TYPES, "primaryType": "TransferWithAuthorization", "domain": domain, "message": m}


def h0x(b):
    return "0x" + bytes(b).hex()


# ---------- evm.eip3009.digest ----------
cases = []
for i in range(128):
    domain, message = domain_message(i)
    sm = encode_typed_data(full_message=full_message(domain, message))
    assert sm.version == b"\x01"
    cases.append({"name": f"eth-account digest #{i}", "op": "evm.eip3009.digest",
                  "input": {"domain": domain, "message": message},
                  "expect": {"ok": {"domain_separator": h0x(sm.header), "struct_hash": h0x(sm.body),
                                    "digest": h0x(_hash_eip191_message(sm))}}})
write_vectors("evm-eip3009-digest.eth-account.json", "evm-eip3009-digest-eth-account",
              f"{PEER}: encode_typed_data(full_message=…) → SignableMessage(header = domain separator, "
              f"body = struct hash), _hash_eip191_message → digest; inputs from sha256 seed \"{SEED}\"", cases)

# ---------- evm.eip3009.sign ----------
cases = []
for i in range(128):
    domain, message = domain_message(1000 + i)
    pk = det.private_key(i, "sign/key")
    acct = Account.from_key("0x" + pk)
    if i % 2 == 0:
        message["from"] = acct.address.lower()
    signed = Account.sign_typed_data("0x" + pk, full_message=full_message(domain, message))
    sig = bytes(signed.signature)
    assert len(sig) == 65 and sig[64] in (27, 28)
    cases.append({"name": f"eth-account sign #{i}", "op": "evm.eip3009.sign",
                  "input": {"private_key_hex": pk, "domain": domain, "message": message},
                  "expect": {"ok": {"signature": h0x(sig)}}})
write_vectors("evm-eip3009-sign.eth-account.json", "evm-eip3009-sign-eth-account",
              f"{PEER}: Account.sign_typed_data(key, full_message=…) (RFC 6979, v 27/28); "
              f"inputs from sha256 seed \"{SEED}\"", cases)

# ---------- evm.recover ----------
cases = []


def add(name, digest, sig, policy, expect):
    inp = {"digest": digest, "signature": sig}
    if policy:
        inp["policy"] = policy
    cases.append({"name": name, "op": "evm.recover", "input": inp, "expect": expect})


def rec(digest_hex, v, r, s):
    """eth-account recovery from (v, r, s); v may be 0/1 or 27/28."""
    return Account._recover_hash(bytes.fromhex(digest_hex[2:]), vrs=(v, r, s)).lower()


def sig_hex(r, s, v):
    return "0x%064x%064x%02x" % (r, s, v)


for i in range(40):
    pk = det.private_key(i, "rec/key")
    digest = det.hex(i, "rec/digest")
    signed = Account.unsafe_sign_hash(bytes.fromhex(digest[2:]), "0x" + pk)
    r, s, v = signed.r, signed.s, signed.v
    assert s <= HALF_N and v in (27, 28)
    addr = Account._recover_hash(bytes.fromhex(digest[2:]), signature=bytes(signed.signature)).lower()
    assert addr == Account.from_key("0x" + pk).address.lower()
    sig = h0x(signed.signature)
    add(f"#{i} canonical v={v} strict", digest, sig, "strict" if i % 2 else None, {"ok": {"address": addr}})
    add(f"#{i} canonical v={v} lenient", digest, sig, "lenient", {"ok": {"address": addr}})

    tv = 28 if v == 27 else 27
    twin_addr = rec(digest, tv, r, SECP256K1_N - s)
    assert twin_addr == addr
    add(f"#{i} high-s twin strict", digest, sig_hex(r, SECP256K1_N - s, tv), "strict", {"error": "signature_high_s"})
    add(f"#{i} high-s twin lenient", digest, sig_hex(r, SECP256K1_N - s, tv), "lenient", {"ok": {"address": twin_addr}})

    y_addr = rec(digest, v - 27, r, s)
    assert y_addr == addr
    add(f"#{i} v={v - 27} strict", digest, sig_hex(r, s, v - 27), "strict", {"error": "signature_v"})
    add(f"#{i} v={v - 27} lenient", digest, sig_hex(r, s, v - 27), "lenient", {"ok": {"address": y_addr}})

    # ERC-2098: yParityAndS = (yParity << 255) | s. eth-account has no compact helper, so the
    # 64-byte form is expanded here (bit 255 → v) and the expanded form recovered by eth-account.
    compact = "0x%064x%064x" % (r, ((v - 27) << 255) | s)
    vs = int(compact[66:], 16)
    c_addr = rec(digest, 27 + (vs >> 255), int(compact[2:66], 16), vs & ((1 << 255) - 1))
    assert c_addr == addr
    add(f"#{i} erc2098 compact strict", digest, compact, "strict", {"error": "signature_length"})
    add(f"#{i} erc2098 compact lenient", digest, compact, "lenient", {"ok": {"address": c_addr}})

    k = i % 6
    if k == 0:
        for pol in ("strict", "lenient"):
            add(f"#{i} r=0 {pol}", digest, sig_hex(0, s, v), pol, {"error": "signature_invalid"})
    elif k == 1:
        bad = sig_hex(SECP256K1_N, s, v)
        for pol in ("strict", "lenient"):
            add(f"#{i} r=n {pol}", digest, bad, pol, {"error": "signature_invalid"})
        bad = sig_hex(r, SECP256K1_N + 1, v)  # s ≥ n is also high s: strict reports the s check first
        add(f"#{i} s=n+1 lenient", digest, bad, "lenient", {"error": "signature_invalid"})
    elif k == 2:
        add(f"#{i} v=29 lenient", digest, sig_hex(r, s, 29), "lenient", {"error": "signature_v"})
        add(f"#{i} v=37 strict", digest, sig_hex(r, s, 37), "strict", {"error": "signature_v"})
    elif k == 3:
        add(f"#{i} 64+1 garbage lenient", digest, sig + "ab", "lenient", {"error": "signature_length"})
        add(f"#{i} 32 bytes strict", digest, sig[:66], "strict", {"error": "signature_length"})
    elif k == 4:
        other = det.hex(i, "rec/other")
        add(f"#{i} other digest", other, sig, "strict", {"ok": {"address": rec(other, v, r, s)}})
    else:
        rr = det.big(i, "rec/rr") % SECP256K1_N
        try:
            exp = {"ok": {"address": rec(digest, v, rr, s)}}
        except Exception:  # eth-keys: no point with that x
            exp = {"error": "signature_invalid"}
        add(f"#{i} random r strict", digest, sig_hex(rr, s, v), "strict", exp)

write_vectors("evm-recover.eth-account.json", "evm-recover-eth-account",
              f"{PEER}: Account.unsafe_sign_hash for signatures, Account._recover_hash(hash, signature=… | "
              f"vrs=(v, r, s)) for every ok address (64-byte ERC-2098 forms expanded to (v, r, s) in the "
              f"generator; v 0/1 passed as vrs); strict rejections per tests/conformance/vectors/README.md; inputs from sha256 seed "
              f"\"{SEED}\"", cases)
