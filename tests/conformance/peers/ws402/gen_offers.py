#!/usr/bin/env python3
"""Writes tests/conformance/vectors/offers.json: op `offers.decode` (tests/conformance/vectors/README.md) over every dialect of
the Fewsats offers spec (https://github.com/l402-protocol/l402 README) and the go-example's shapes.

The expected values are typed by hand from the spec text (not computed by any decoder): the
body text and its expectation sit side by side in each case. Error codes are pay402's
(core/src/offers/error.rs). Deterministic. Usage: gen_offers.py OUTDIR
"""
import json
import os
import sys

CASES = []


def ok(name, body, expect):
    CASES.append({"name": name, "op": "offers.decode", "input": {"body": body}, "expect": {"ok": expect}})


def err(name, body, code):
    CASES.append({"name": name, "op": "offers.decode", "input": {"body": body}, "expect": {"error": code}})


def offer(id, title, desc, amount, currency, type, methods, balance=None, duration=None):
    o = {"id": id, "title": title, "description": desc, "amount": amount, "currency": currency, "type": type}
    if balance is not None:
        o["balance"] = balance
    if duration is not None:
        o["duration"] = duration
    o["payment_methods"] = methods
    return o


# --- l402-protocol/l402 README, 402 body: the spec README body (v0.2.2) ---
ok("spec README body with top-up and subscription offers", """{
  "version": "0.2.2",
  "payment_request_url": "https://api.example.com/l402/payment-request",
  "payment_context_token": "pct_abc123xyz",
  "offers": [
    { "id": "offer_12345", "title": "1 Credit Package", "description": "Purchase 1 credit for API access",
      "type": "top-up", "balance": 1, "amount": 100, "currency": "USD",
      "payment_methods": ["lightning", "onchain"] },
    { "id": "offer_67890", "title": "Monthly subscription", "description": "Unlimited access for a month",
      "type": "subscription", "duration": "1 month", "amount": 1500, "currency": "EUR",
      "payment_methods": ["credit_card", "lightning", "onchain"] }
  ],
  "terms_url": "https://example.com/terms",
  "metadata": { "resource_id": "res_1", "client_note": "ignored" }
}""", {
    "version": "0.2.2",
    "payment_request_url": "https://api.example.com/l402/payment-request",
    "payment_context_token": "pct_abc123xyz",
    "offers": [
        offer("offer_12345", "1 Credit Package", "Purchase 1 credit for API access", 100, "USD", "top-up",
              ["lightning", "onchain"], balance=1),
        offer("offer_67890", "Monthly subscription", "Unlimited access for a month", 1500, "EUR",
              "subscription", ["credit_card", "lightning", "onchain"], duration="1 month"),
    ],
    "terms_url": "https://example.com/terms",
})

# --- l402-protocol/go-example: the go-example gateway's L402Response ---
GO_BODY = """{"version":"0.2.2","payment_request_url":"http://localhost:8081/payment-request","payment_context_token":"demo-token-123","offer":[{"id":"offer_0001","title":"Pro","description":"10 credits for all the datasets","type":"top-up","balance":0,"amount":10,"currency":"USD","payment_methods":["lightning","fake-pay"]},{"id":"offer_0002","title":"Dataset purchase","description":"Unlimited access to a specific dataset","type":"one-time","balance":0,"amount":100,"currency":"USD","payment_methods":["lightning","onchain","fake-pay"]},{"id":"offer_0003","title":"Unlimited","description":"Unlimited access to all the datasets","type":"subscription","balance":0,"amount":500,"currency":"USD","payment_methods":["lightning","onchain","credit_card","fake-pay"]}],"terms_url":""}"""
GO_EXPECT = {
    "version": "0.2.2",
    "payment_request_url": "http://localhost:8081/payment-request",
    "payment_context_token": "demo-token-123",
    "offers": [
        offer("offer_0001", "Pro", "10 credits for all the datasets", 10, "USD", "top-up", ["lightning", "fake-pay"]),
        offer("offer_0002", "Dataset purchase", "Unlimited access to a specific dataset", 100, "USD", "one-time",
              ["lightning", "onchain", "fake-pay"]),
        offer("offer_0003", "Unlimited", "Unlimited access to all the datasets", 500, "USD", "subscription",
              ["lightning", "onchain", "credit_card", "fake-pay"]),
    ],
    "terms_url": None,
}
ok("go-example body: key offer, Go zero values balance 0 and terms_url empty are absent", GO_BODY, GO_EXPECT)

