#!/usr/bin/env python3
"""x402-settle-terms.json: what a facilitator `/settle` body asks for (`x402.settle.terms`).

The reference resource server sends an `upto` settlement to `/settle` with the charge as the
requirements' `amount`; the reference facilitator verifies the payment against the requirements
with the signed maximum (`paymentPayload.payload.permit2Authorization.permitted.amount`) and
settles the charge, refusing a charge above the maximum with
`invalid_upto_evm_payload_settlement_exceeds_amount` (@x402/evm 2.27 `upto/facilitator/permit2.ts`).
Every other scheme settles its requirements as they are (no charge).

The bodies are built here from the committed `x402-settle-calldata.viem.json` (the reference
facilitator's own settlements: payments, requirements and upto charges); the expected requirements
and charges follow from the rule above with Python's `json` and `base64` only.

    python3 tests/conformance/peers/gen/settle_terms.py [out dir]
"""
import base64
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from det import write_vectors  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
calldata = json.load(open(os.path.join(here, "..", "..", "vectors", "x402-settle-calldata.viem.json")))
cases = []


def payload_of(header):
    return json.loads(base64.b64decode(header))


def body(payment, requirements):
    return json.dumps({"x402Version": payment.get("x402Version", 2), "paymentPayload": payment, "paymentRequirements": requirements},
                      separators=(",", ":"))


def add(name, payment, requirements, expect):
    cases.append({"name": name, "op": "x402.settle.terms", "input": {"body": body(payment, requirements)},
                  "expect": expect})


seen = set()
upto_ok = exact_ok = 0
for c in calldata["cases"]:
    inp = c["input"]
    requirements, header = inp["requirements"], inp["payment"]
    if (header, inp.get("settle_amount")) in seen:
        continue
    seen.add((header, inp.get("settle_amount")))
    payment = payload_of(header)
    if requirements["scheme"] == "exact" and "ok" in c["expect"] and exact_ok < 12:
        exact_ok += 1
        # An optional member sent as null is absent (x402 v1 `outputSchema?: object`).
        as_read = {k: v for k, v in requirements.items() if v is not None}
        add(f"exact settles its requirements as sent ({c['name']})", payment, requirements,
            {"ok": {"requirements": as_read, "charge": None}})
    elif requirements["scheme"] == "upto" and "settle_amount" in inp:
        maximum = payment["payload"]["permit2Authorization"]["permitted"]["amount"]
        charge = inp["settle_amount"]
        sent = dict(requirements, amount=charge)
        if int(charge) > int(maximum):
            add(f"upto: a charge above the signed maximum is refused ({c['name']})", payment, sent,
                {"error": "invalid_upto_evm_payload_settlement_exceeds_amount"})
        elif upto_ok < 24:
            upto_ok += 1
            add(f"upto: the charge is the amount sent, verified against the signed maximum ({c['name']})",
                payment, sent, {"ok": {"requirements": dict(requirements, amount=maximum), "charge": charge}})

first_upto = next(c for c in calldata["cases"] if c["input"]["requirements"]["scheme"] == "upto"
                  and "ok" in c["expect"])
# The charge equal to the maximum, and a charge of 0 (the facilitator then settles without a transaction).
payment = payload_of(first_upto["input"]["payment"])
maximum = payment["payload"]["permit2Authorization"]["permitted"]["amount"]
for charge, what in [(maximum, "equal to"), ("0", "zero, below")]:
    add(f"upto: a charge {what} the signed maximum", payment, dict(first_upto["input"]["requirements"], amount=charge),
        {"ok": {"requirements": dict(first_upto["input"]["requirements"], amount=maximum), "charge": charge}})
no_max = copy.deepcopy(payment)
del no_max["payload"]["permit2Authorization"]["permitted"]["amount"]
add("upto with a Permit2 authorization missing its permitted amount", no_max,
    dict(first_upto["input"]["requirements"], amount="1"), {"error": "invalid_payload"})

write_vectors("x402-settle-terms.json", "x402-settle-terms",
              "the reference facilitator's reading of an upto /settle body (@x402/evm 2.27 upto/facilitator/permit2.ts: "
              "verify against the signed maximum, settle the charge, refuse a charge above it); bodies built by "
              "tests/conformance/peers/gen/settle_terms.py from the committed x402-settle-calldata.viem.json", cases)
