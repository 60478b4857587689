#!/usr/bin/env python3
"""Builds tests/conformance/vectors/server-admit.json from peer-generated x402.verify vectors.

Each case turns a peer case (requirements, payment header, now, the peer's verdict) into a
server: one offer configured from the requirements, the payment sent as a real client sends it
(`PAYMENT-SIGNATURE` for v2, `X-PAYMENT` for v1). Expected outputs are computed here, from the
x402 specifications and the peers' verdicts, not from pay402:
- admitted: payer and signed amount as the peer reported / as signed; replay key = chain id
  (8 bytes big-endian) || token (Permit2: the Permit2 contract) || payer || nonce (32 bytes),
  ttl = validBefore (Permit2: deadline) + 6 + 1 - now; Solana: SHA-256 of the wire transaction,
  ttl = max(maxTimeoutSeconds, 120) + 6 + 1;
- refused: status 402, the peer's error code, and the challenge with that code as `error`:
  `PAYMENT-REQUIRED` = base64 of the v2 PaymentRequired JSON and the v1 body (x402 v1/v2 HTTP
  transports), written here with json.dumps. The body also says why: `error` (the code),
  `errorDetail` (the detail code, where the case knows one) and `errorMessage`, free text that
  is not pinned: `"body_message": true` asks that the body carry a non-empty string
  `errorMessage`, which runners remove before comparing the rest of the body exactly. Without
  v1 offers the body is that problem alone, `{"error", "errorDetail"?}`.
Usage: python3 tests/conformance/peers/gen/server_admit.py [OUT_DIR]
(default OUT_DIR: tests/conformance/vectors; tests/conformance/peers/regenerate.sh passes a
temporary folder and compares).
"""
import base64
import hashlib
import json
import os
import sys

V = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "vectors") + "/"
OUT = sys.argv[1] if len(sys.argv) > 1 else V.rstrip("/")
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
SLACK = 6
# The reference SDKs' EVM_NETWORK_CHAIN_ID_MAP (coinbase/x402 typescript/packages/mechanisms/evm/src/v1/index.ts)
# and the names x402-rs adds (x402-rs crates/x402-types/src/networks.rs).
V1_NAMES = {
    "ethereum": 1, "sepolia": 11155111, "abstract": 2741, "abstract-testnet": 11124, "base-sepolia": 84532,
    "base": 8453, "peaq": 3338, "avalanche-fuji": 43113, "avalanche": 43114, "iotex": 4689, "sei": 1329,
    "sei-testnet": 1328, "polygon": 137, "polygon-amoy": 80002, "story": 1514, "educhain": 41923,
    "skale-base-sepolia": 324705682, "megaeth": 4326, "monad": 143, "stable": 988, "stable-testnet": 2201,
    "xdc": 50, "xrpl-evm": 1440000, "celo": 42220, "celo-sepolia": 11142220, "radius": 723487,
    "radius-testnet": 72344,
}
SOLANA = {"solana-devnet": "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
          "solana": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"}
RESOURCE = {"url": "https://api.example.com/premium-data", "description": "Access to premium market data",
            "mime_type": "application/json"}


def dumps(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def offer_of(req):
    extra = req.get("extra") or {}
    net = req["network"]
    known = net in V1_NAMES or net in SOLANA or net in SOLANA.values() or (
        net.startswith("eip155:") and net[7:].isdigit() and not net[7:].startswith("0"))
    if not known or int(req.get("amount", req.get("maxAmountRequired", "0")) or 0) == 0:
        return None  # a server refuses such an offer at configuration (unknown_network, invalid_amount)
    o = {"scheme": req["scheme"], "network": req["network"], "asset": req["asset"],
         "amount": req.get("amount", req.get("maxAmountRequired")), "pay_to": req["payTo"],
         "max_timeout_seconds": req["maxTimeoutSeconds"]}
    if req["network"].startswith("solana"):
        if set(extra) != {"feePayer"} or req["scheme"] != "exact":  # only `exact` on Solana
            return None
        o["fee_payer"] = extra["feePayer"]
    elif req["scheme"] == "upto":
        if set(extra) != {"facilitatorAddress"}:
            return None
        o["facilitator"] = extra["facilitatorAddress"]
    elif extra.get("assetTransferMethod") == "permit2":
        if set(extra) != {"assetTransferMethod"}:
            return None
        o["transfer_method"] = "permit2"
    else:
        if set(extra) != {"name", "version"} or not extra["name"] or not extra["version"]:
            return None
        o["eip712_name"], o["eip712_version"] = extra["name"], extra["version"]
    return o


def v2_entry(o):
    net = o["network"]
    if net in SOLANA:
        net = SOLANA[net]
    elif ":" not in net:
        net = "eip155:%d" % V1_NAMES[net]
    if "fee_payer" in o:
        extra = {"feePayer": o["fee_payer"]}
    elif "facilitator" in o:
        extra = {"facilitatorAddress": o["facilitator"]}
    elif o.get("transfer_method") == "permit2":
        extra = {"assetTransferMethod": "permit2"}
    else:
        extra = {"name": o["eip712_name"], "version": o["eip712_version"]}
    return {"scheme": o["scheme"], "network": net, "amount": o["amount"], "asset": o["asset"],
            "payTo": o["pay_to"], "maxTimeoutSeconds": o["max_timeout_seconds"], "extra": extra}


def v1_name(o):
    """The v1 network name when the offer is sold in v1 (exact EIP-3009 or Solana), else None."""
    if o["scheme"] != "exact" or o.get("transfer_method") == "permit2":
        return None
    net = o["network"]
    if ":" not in net:
        return net
    for name, caip in SOLANA.items():
        if caip == net:
            return name
    for name, chain in V1_NAMES.items():
        if net == "eip155:%d" % chain:
            return name
    return None


def challenge(offers, resource, code, detail=None):
    required = {"x402Version": 2, "error": code,
                "resource": {"url": resource["url"], "description": resource["description"],
                             "mimeType": resource["mime_type"]},
                "accepts": [v2_entry(o) for o in offers]}
    accepts = []
    for o in offers:
        name = v1_name(o)
        if name is None:
            continue
        e = v2_entry(o)
        accepts.append({"scheme": o["scheme"], "network": name, "maxAmountRequired": o["amount"],
                        "asset": o["asset"], "payTo": o["pay_to"], "resource": resource["url"],
                        "description": resource["description"], "mimeType": resource["mime_type"],
                        "maxTimeoutSeconds": o["max_timeout_seconds"], "extra": e["extra"]})
    # The problem: the code, the detail code when there is one (errorMessage is checked apart).
    problem = {"error": code}
    if detail:
        problem["errorDetail"] = detail
    # Without v1 offers the body is the problem alone (the header is the 402 signal).
    body = dict({"x402Version": 1}, **problem, accepts=accepts) if accepts else problem
    return [["PAYMENT-REQUIRED", b64(dumps(required))]], body


def refusal(offers, resource, code, detail=None):
    """The expected outcome of a refused request."""
    headers, body = challenge(offers, resource, code, detail)
    e = {"admitted": False, "status": 402, "code": code, "headers": headers, "body": body, "body_message": True}
    if detail:
        e["detail_code"] = detail
    return e


def replay(payment, o, now):
    p = payment["payload"]
    if "transaction" in p:
        tx = base64.b64decode(p["transaction"])
        return "0x" + hashlib.sha256(tx).hexdigest(), max(o["max_timeout_seconds"], 120) + SLACK + 1
    net = v2_entry(o)["network"]
    chain = int(net.split(":")[1])
    if "permit2Authorization" in p:
        a = p["permit2Authorization"]
        token, payer, nonce, before = PERMIT2, a["from"], int(a["nonce"], 0), int(a["deadline"])
        nonce_bytes = nonce.to_bytes(32, "big")
    else:
        a = p["authorization"]
        token, payer, before = o["asset"], a["from"], int(a["validBefore"])
        nonce_bytes = bytes.fromhex(a["nonce"][2:])
    key = chain.to_bytes(8, "big") + bytes.fromhex(token[2:]) + bytes.fromhex(payer[2:]) + nonce_bytes
    return "0x" + key.hex(), max(1, before + SLACK + 1 - now)


def signed_amount(payment, peer_ok):
    p = payment["payload"]
    if "permit2Authorization" in p:
        return p["permit2Authorization"]["permitted"]["amount"]
    if "authorization" in p:
        return p["authorization"]["value"]
    return peer_ok["amount"]


# secp256k1's group order n (SEC 2 v2 §2.4.1); EIP-2 allows s up to n/2 only.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def evm_signature_detail(signature):
    """Why an EIP-3009 signature the peer refused is bad, read off its bytes: not 65 bytes
    (r || s || v), v not 27/28, s above n/2 (EIP-2), else well formed yet refused, so it
    recovers another signer than `from`."""
    sig = bytes.fromhex(signature[2:])
    if len(sig) != 65:
        return "signature_length"
    if sig[64] not in (27, 28):
        return "signature_v"
    if int.from_bytes(sig[32:64], "big") > SECP256K1_N // 2:
        return "signature_high_s"
    return "signature_wrong_signer"


def svm_decode_detail(transaction):
    """Why a Solana wire transaction does not decode (Solana docs, "Transactions": compact-u16
    signature count, signatures, message: optional version prefix, 3-byte header, account keys,
    recent blockhash, instructions of program index, account indexes and data): it ends early,
    or an instruction names an account beyond the static keys (lookup tables cannot be resolved
    offline). None when it decodes."""
    wire = base64.b64decode(transaction)
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(wire):
            raise EOFError
        pos += n
        return wire[pos - n:pos]

    def compact_u16():
        value = 0
        for i in range(3):
            byte = take(1)[0]
            value |= (byte & 0x7F) << (7 * i)
            if byte < 0x80:
                return value
        return value

    try:
        take(64 * compact_u16())
        if take(1)[0] & 0x80 == 0:
            pos -= 1  # legacy message: that byte was the header's first
        take(3)
        keys = compact_u16()
        take(32 * keys)
        take(32)
        for _ in range(compact_u16()):
            program = take(1)[0]
            accounts = take(compact_u16())
            take(compact_u16())
            if program >= keys or any(a >= keys for a in accounts):
                return "transaction_index_out_of_range"
    except EOFError:
        return "transaction_truncated"
    return None


def detail_of(code, payment):
    """The detail code of a refusal, where the payment itself shows the cause."""
    p = payment.get("payload") or {}
    if code == "invalid_exact_evm_signature" and isinstance(p.get("signature"), str):
        return evm_signature_detail(p["signature"])
    if code == "invalid_exact_svm_payload_transaction_could_not_be_decoded":
        return svm_decode_detail(p["transaction"])
    return None


def convert(case, source):
    inp = case["input"]
    if set(inp) - {"requirements", "payment", "now", "facilitator"} or "settle_amount" in inp:
        return None
    req = inp["requirements"]
    o = offer_of(req)
    if o is None:
        return None
    # A server's upto offer names its facilitator: the verifier runs with that one.
    if inp.get("facilitator") != o.get("facilitator"):
        return None
    try:
        payment = json.loads(base64.b64decode(inp["payment"], validate=True))
    except ValueError:
        return None  # the undecodable headers stay in x402-verify; admission reports them the same way
    if not isinstance(payment, dict):
        return None
    req_version = 1 if "maxAmountRequired" in req else 2
    if payment.get("x402Version") != req_version:
        return None
    # The offer must be the one the payment names, else the server answers no_matching_offer.
    named = payment.get("accepted", payment) if req_version == 2 else payment
    if named.get("scheme") != req["scheme"] or named.get("network") != req["network"]:
        return None
    resource = RESOURCE
    if req_version == 1:
        resource = {"url": req["resource"], "description": req["description"],
                    "mime_type": req.get("mimeType")}
    name = "PAYMENT-SIGNATURE" if req_version == 2 else "X-PAYMENT"
    now = inp.get("now", 0)
    out = {"name": "%s: %s" % (source, case["name"]), "op": "server.admit",
           "input": {"offers": [o], "resource": resource, "headers": [[name, inp["payment"]]],
                     "now": now, "reserved": []}}
    if "ok" in case["expect"]:
        key, ttl = replay(payment, o, now)
        out["expect"] = {"ok": {"admitted": True, "offer_index": 0, "x402Version": req_version,
                                "payer": case["expect"]["ok"]["payer"],
                                "amount": signed_amount(payment, case["expect"]["ok"]),
                                "replay_key": key, "ttl": ttl}}
        return out, key
    code = case["expect"]["error"]
    if code == "*":
        return None
    out["expect"] = {"ok": refusal([o], resource, code, detail_of(code, payment))}
    return out, None


# The x402 v2 specification's PAYMENT-SIGNATURE example and the v1 transport's X-PAYMENT example.
SPEC_V2 = {"x402Version": 2, "resource": {"url": "https://api.example.com/premium-data", "description": "Access to premium market data", "mimeType": "application/json"}, "accepted": {"scheme": "exact", "network": "eip155:84532", "amount": "10000", "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"}}, "payload": {"signature": "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c", "authorization": {"from": "0x857b06519E91e3A54538791bDbb0E22373e36b66", "to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", "value": "10000", "validAfter": "1740672089", "validBefore": "1740672154", "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}
SPEC_V1 = {"x402Version": 1, "scheme": "exact", "network": "base-sepolia", "payload": SPEC_V2["payload"]}
SPEC_NOW = 1740672100
SPEC_OFFER = {"scheme": "exact", "network": "eip155:84532", "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
              "amount": "10000", "pay_to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", "max_timeout_seconds": 60,
              "eip712_name": "USDC", "eip712_version": "2"}
UPTO_OFFER = dict(SPEC_OFFER, scheme="upto", facilitator="0x000000000000000000000000000000000000dEaD")
del UPTO_OFFER["eip712_name"], UPTO_OFFER["eip712_version"]
PERMIT2_OFFER = dict(SPEC_OFFER, transfer_method="permit2")
del PERMIT2_OFFER["eip712_name"], PERMIT2_OFFER["eip712_version"]


def spec_cases():
    out = []
    key, ttl = replay(SPEC_V2, SPEC_OFFER, SPEC_NOW)
    payer = "0x857b06519E91e3A54538791bDbb0E22373e36b66"
    v2 = b64(dumps(SPEC_V2))
    v1 = b64(dumps(SPEC_V1))

    def case(name, offers, headers, expect, reserved=()):
        return {"name": "spec: " + name, "op": "server.admit",
                "input": {"offers": offers, "resource": RESOURCE, "headers": headers, "now": SPEC_NOW,
                          "reserved": list(reserved)},
                "expect": {"ok": expect}}

    def refused(offers, code, detail=None):
        return refusal(offers, RESOURCE, code, detail)

    ok = {"admitted": True, "payer": payer.lower(), "amount": "10000", "replay_key": key, "ttl": ttl}
    out.append(case("v2 example admitted", [SPEC_OFFER], [["Payment-Signature", v2]],
                    dict(ok, offer_index=0, x402Version=2)))
    out.append(case("v1 example admitted", [dict(SPEC_OFFER, network="base-sepolia")], [["X-PAYMENT", v1]],
                    dict(ok, offer_index=0, x402Version=1)))
    three = [UPTO_OFFER, PERMIT2_OFFER, SPEC_OFFER]
    out.append(case("the offer the payment names, among three", three, [["PAYMENT-SIGNATURE", v2]],
                    dict(ok, offer_index=2, x402Version=2)))
    out.append(case("no payment header", three, [["Accept", "application/json"]],
                    refused(three, "payment_required")))
    base = [dict(SPEC_OFFER, network="eip155:8453")]
    out.append(case("no offer on the payment's network", base, [["PAYMENT-SIGNATURE", v2]],
                    refused(base, "no_matching_offer", "invalid_network")))
    out.append(case("no offer of the payment's scheme", [UPTO_OFFER], [["PAYMENT-SIGNATURE", v2]],
                    refused([UPTO_OFFER], "no_matching_offer", "unsupported_scheme")))
    out.append(case("v2 payment in X-PAYMENT", [SPEC_OFFER], [["X-PAYMENT", v2]],
                    refused([SPEC_OFFER], "invalid_x402_version")))
    out.append(case("replay key already reserved", [SPEC_OFFER], [["PAYMENT-SIGNATURE", v2]],
                    refused([SPEC_OFFER], "payment_already_used"), reserved=[key]))
    late = [SPEC_OFFER]
    c = case("expired inside the slack", late, [["PAYMENT-SIGNATURE", v2]],
             refused(late, "invalid_exact_evm_payload_authorization_valid_before"))
    c["input"]["now"] = 1740672151
    out.append(c)
    return out


def main():
    cases = []
    picks = [("x402-verify.peers.json", 14, 14), ("x402-verify-permit2.peers.json", 10, 10),
             ("x402-verify-svm.peers.json", 6, 8)]
    replayed = []
    for file, n_ok, n_err in picks:
        ok = err = 0
        for case in json.load(open(V + file))["cases"]:
            if case.get("op") != "x402.verify":
                continue
            r = convert(case, file.split(".")[0])
            if r is None:
                continue
            out, key = r
            admitted = out["expect"]["ok"]["admitted"]
            if admitted and ok < n_ok:
                ok += 1
                cases.append(out)
                if len(replayed) < 3 and file != "x402-verify-svm.peers.json" or (key and len(replayed) < 4):
                    replayed.append((out, key))
            elif not admitted and err < n_err:
                err += 1
                cases.append(out)
    for out, key in replayed:
        again = json.loads(json.dumps(out))
        again["name"] += " (replay key already reserved)"
        again["input"]["reserved"] = [key]
        o = again["input"]["offers"]
        again["expect"] = {"ok": refusal(o, again["input"]["resource"], "payment_already_used")}
        cases.append(again)
    cases += spec_cases()
    doc = {
        "suite": "server-admit",
        "source": "payment headers, requirements, times and verdicts of the peer-generated vectors "
                  "x402-verify.peers.json (@x402/evm 2.27.0), x402-verify-permit2.peers.json (@x402/evm "
                  "2.27.0 Permit2/upto), x402-verify-svm.peers.json (@solana/kit 8.4.0); each peer "
                  "requirement becomes one offer; expected challenge headers/bodies, replay keys and "
                  "ttls computed independently by tests/conformance/peers/gen/server_admit.py (json, "
                  "base64, hashlib) from the x402 v1/v2 HTTP transports and the replay rule of "
                  "tests/conformance/vectors/README.md",
        "cases": cases,
    }
    with open(os.path.join(OUT, "server-admit.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(cases), "cases")


main()