# --- Fewsats offers field names: stock.l402.org / Fewsats API dialect ---
ok("stock.l402.org dialect: offer_id and version 0.2.1", """{"version":"0.2.1",
 "payment_request_url":"https://stock.l402.org/l402/payment-request","payment_context_token":"5a3b1c",
 "offers":[{"offer_id":"offer_c668e0c0","title":"1 Credit Package","description":"Purchase 1 credit for API access",
 "type":"top-up","balance":1,"amount":1,"currency":"USD","payment_methods":["lightning"]}]}""", {
    "version": "0.2.1", "payment_request_url": "https://stock.l402.org/l402/payment-request",
    "payment_context_token": "5a3b1c",
    "offers": [offer("offer_c668e0c0", "1 Credit Package", "Purchase 1 credit for API access", 1, "USD", "top-up",
                     ["lightning"], balance=1)],
    "terms_url": None,
})
ok("Fewsats create_offers default type one-off is kept as given", """{"version":"0.2.2",
 "payment_request_url":"https://api.fewsats.com/v0/l402/payment-request","payment_context_token":"pct_1",
 "offers":[{"offer_id":"ofr_1","title":"Report","description":"One report","type":"one-off","amount":99,
 "currency":"USD","payment_methods":["lightning","stripe"]}]}""", {
    "version": "0.2.2", "payment_request_url": "https://api.fewsats.com/v0/l402/payment-request",
    "payment_context_token": "pct_1",
    "offers": [offer("ofr_1", "Report", "One report", 99, "USD", "one-off", ["lightning", "stripe"])],
    "terms_url": None,
})
ok("v0.2 dialect: type one-time-payment (kept as given) and credits", """{"version":"0.2","payment_request_url":"https://x/pr",
 "payment_context_token":"u1","offers":[{"offer_id":"o1","title":"Credits","description":"5 credits",
 "type":"one-time-payment","credits":5,"amount":500,"currency":"USD","payment_methods":["lightning"]}]}""", {
    "version": "0.2", "payment_request_url": "https://x/pr", "payment_context_token": "u1",
    "offers": [offer("o1", "Credits", "5 credits", 500, "USD", "one-time-payment", ["lightning"], balance=5)],
    "terms_url": None,
})
ok("v1.0 draft payment_methods objects give their payment_type", """{"version":"1.0",
 "payment_request_url":"https://x/pr","payment_context_token":"t","offers":[{"id":"o","title":"T","description":"D",
 "type":"one-time","amount":1,"currency":"USD","payment_methods":[{"payment_type":"lightning",
 "payment_details":{"invoice":"lnbc1","qr_code_url":"https://x/qr"}},{"payment_type":"credit_card",
 "payment_details":{"payment_link":"https://x/pay"}}]}],"expiry":"2024-11-20T00:00:00Z"}""", {
    "version": "1.0", "payment_request_url": "https://x/pr", "payment_context_token": "t",
    "offers": [offer("o", "T", "D", 1, "USD", "one-time", ["lightning", "credit_card"])],
    "terms_url": None,
})

BASE = '"version":"0.2.2","payment_request_url":"https://x/pr","payment_context_token":"pct"'
BASE_EXPECT = {"version": "0.2.2", "payment_request_url": "https://x/pr", "payment_context_token": "pct"}


def body(offers, extra=""):
    return "{" + BASE + ',"offers":[' + offers + "]" + extra + "}"


def one(o, terms=None):
    e = dict(BASE_EXPECT)
    e["offers"] = [o]
    e["terms_url"] = terms
    return e


O = '"id":"o1","title":"T","description":"D","type":"one-time","currency":"USD","payment_methods":["lightning"]'
ok("amount as a decimal string", body("{" + O + ',"amount":"250"}'),
   one(offer("o1", "T", "D", 250, "USD", "one-time", ["lightning"])))
ok("amount above 2^64 stays exact", body("{" + O + ',"amount":123456789012345678901234567890}'),
   one(offer("o1", "T", "D", 123456789012345678901234567890, "USD", "one-time", ["lightning"])))
ok("null members count as absent", body('{"id":"o1","title":null,"description":null,"type":"one-time","amount":5,'
                                        '"currency":"USD","balance":null,"duration":null,"payment_methods":["lightning"]}',
                                        ',"terms_url":null'),
   one(offer("o1", None, None, 5, "USD", "one-time", ["lightning"])))
