#!/usr/bin/env python3
"""Writes tests/conformance/vectors/ws402-record.json: ops `ws402.resume_token`, `ws402.record.seal` and
`ws402.record.open` (tests/conformance/vectors/README.md), with Python's standard library only (`hmac`, `hashlib`,
`struct`, `base64`): an independent implementation of the key derivation, the resume token and the sealed record
v2 layout documented in tests/conformance/vectors/README.md (the table is also on `SealedRecord` in
core/src/ws402/record.rs), and of the tariff rule that fixes `consumed`:

    key(label)   = HMAC-SHA256(secret, label)
    resume token = base64url_nopad(HMAC-SHA256(key("pay402 ws402 resume token"), id || payer_tag || payer))
    sealed       = fields (big-endian, fixed offsets) || replay key || payment header
                   || HMAC-SHA256(key("pay402 ws402 session record v2"), everything before)
    consumed     = min(paid, floor(per_second * active / 1000) + bytes_in * p_in + bytes_out * p_out + messages * p_msg)

Tampered records are made here too: a flipped byte, a wrong key, a cut tail, and records whose tag is valid but
whose fields break a rule (so the core's checks after the tag are exercised). Deterministic. Usage:
gen_record.py OUTDIR
"""
import base64
import copy
import hashlib
import hmac
import json
import os
import re
import struct
import sys

CASES = []
RECORD_LABEL = b"pay402 ws402 session record v2"
RESUME_LABEL = b"pay402 ws402 resume token"
SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))
U256_MAX = 2**256 - 1
PHASES = {"running": 0, "suspended": 1, "settling": 2, "refunding": 3, "done": 4}
SCHEMES = {"exact_eip3009": 1, "exact_permit2": 2, "upto_permit2": 3, "exact_svm": 4, "evm_transaction": 5}
MAX_REPLAY_KEY = 96  # an x402 key (<= 80) or an on-chain transaction's "evm:<u64>:0x<64 hex>" (<= 91)
REFUNDS = {"none": 0, "not_needed": 1, "planned": 2, "signed": 3, "confirmed": 4, "failed": 5}
REASONS = {"client_close": 1, "balance_exhausted": 2, "max_duration": 3, "deadline": 4, "server_close": 5,
           "connection_lost": 6}


def key(secret, label):
    return hmac.new(secret, label, hashlib.sha256).digest()


def payer_bytes(p):
    return bytes([{"evm": 1, "solana": 2}[p["kind"]]]) + bytes.fromhex(p["hex"])


