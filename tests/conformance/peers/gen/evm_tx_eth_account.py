"""eth-account → evm-tx-sign.eth-account.json: signed EIP-1559 (type-2) transactions.

Expected values are what eth-account computes: Account.sign_transaction({type 2, …}, key) gives
raw_transaction and hash; Account.from_key(key).address is the sender. Inputs are independent of
the viem file's (their own sha256 seed), with the same edge cases: zero and maximal integers,
empty and long data, access lists.
"""
from importlib.metadata import version

from eth_account import Account

from det import U256_MAX, Det, write_vectors

PEER = f"eth-account {version('eth-account')}"
SEED = "pay402/peers/eth-account/evm-tx/v1"
det = Det(SEED)
U64_MAX = 2**64 - 1


def sign(tx, pk):
    fields = {
        "type": 2,
        "chainId": tx["chainId"],
        "nonce": int(tx["nonce"]),
        "maxPriorityFeePerGas": int(tx["maxPriorityFeePerGas"]),
        "maxFeePerGas": int(tx["maxFeePerGas"]),
        "gas": int(tx["gas"]),
        "to": bytes.fromhex(tx["to"][2:]),
        "value": int(tx["value"]),
        "data": tx["data"],
        "accessList": [
            {"address": bytes.fromhex(a["address"][2:]), "storageKeys": a["storageKeys"]}
            for a in tx.get("accessList", [])
        ],
    }
    signed = Account.sign_transaction(fields, pk)
    return {
        "raw": "0x" + signed.raw_transaction.hex().removeprefix("0x"),
        "hash": "0x" + signed.hash.hex().removeprefix("0x"),
        "from": Account.from_key(pk).address,
    }


cases = []


def add(name, tx, pk):
    cases.append({"name": name, "op": "evm.tx.sign", "input": {"tx": tx, "private_key_hex": pk},
                  "expect": {"ok": sign(tx, pk)}})


# The published ethereumjs vectors (packages/tx/test/json/eip1559.json, entries 0 and 1), checked
# against eth-account's bytes before they are written.
EJS_KEY = "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63"
EJS = [
    ("819", "75853", "121212", "35552", "43203529",
     "0x02f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e"),
    ("353", "38850", "136295", "32593", "61901619",
     "0x02f86f821e8e8201618297c283021467827f5194000000000000000000000000000000000000aaaa8403b08b3380c001a004205678f13fc1d7b10feea6513dfa76e24418b6e08097d95c6f93a3b64e536da01d45ad61bfece43862de2cce7d2575a8c1d08c26c87f3cb5f26d7b0be54a91b2"),
]
for k, (nonce, tip, fee, gas, value, published) in enumerate(EJS):
    add(f"ethereumjs eip1559.json entry {k}", {
        "chainId": 7822, "nonce": nonce, "maxPriorityFeePerGas": tip, "maxFeePerGas": fee, "gas": gas,
        "to": "0x000000000000000000000000000000000000aaaa", "value": value, "data": "0x"}, EJS_KEY)
    assert cases[-1]["expect"]["ok"]["raw"] == published, f"eth-account differs from the published vector {k}"

KEY = det.private_key(0, "edge/key")
TO = "0x857b06519e91e3a54538791bdbb0e22373e36b66"
base = {"chainId": 8453, "nonce": "0", "maxPriorityFeePerGas": "1", "maxFeePerGas": "10", "gas": "21000",
        "to": TO, "value": "0", "data": "0x"}
add("all zero, empty data", {**base, "maxPriorityFeePerGas": "0", "maxFeePerGas": "0", "gas": "0"}, KEY)
add("max u256 value and fees", {**base, "maxPriorityFeePerGas": str(U256_MAX), "maxFeePerGas": str(U256_MAX),
                                "value": str(U256_MAX)}, KEY)
add("max u64 nonce and gas", {**base, "nonce": str(U64_MAX), "gas": str(U64_MAX)}, KEY)
add("127-byte and 128-byte boundaries", {**base, "value": "127", "gas": "128", "data": "0x7f"}, KEY)
add("300-byte data", {**base, "data": det.hex(1, "edge/data", 300)}, KEY)
add("access list with keys", {**base, "accessList": [
    {"address": "0x036cbd53842c5426634e7929541ec2318f3dcf7e", "storageKeys": [det.hex(2, "edge/k0")]},
    {"address": TO, "storageKeys": []},
]}, KEY)

CHAINS = [1, 10, 56, 137, 8453, 84532, 42161, 11155111, 2**32, 2**53 - 1]
for i in range(64):
    pk = det.private_key(i, "rand/key")
    fee = det.u256(i, "rand/fee") if det.below(i, "rand/feekind", 6) else U256_MAX
    tip = fee if det.below(i, "rand/tipkind", 8) == 0 else (det.big(i, "rand/tip", 256) % (fee + 1))
    data_len = det.pick(i, "rand/datalen", [0, 1, 4, 55, 56, 68, 228, 292, 356, 700])
    tx = {
        "chainId": det.pick(i, "rand/chain", CHAINS) if det.below(i, "rand/ck", 2) else 1 + det.below(i, "rand/cs", 10**6),
        "nonce": str(det.big(i, "rand/nonce", det.pick(i, "rand/nbits", [0, 8, 32, 64]))),
        "maxPriorityFeePerGas": str(tip),
        "maxFeePerGas": str(fee),
        "gas": str(det.big(i, "rand/gas", det.pick(i, "rand/gbits", [15, 21, 30, 64]))),
        "to": det.hex(i, "rand/to", 20),
        "value": str(det.u256(i, "rand/value")),
        "data": "0x" if data_len == 0 else det.hex(i, "rand/data", data_len),
    }
    n = det.below(i, "rand/al", 4)
    if n:
        tx["accessList"] = [
            {"address": det.hex(i, f"rand/al{a}/addr", 20),
             "storageKeys": [det.hex(i, f"rand/al{a}/k{k}") for k in range(det.below(i, f"rand/al{a}/n", 4))]}
            for a in range(n - 1)
        ]
    add(f"eth-account random #{i}", tx, pk)

write_vectors("evm-tx-sign.eth-account.json", "evm-tx-sign-eth-account",
              f"{PEER}: Account.sign_transaction (type 2) → raw_transaction, hash; Account.from_key(key).address; "
              "the ethereumjs eip1559.json entries 0 and 1 checked byte for byte; "
              f'inputs from sha256 seed "{SEED}"', cases)