ok("empty title and description are absent (Go zero values)",
   body('{"id":"o1","title":"","description":"","type":"top-up","amount":5,"currency":"USD","balance":3,"payment_methods":[]}'),
   one(offer("o1", None, None, 5, "USD", "top-up", [], balance=3)))
ok("missing payment_methods reads as an empty list",
   body('{"id":"o1","title":"T","description":"D","type":"subscription","duration":"30 days","amount":5,"currency":"USD"}'),
   one(offer("o1", "T", "D", 5, "USD", "subscription", [], duration="30 days")))
ok("empty payment method names are skipped (Go zero values)",
   body('{"id":"o1","title":"T","description":"D","type":"one-time","amount":5,"currency":"USD","payment_methods":["","onchain"]}'),
   one(offer("o1", "T", "D", 5, "USD", "one-time", ["onchain"])))
ok("unknown members at every level are ignored",
   body('{"id":"o1","title":"T","description":"D","type":"one-time","amount":5,"currency":"USD","payment_methods":["lightning"],"x":{"y":[1,2]}}',
        ',"metadata":{"resource_id":"r"},"expiry":"2025-01-01T00:00:00Z","terms_url":"https://x/terms"'),
   one(offer("o1", "T", "D", 5, "USD", "one-time", ["lightning"]), "https://x/terms"))
ok("offers wins over offer when both are present",
   "{" + BASE + ',"offers":[{' + O + ',"amount":1}],"offer":[{"id":"other","type":"one-time","amount":2,"currency":"USD"}]}',
   one(offer("o1", "T", "D", 1, "USD", "one-time", ["lightning"])))
ok("id wins over offer_id when both are present",
   body('{"id":"a","offer_id":"b","type":"one-time","amount":1,"currency":"USD","title":"T","description":"D","payment_methods":["lightning"]}'),
   one(offer("a", "T", "D", 1, "USD", "one-time", ["lightning"])))
ok("escaped strings are decoded",
   body('{"id":"o\\u0031","title":"Caf\\u00e9 \\"Pro\\"","description":"line\\nbreak","type":"one-time","amount":1,"currency":"EUR","payment_methods":["lightning"]}'),
   one(offer("o1", 'Café "Pro"', "line\nbreak", 1, "EUR", "one-time", ["lightning"])))
ok("sixteen offers fit", body(",".join('{"id":"o%d","type":"top-up","balance":1,"amount":%d,"currency":"USD"}' % (i, i + 1)
                                       for i in range(16))),
   dict(BASE_EXPECT, offers=[offer("o%d" % i, None, None, i + 1, "USD", "top-up", [], balance=1) for i in range(16)],
        terms_url=None))
ok("a zero balance on a one-time offer is absent",
   body('{"id":"o1","title":"T","description":"D","type":"one-time","balance":0,"amount":5,"currency":"USD","payment_methods":["lightning"]}'),
   one(offer("o1", "T", "D", 5, "USD", "one-time", ["lightning"])))

# An offer type the decoder does not know is kept as given, never an error: a client must still
# read a 402 whose server added a new kind of offer (it may pick another offer, or show this one).
ok("unknown offer type is kept as given",
   body('{"id":"o1","type":"lifetime","amount":1,"currency":"USD"}'),
   one(offer("o1", None, None, 1, "USD", "lifetime", [])))
ok("unknown offer type pay-per-call beside a known one keeps both offers",
   body('{"id":"call","title":"One call","type":"pay-per-call","amount":2,"currency":"USD","payment_methods":["lightning"]},'
        '{"id":"pack","title":"Ten calls","type":"top-up","balance":10,"amount":15,"currency":"USD","payment_methods":["lightning"]}'),
   dict(BASE_EXPECT, offers=[offer("call", "One call", None, 2, "USD", "pay-per-call", ["lightning"]),
                             offer("pack", "Ten calls", None, 15, "USD", "top-up", ["lightning"], balance=10)],
        terms_url=None))
ok("offer type case and spelling are kept as given",
   body('{"id":"o1","type":"Top-Up","balance":2,"amount":3,"currency":"USD"}'),
   one(offer("o1", None, None, 3, "USD", "Top-Up", [], balance=2)))