def token(secret, sid_hex, payer):
    mac = hmac.new(key(secret, RESUME_LABEL), bytes.fromhex(sid_hex) + payer_bytes(payer), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def consumed(r, active):
    t = {k: int(v) for k, v in r["tariff"].items()}
    c = t["per_second"] * active // 1000 + r["bytes_in"] * t["per_byte_in"] + r["bytes_out"] * t["per_byte_out"] \
        + r["messages"] * t["per_message"]
    return min(int(r["paid"]), c)


def chain_fits(r):
    """The on-chain rule: an `evm_transaction` record has x402 version 0, offer index 0, an EVM payer or none, the
    replay key `evm:<chain id, decimal u64 without leading zeros>:0x<64 lowercase hex>` and the asset `native` or
    `0x<40 lowercase hex>` in the payment header field. Other schemes are not concerned."""
    if r["scheme"] != "evm_transaction":
        return True
    key = bytes.fromhex(r["replay_key_hex"]).decode("latin-1")
    m = re.fullmatch(r"evm:(0|[1-9][0-9]*):0x[0-9a-f]{64}", key)
    return (r["x402_version"] == 0 and r["offer_index"] == 0
            and (r["payer"] is None or r["payer"]["kind"] == "evm")
            and m is not None and int(m.group(1)) < 2**64
            and re.fullmatch(r"native|0x[0-9a-f]{40}", r["payment_header"]) is not None)


def u256(v):
    return int(v).to_bytes(32, "big")


def pack(r, version=2, flags_extra=0, payer_tag=None, replay_len=None):
    """The sealed record's body (everything before the tag), from the layout table."""
    end = r["end"]
    flags = (1 if r["running_since"] is not None else 0) | (2 if r["deadline_ms"] is not None else 0) \
        | (4 if end is not None else 0) | flags_extra
    payer = r["payer"]
    tag = payer_tag if payer_tag is not None else (0 if payer is None else {"evm": 1, "solana": 2}[payer["kind"]])
    pbytes = b"" if payer is None else bytes.fromhex(payer["hex"])
    rk = bytes.fromhex(r["replay_key_hex"])
    ph = r["payment_header"].encode()
    t = r["tariff"]
    b = struct.pack(">8B", version, PHASES[r["phase"]], SCHEMES[r["scheme"]], r["x402_version"], r["offer_index"],
                    tag, REFUNDS[r["refund"]["state"]], flags)
    b += bytes.fromhex(r["session_id_hex"]) + struct.pack(">I", r["generation"])
    b += u256(t["per_second"]) + u256(t["per_byte_in"]) + u256(t["per_byte_out"]) + u256(t["per_message"])
    b += u256(r["paid"]) + u256(r["consumed"])
    b += struct.pack(">12Q", r["max_session_seconds"], r["deadline_ms"] or 0, r["start_ms"], r["last_ms"],
                     r["active_ms"], r["running_since"] or 0, r["suspended_at"], r["checkpoint_ms"], r["bytes_in"],
                     r["bytes_out"], r["messages"], r["ended_active_ms"])
    b += struct.pack(">BHQ", REASONS[end["reason"]] if end else 0, (end["close_code"] or 0) if end else 0,
                     end["at_ms"] if end else 0)
    b += pbytes.ljust(32, b"\0") + u256(r["refund"]["amount"]) + bytes.fromhex(r["refund"]["tx_hash_hex"])
    b += struct.pack(">BH", len(rk) if replay_len is None else replay_len, len(ph))
    b += struct.pack(">I", r["grant_generation"])
    assert len(b) == 430, len(b)
    return b + rk + ph


def seal(r, secret=SECRET, **kw):
    body = pack(r, **kw)
    return body + hmac.new(key(secret, RECORD_LABEL), body, hashlib.sha256).digest()


def base_record(**over):
    r = {
        "session_id_hex": "00112233445566778899aabbccddeeff", "generation": 1, "phase": "running",
        "scheme": "exact_eip3009", "x402_version": 2, "offer_index": 0,
        "tariff": {"per_second": "5", "per_byte_in": "0", "per_byte_out": "0", "per_message": "0"},
        "paid": "1000", "max_session_seconds": 3600, "deadline_ms": None,
        "start_ms": 1_700_000_000_000, "last_ms": 1_700_000_000_000, "active_ms": 0,
        "running_since": 1_700_000_000_000, "suspended_at": 0, "checkpoint_ms": 1_700_000_000_000,
        "bytes_in": 0, "bytes_out": 0, "messages": 0, "consumed": "0", "ended_active_ms": 0, "end": None,
        "payer": {"kind": "evm", "hex": "11" * 20}, "replay_key_hex": "65766d3a3131",
        "payment_header": "eyJ4NDAyVmVyc2lvbiI6Mn0=",
        "refund": {"state": "none", "amount": "0", "tx_hash_hex": "00" * 32},
        "grant_generation": 0,
    }
    r.update(over)
    return r


def running_at(r, last, active_before_run=None):
    """A running session seen at `last`: consumed from the active time."""
    r = copy.deepcopy(r)
    r["last_ms"] = last
    if active_before_run is not None:
        r["active_ms"] = active_before_run
    active = min(r["active_ms"] + last - r["running_since"], r["max_session_seconds"] * 1000)
    r["consumed"] = str(consumed(r, active))
    return r


def ended(r, reason, at, active, close, phase, refund=None):
    r = copy.deepcopy(r)
    r["end"] = {"reason": reason, "at_ms": at, "close_code": close}
    r["ended_active_ms"] = active
    r["consumed"] = str(consumed(r, active))
    r["phase"] = phase
    if refund:
        r["refund"] = refund
    return r


def ok_pair(name, r, secret=SECRET):
    assert chain_fits(r), name
    sealed = seal(r, secret)
    CASES.append({"name": "seal: " + name, "op": "ws402.record.seal",
                  "input": {"secret_hex": secret.hex(), "record": r}, "expect": {"ok": {"record_hex": sealed.hex()}}})
    CASES.append({"name": "open: " + name, "op": "ws402.record.open",
                  "input": {"secret_hex": secret.hex(), "record_hex": sealed.hex()}, "expect": {"ok": {"record": r}}})
    return sealed


def open_err(name, record_hex, code, secret=SECRET):
    CASES.append({"name": "open: " + name, "op": "ws402.record.open",
                  "input": {"secret_hex": secret.hex(), "record_hex": record_hex}, "expect": {"error": code}})


def seal_err(name, r, code, secret=SECRET):
    CASES.append({"name": "seal: " + name, "op": "ws402.record.seal",
                  "input": {"secret_hex": secret.hex(), "record": r}, "expect": {"error": code}})


# --- resume tokens ---
EVM = {"kind": "evm", "hex": "11" * 20}
SOL = {"kind": "solana", "hex": "c3" * 32}
for i, (secret, sid, payer) in enumerate([
    (SECRET, "00112233445566778899aabbccddeeff", EVM),
    (SECRET, "00112233445566778899aabbccddeeff", SOL),
    (SECRET, "ffeeddccbbaa99887766554433221100", EVM),
    (OTHER_SECRET, "00112233445566778899aabbccddeeff", EVM),
    (bytes(64), "00" * 16, {"kind": "evm", "hex": "00" * 20}),
    (b"\xff" * 48, "ff" * 16, {"kind": "solana", "hex": "ff" * 32}),
]):
    CASES.append({"name": "resume token %d (%s payer, %d-byte secret)" % (i, payer["kind"], len(secret)),
                  "op": "ws402.resume_token",
                  "input": {"secret_hex": secret.hex(), "session_id_hex": sid, "payer": payer},
                  "expect": {"ok": {"token": token(secret, sid, payer)}}})
T = token(SECRET, "00112233445566778899aabbccddeeff", EVM)
base_in = {"secret_hex": SECRET.hex(), "session_id_hex": "00112233445566778899aabbccddeeff", "payer": EVM}
CASES.append({"name": "the right token is accepted", "op": "ws402.resume_token",
              "input": dict(base_in, presented=T), "expect": {"ok": {"token": T}}})
for name, presented in [
    ("the token of another session is refused", token(SECRET, "ffeeddccbbaa99887766554433221100", EVM)),
    ("the token of another payer is refused", token(SECRET, "00112233445566778899aabbccddeeff",
                                                       {"kind": "evm", "hex": "12" + "11" * 19})),
    ("the same bytes for a Solana payer are refused", token(SECRET, "00112233445566778899aabbccddeeff",
                                                             {"kind": "solana", "hex": "11" * 20 + "00" * 12})),
    ("the token under another secret is refused", token(OTHER_SECRET, "00112233445566778899aabbccddeeff", EVM)),
    ("a padded token is refused", T + "="),
    ("a token cut by one character is refused", T[:-1]),
    ("standard base64 instead of base64url is refused",
     base64.b64encode(base64.urlsafe_b64decode(T + "=")).rstrip(b"=").decode()
     if ("-" in T or "_" in T) else T.replace(T[0], "+", 1)),
    ("an empty token is refused", ""),
]:
    CASES.append({"name": name, "op": "ws402.resume_token", "input": dict(base_in, presented=presented),
                  "expect": {"error": "resume_token_invalid"}})
CASES.append({"name": "a 31-byte secret is refused", "op": "ws402.resume_token",
              "input": dict(base_in, secret_hex="00" * 31), "expect": {"error": "invalid_server_secret"}})
CASES.append({"name": "a 65-byte secret is refused", "op": "ws402.resume_token",
              "input": dict(base_in, secret_hex="00" * 65), "expect": {"error": "invalid_server_secret"}})

# --- sealed records that open ---
S = 1_700_000_000_000
fresh = base_record()
first = ok_pair("a fresh running session", fresh)
mid = running_at(base_record(tariff={"per_second": "7", "per_byte_in": "1", "per_byte_out": "2", "per_message": "3"},
                             bytes_in=100, bytes_out=40, messages=4, checkpoint_ms=S + 3_000), S + 3_500)
ok_pair("running 3.5 s with bytes and messages", mid)
susp = base_record(phase="suspended", running_since=None, suspended_at=S + 20_000, last_ms=S + 25_000,
                   active_ms=20_000, checkpoint_ms=S + 20_000)
susp["consumed"] = str(consumed(susp, 20_000))
ok_pair("suspended after 20 s, 5 s of grace used", susp)
resumed = running_at(base_record(running_since=S + 30_000, suspended_at=S + 20_000, generation=7,
                                 grant_generation=3), S + 31_234,
                     active_before_run=20_000)
ok_pair("running again after a resume", resumed)
ok_pair("ended by the client, settling, refund planned",
        ended(running_at(fresh, S + 12_345), "client_close", S + 12_345, 12_345, 1000, "settling",
              {"state": "planned", "amount": str(1000 - 61), "tx_hash_hex": "00" * 32}))
ok_pair("balance exhausted, upto settled, nothing to refund",
        ended(base_record(scheme="upto_permit2", last_ms=S + 300_000, checkpoint_ms=S + 299_000),
              "balance_exhausted", S + 200_000, 200_000, 1000, "done",
              {"state": "not_needed", "amount": "0", "tx_hash_hex": "00" * 32}))
lost = copy.deepcopy(susp)
lost["last_ms"] = S + 80_000
ok_pair("connection lost after the grace, refund signed",
        ended(dict(lost, running_since=None), "connection_lost", S + 20_000, 20_000, None, "refunding",
              {"state": "signed", "amount": "900", "tx_hash_hex": "ab" * 32}))
ok_pair("server error, refund failed",
        ended(running_at(fresh, S + 1_000), "server_close", S + 1_000, 1_000, 1011, "refunding",
              {"state": "failed", "amount": "995", "tx_hash_hex": "cd" * 32}))
ok_pair("deadline reached, refund confirmed",
        ended(base_record(deadline_ms=S + 50_000, last_ms=S + 60_000), "deadline", S + 50_000, 50_000, 1000, "done",
              {"state": "confirmed", "amount": "750", "tx_hash_hex": "ef" * 32}))
ok_pair("max duration reached",
        ended(base_record(max_session_seconds=10, last_ms=S + 11_000), "max_duration", S + 10_000, 10_000, 1000,
              "settling"))
big = running_at(base_record(replay_key_hex="ab" * MAX_REPLAY_KEY, payment_header="A" * 4096, deadline_ms=S + 3_600_000,
                             generation=2**32 - 1, offer_index=255, x402_version=1, grant_generation=2**32 - 1),
                 S + 999)
big_sealed = ok_pair("the longest replay key and payment header, the largest generations", big)
sol = running_at(base_record(scheme="exact_svm", payer=SOL, replay_key_hex="", payment_header=""), S + 60_000)
ok_pair("a Solana payer, no replay key, no header", sol)
ok_pair("no payer", running_at(base_record(payer=None, scheme="exact_permit2"), S + 1))
huge = running_at(base_record(paid=str(U256_MAX), tariff={"per_second": str(U256_MAX), "per_byte_in": "0",
                                                          "per_byte_out": "0", "per_message": "0"}), S + 999)
ok_pair("amounts near 2^256 - 1", huge)
zero = base_record(paid="0")
ok_pair("a zero prepayment not yet ticked", zero)

# On-chain prepayments (the seed's `payment_proof` with a txHash): the transaction's key and the paid asset.
TX_KEY = "evm:8453:0x" + "11" * 32
NATIVE = dict(scheme="evm_transaction", x402_version=0, offer_index=0, replay_key_hex=TX_KEY.encode().hex(),
              payment_header="native")
onchain_native = running_at(base_record(**NATIVE), S + 4_000)
ok_pair("an on-chain native prepayment", onchain_native)
onchain_token = ended(base_record(**dict(NATIVE, payment_header="0x833589fcd6edb6e08f4c7c32d4f71b54bda02913"),
                                  last_ms=S + 30_000), "client_close", S + 30_000, 30_000, 1000, "refunding",
                      {"state": "planned", "amount": "850", "tx_hash_hex": "00" * 32})
ok_pair("an on-chain token prepayment, its refund planned", onchain_token)
longest_chain = "evm:%d:0x%s" % (2**64 - 1, "ab" * 32)
ok_pair("an on-chain prepayment on the largest chain id (a 91-byte key)",
        running_at(base_record(**dict(NATIVE, replay_key_hex=longest_chain.encode().hex())), S + 1))
ok_pair("an on-chain prepayment without a payer", running_at(base_record(**dict(NATIVE, payer=None)), S + 1))


def chain_err(name, **over):
    r = running_at(base_record(**dict(NATIVE, **over)), S + 1)
    assert not chain_fits(r), name
    open_err("on chain: " + name + ", valid tag", seal(r).hex(), "inconsistent_record")
    seal_err("on chain: " + name, r, "inconsistent_record")


chain_err("an x402 version", x402_version=2)
chain_err("an offer index", offer_index=1)
chain_err("a Solana payer", payer=SOL)
chain_err("uppercase hex in the transaction key", replay_key_hex=("evm:8453:0x" + "AB" * 32).encode().hex())
chain_err("a leading zero in the chain id", replay_key_hex=("evm:08453:0x" + "11" * 32).encode().hex())
chain_err("a chain id of 2^64", replay_key_hex=("evm:%d:0x%s" % (2**64, "11" * 32)).encode().hex())
chain_err("a short transaction hash", replay_key_hex=("evm:8453:0x" + "11" * 31).encode().hex())
chain_err("an x402 replay key", replay_key_hex="65766d3a3131")
chain_err("the asset named ETH", payment_header="ETH")
chain_err("a checksummed token address", payment_header="0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")
chain_err("an x402 payment header", payment_header="eyJ4NDAyVmVyc2lvbiI6Mn0=")

# --- records that do not open ---
fh = first.hex()
open_err("another secret", fh, "record_tampered", OTHER_SECRET)
for off in (0, 1, 8, 24, 40, 188, 327, 426, len(first) - 1):
    b = bytearray(first)
    b[off] ^= 0x01
    open_err("byte %d flipped" % off, b.hex(), "record_tampered")
open_err("the last byte cut", first[:-1].hex(), "record_tampered")
open_err("a byte appended", (first + b"\0").hex(), "record_tampered")
open_err("below the shortest record", first[:457].hex(), "invalid_record_length")
open_err("empty", "", "invalid_record_length")
open_err("above the longest record", (big_sealed + b"\0").hex(), "invalid_record_length")
v1 = bytes([1]) + bytes(187)
open_err("a version 1 record (read it with SessionRecord::decode)", v1.hex(), "unsupported_record_version")
open_err("version 3 under a valid tag", seal(fresh, version=3).hex(), "unsupported_record_version")
bad = copy.deepcopy(mid)
bad["consumed"] = str(int(mid["consumed"]) + 1)
open_err("consumed one above the tariff, valid tag", seal(bad).hex(), "inconsistent_record")
open_err("a reserved flag bit, valid tag", seal(fresh, flags_extra=8).hex(), "inconsistent_record")
open_err("an EVM payer with bytes in the padding, valid tag",
         seal(dict(fresh, payer={"kind": "solana", "hex": "11" * 32}), payer_tag=1).hex(), "inconsistent_record")
open_err("a replay key length beyond the record, valid tag", seal(fresh, replay_len=7).hex(), "inconsistent_record")
open_err("running phase on an ended meter, valid tag",
         seal(dict(ended(running_at(fresh, S + 5_000), "client_close", S + 5_000, 5_000, 1000, "settling"),
                   phase="running")).hex(), "inconsistent_record")
open_err("a refund amount in state none, valid tag",
         seal(dict(fresh, refund={"state": "none", "amount": "5", "tx_hash_hex": "00" * 32})).hex(),
         "inconsistent_record")
open_err("connection_lost with a close code, valid tag",
         seal(ended(dict(lost, running_since=None), "connection_lost", S + 20_000, 20_000, 1000, "refunding")).hex(),
         "inconsistent_record")
open_err("an end before the start, valid tag",
         seal(ended(running_at(fresh, S + 5_000), "client_close", S - 1, 0, 1000, "settling")).hex(),
         "inconsistent_record")
open_err("running since after the last event, valid tag",
         seal(dict(fresh, running_since=S + 1)).hex(), "inconsistent_record")

# --- records that cannot be sealed ---
seal_err("consumed one above the tariff", bad, "inconsistent_record")
seal_err("a replay key of 97 bytes", dict(fresh, replay_key_hex="ab" * 97), "record_field_too_long")
seal_err("a payment header of 4097 bytes", dict(fresh, payment_header="A" * 4097), "record_field_too_long")
seal_err("suspended phase on a running meter", dict(fresh, phase="suspended"), "inconsistent_record")
seal_err("a planned refund with a transaction hash",
         dict(fresh, refund={"state": "planned", "amount": "5", "tx_hash_hex": "01" * 32}), "inconsistent_record")
seal_err("a 16-byte secret", fresh, "invalid_server_secret", bytes(16))


def main():
    doc = {
        "suite": "ws402-record",
        "source": "Python's standard library (hmac, hashlib, struct, base64) over the key labels, the resume token "
                  "and the sealed record v2 layout of tests/conformance/vectors/README.md, with the tariff rule for "
                  "consumed; tests/conformance/peers/ws402/gen_record.py",
        "cases": CASES,
    }
    with open(os.path.join(sys.argv[1], "ws402-record.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