# --- refusals ---
err("offer type is a number", body('{"id":"o1","type":1,"amount":1,"currency":"USD"}'), "wrong_type")
err("offer type missing", body('{"id":"o1","amount":1,"currency":"USD"}'), "missing_field")
err("offer type empty (Go zero value)", body('{"id":"o1","type":"","amount":1,"currency":"USD"}'), "missing_field")
err("no offers member", "{" + BASE + "}", "no_offers")
err("empty offers array", body(""), "no_offers")
err("offers is not an array", "{" + BASE + ',"offers":{"id":"o1"}}', "wrong_type")
err("offer is not an object", body('"o1"'), "not_an_object")
err("offer id missing", body('{"type":"one-time","amount":1,"currency":"USD"}'), "missing_field")
err("offer id empty (Go zero value)", body('{"id":"","type":"one-time","amount":1,"currency":"USD"}'), "missing_field")
err("offer id is a number", body('{"id":7,"type":"one-time","amount":1,"currency":"USD"}'), "wrong_type")
err("amount zero (Go zero value) is missing", body('{"id":"o","type":"one-time","amount":0,"currency":"USD"}'), "missing_field")
err("amount missing", body('{"id":"o","type":"one-time","currency":"USD"}'), "missing_field")
err("fractional amount is refused (smallest unit)", body('{"id":"o","type":"one-time","amount":1.5,"currency":"USD"}'), "invalid_value")
err("exponent amount is refused", body('{"id":"o","type":"one-time","amount":1e2,"currency":"USD"}'), "invalid_value")
err("negative amount is refused", body('{"id":"o","type":"one-time","amount":-1,"currency":"USD"}'), "invalid_value")
err("non-numeric amount string", body('{"id":"o","type":"one-time","amount":"ten","currency":"USD"}'), "invalid_value")
err("amount above 2^256-1", body('{"id":"o","type":"one-time","amount":%d,"currency":"USD"}' % 2**256), "invalid_value")
err("amount is a boolean", body('{"id":"o","type":"one-time","amount":true,"currency":"USD"}'), "wrong_type")
err("fractional balance", body('{"id":"o","type":"top-up","balance":0.5,"amount":1,"currency":"USD"}'), "invalid_value")
err("currency missing", body('{"id":"o","type":"one-time","amount":1}'), "missing_field")
err("payment_methods not an array", body('{"id":"o","type":"one-time","amount":1,"currency":"USD","payment_methods":"lightning"}'), "wrong_type")
err("payment method is a number", body('{"id":"o","type":"one-time","amount":1,"currency":"USD","payment_methods":[1]}'), "wrong_type")
err("nine payment methods exceed the capacity",
    body('{"id":"o","type":"one-time","amount":1,"currency":"USD","payment_methods":[%s]}' % ",".join('"m%d"' % i for i in range(9))),
    "too_many")
err("seventeen offers exceed the capacity",
    body(",".join('{"id":"o%d","type":"one-time","amount":1,"currency":"USD"}' % i for i in range(17))), "too_many")
err("version missing", '{"payment_request_url":"https://x/pr","payment_context_token":"pct","offers":[{"id":"o","type":"one-time","amount":1,"currency":"USD"}]}', "missing_field")
err("payment_request_url empty (Go zero value)", '{"version":"0.2.2","payment_request_url":"","payment_context_token":"pct","offers":[{"id":"o","type":"one-time","amount":1,"currency":"USD"}]}', "missing_field")
err("payment_context_token missing", '{"version":"0.2.2","payment_request_url":"https://x/pr","offers":[{"id":"o","type":"one-time","amount":1,"currency":"USD"}]}', "missing_field")
err("terms_url is a number", body('{"id":"o","type":"one-time","amount":1,"currency":"USD"}', ',"terms_url":1'), "wrong_type")
err("not JSON", "<html>Payment Required</html>", "invalid_json")
err("duplicate keys are refused", '{"version":"0.2.2","version":"0.2.1"}', "invalid_json")
err("root is an array", "[]", "not_an_object")
err("trailing garbage", body('{"id":"o","type":"one-time","amount":1,"currency":"USD"}') + "x", "invalid_json")


def main():
    doc = {
        "suite": "offers",
        "source": "the l402-protocol/l402 README body and the go-example, stock.l402.org and Fewsats API dialects; "
                  "expected values typed by hand from the spec text in "
                  "tests/conformance/peers/ws402/gen_offers.py; error codes are pay402's",
        "cases": CASES,
    }
    with open(os.path.join(sys.argv[1], "offers.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
