#!/usr/bin/env python3
"""Writes tests/conformance/vectors/ws402-message.json: ops `ws402.message.decode` and `ws402.message.encode`
(tests/conformance/vectors/README.md).

The frames of the original WS402 (https://github.com/ws402/ws402 `src/WS402.ts`, the message table and the wire
examples of its README) and pay402's additions (`resume_session`, `session_resumed`, `resume_refused`,
`end_session`, `session_ended`, `resumeToken`), each input frame typed by hand next to the frame expected back
(canonical order: `type`, the original's members in its order, pay402's optional members). Nothing here is
computed by a codec: the expected frames are literals. Error codes are pay402's (core/src/ws402/error.rs and the
JSON field codes). Deterministic. Usage: gen_messages.py OUTDIR
"""
import json
import os
import sys

CASES = []
MAX_SAFE = "9007199254740991"  # 2**53 - 1, Number.MAX_SAFE_INTEGER (ECMAScript 2024 §21.1.2.6)
ABOVE_SAFE = "9007199254740992"
U256_MAX = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
U256_MAX_PLUS_1 = "115792089237316195423570985008687907853269984665640564039457584007913129639936"


def dec(name, frame, type_, canonical):
    CASES.append({"name": name, "op": "ws402.message.decode", "input": {"frame": frame},
                  "expect": {"ok": {"type": type_, "frame": canonical}}})


def dec_err(name, frame, code):
    CASES.append({"name": name, "op": "ws402.message.decode", "input": {"frame": frame},
                  "expect": {"error": code}})


def enc(name, message, frame, amounts=None):
    i = {"message": message}
    if amounts is not None:
        i["amounts"] = amounts
    CASES.append({"name": name, "op": "ws402.message.encode", "input": i, "expect": {"ok": {"frame": frame}}})


def enc_err(name, message, code, amounts=None):
    i = {"message": message}
    if amounts is not None:
        i["amounts"] = amounts
    CASES.append({"name": name, "op": "ws402.message.encode", "input": i, "expect": {"error": code}})


# --- the original's seven messages (README wire examples, src/WS402.ts) ---
dec("seed legacy payment_proof keeps the provider object",
    '{"type":"payment_proof","proof":{"txHash":"0xabc","reference":"base_1731300000000_k3j9x2a1b","senderAddress":"0xdef"}}',
    "payment_proof",
    '{"type":"payment_proof","proof":{"txHash":"0xabc","reference":"base_1731300000000_k3j9x2a1b","senderAddress":"0xdef"}}')
dec("seed legacy payment_proof object is minified",
    '{ "type" : "payment_proof", "proof" : { "signature" : "5xSig", "amount" : 300 } }',
    "payment_proof", '{"type":"payment_proof","proof":{"signature":"5xSig","amount":300}}')
dec("x402 payment_proof is the header string",
    '{"type":"payment_proof","proof":"eyJ4NDAyVmVyc2lvbiI6Mn0="}',
    "payment_proof", '{"type":"payment_proof","proof":"eyJ4NDAyVmVyc2lvbiI6Mn0="}')
dec("payment_rejected", '{"type":"payment_rejected","reason":"Payment verification failed"}',
    "payment_rejected", '{"type":"payment_rejected","reason":"Payment verification failed"}')
dec("seed session_started: numbers become decimal strings",
    '{"type":"session_started","sessionId":"ws402_1731300000000_ab12cd34e","balance":300,"pricePerSecond":1}',
    "session_started",
    '{"type":"session_started","sessionId":"ws402_1731300000000_ab12cd34e","balance":"300","pricePerSecond":"1"}')
dec("seed usage_update: amounts strings, counters numbers",
    '{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42,"messageCount":2}',
    "usage_update",
    '{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":3,"consumedAmount":"3","remainingBalance":"297","bytesTransferred":42,"messageCount":2}')
dec("usage_update members in another order come back in the original's order",
    '{"messageCount":"2","bytesTransferred":"42","remainingBalance":"297","consumedAmount":"3","elapsedSeconds":"3","sessionId":"s","type":"usage_update"}',
    "usage_update",
    '{"type":"usage_update","sessionId":"s","elapsedSeconds":3,"consumedAmount":"3","remainingBalance":"297","bytesTransferred":42,"messageCount":2}')
dec("balance_exhausted with its message", '{"type":"balance_exhausted","message":"Balance exhausted"}',
    "balance_exhausted", '{"type":"balance_exhausted","message":"Balance exhausted"}')
dec("balance_exhausted without a message", '{"type":"balance_exhausted"}',
    "balance_exhausted", '{"type":"balance_exhausted"}')
dec("max_duration_reached", '{"type":"max_duration_reached","message":"Maximum session duration reached"}',
    "max_duration_reached", '{"type":"max_duration_reached","message":"Maximum session duration reached"}')
dec("http_access_granted drops the application's resourceInfo",
    '{"type":"http_access_granted","sessionId":"s","httpToken":"t0k","resourceUrl":"/video/1","message":"HTTP access granted","resourceInfo":{"size":1024}}',
    "http_access_granted",
    '{"type":"http_access_granted","sessionId":"s","httpToken":"t0k","resourceUrl":"/video/1","message":"HTTP access granted"}')
dec("unknown members are ignored", '{"type":"payment_rejected","reason":"expired","code":4001,"extra":[1,2]}',
    "payment_rejected", '{"type":"payment_rejected","reason":"expired"}')
dec("amounts above 2^64 stay exact",
    '{"type":"session_started","sessionId":"s","balance":"%s","pricePerSecond":"18446744073709551616"}' % U256_MAX,
    "session_started",
    '{"type":"session_started","sessionId":"s","balance":"%s","pricePerSecond":"18446744073709551616"}' % U256_MAX)
dec("leading zeros of a string amount are dropped",
    '{"type":"session_started","sessionId":"s","balance":"00300","pricePerSecond":"01"}',
    "session_started", '{"type":"session_started","sessionId":"s","balance":"300","pricePerSecond":"1"}')

# --- pay402's messages ---
dec("session_started with a resume token",
    '{"type":"session_started","sessionId":"s","balance":300,"pricePerSecond":1,"resumeToken":"dG9rZW4"}',
    "session_started",
    '{"type":"session_started","sessionId":"s","balance":"300","pricePerSecond":"1","resumeToken":"dG9rZW4"}')
dec("resume_session", '{"type":"resume_session","sessionId":"s","resumeToken":"dG9rZW4"}',
    "resume_session", '{"type":"resume_session","sessionId":"s","resumeToken":"dG9rZW4"}')
dec("resume_session members reordered", '{"resumeToken":"dG9rZW4","sessionId":"s","type":"resume_session"}',
    "resume_session", '{"type":"resume_session","sessionId":"s","resumeToken":"dG9rZW4"}')
dec("session_resumed", '{"type":"session_resumed","sessionId":"s","balance":300,"consumedAmount":9,"remainingBalance":291}',
    "session_resumed",
    '{"type":"session_resumed","sessionId":"s","balance":"300","consumedAmount":"9","remainingBalance":"291"}')
dec("resume_refused", '{"type":"resume_refused","reason":"resume_window_closed"}',
    "resume_refused", '{"type":"resume_refused","reason":"resume_window_closed"}')
dec("end_session", '{"type":"end_session"}', "end_session", '{"type":"end_session"}')
dec("end_session ignores members", '{"type":"end_session","reason":"done"}', "end_session", '{"type":"end_session"}')
dec("session_ended, the minimal statement",
    '{"type":"session_ended","sessionId":"s","endedBy":"balance_exhausted","paid":300,"consumed":300,"settled":300,"refund":0}',
    "session_ended",
    '{"type":"session_ended","sessionId":"s","endedBy":"balance_exhausted","paid":"300","consumed":"300","settled":"300","refund":"0"}')
dec("session_ended with payer and transactions",
    '{"refundTx":"0x33","settlementTx":"0x22","payer":"0x11","refund":"291","settled":"300","consumed":"9","paid":"300","endedBy":"client_close","sessionId":"s","type":"session_ended"}',
    "session_ended",
    '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"300","consumed":"9","settled":"300","refund":"291","payer":"0x11","settlementTx":"0x22","refundTx":"0x33"}')
dec("session_ended of an upto session: settled is the consumed amount, nothing refunded",
    '{"type":"session_ended","sessionId":"s","endedBy":"connection_lost","paid":"1000","consumed":"412","settled":"412","refund":"0","payer":"0x11"}',
    "session_ended",
    '{"type":"session_ended","sessionId":"s","endedBy":"connection_lost","paid":"1000","consumed":"412","settled":"412","refund":"0","payer":"0x11"}')

# --- refusals ---
dec_err("unknown type", '{"type":"limit_exceeded","message":"x","bytes":1}', "unknown_message_type")
dec_err("type names are case-sensitive", '{"type":"End_Session"}', "unknown_message_type")
dec_err("type missing", '{"sessionId":"s"}', "missing_field")
dec_err("type not a string", '{"type":7}', "wrong_type")
dec_err("not an object", '["resume_session"]', "not_an_object")
dec_err("not JSON", "resume", "invalid_json")
dec_err("empty frame", "", "invalid_json")
dec_err("duplicate members", '{"type":"end_session","type":"end_session"}', "invalid_json")
dec_err("resume_session without a token", '{"type":"resume_session","sessionId":"s"}', "missing_field")
dec_err("resume_session with a null token", '{"type":"resume_session","sessionId":"s","resumeToken":null}',
        "missing_field")
dec_err("resume_session token a number", '{"type":"resume_session","sessionId":"s","resumeToken":1}', "wrong_type")
dec_err("resume_session without a session id", '{"type":"resume_session","resumeToken":"t"}', "missing_field")
dec_err("session_started resume token not a string",
        '{"type":"session_started","sessionId":"s","balance":1,"pricePerSecond":1,"resumeToken":{}}', "wrong_type")
dec_err("session_resumed without remainingBalance",
        '{"type":"session_resumed","sessionId":"s","balance":"1","consumedAmount":"1"}', "missing_field")
dec_err("session_resumed fractional amount",
        '{"type":"session_resumed","sessionId":"s","balance":"1","consumedAmount":1.5,"remainingBalance":"0"}',
        "invalid_value")
dec_err("session_resumed negative amount",
        '{"type":"session_resumed","sessionId":"s","balance":-1,"consumedAmount":"1","remainingBalance":"0"}',
        "invalid_value")
dec_err("session_resumed hex amount",
        '{"type":"session_resumed","sessionId":"s","balance":"0x10","consumedAmount":"1","remainingBalance":"0"}',
        "invalid_value")
dec_err("session_resumed amount in exponent form",
        '{"type":"session_resumed","sessionId":"s","balance":1e3,"consumedAmount":"1","remainingBalance":"0"}',
        "invalid_value")
dec_err("session_resumed amount a boolean",
        '{"type":"session_resumed","sessionId":"s","balance":true,"consumedAmount":"1","remainingBalance":"0"}',
        "wrong_type")
dec_err("resume_refused without a reason", '{"type":"resume_refused"}', "missing_field")
dec_err("resume_refused reason an array", '{"type":"resume_refused","reason":["x"]}', "wrong_type")
dec_err("session_ended without refund",
        '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"2","consumed":"1","settled":"2"}',
        "missing_field")
dec_err("session_ended without endedBy",
        '{"type":"session_ended","sessionId":"s","paid":"2","consumed":"1","settled":"2","refund":"1"}',
        "missing_field")
dec_err("session_ended paid above 2^256 - 1",
        '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"%s","consumed":"1","settled":"2","refund":"1"}'
        % U256_MAX_PLUS_1, "invalid_value")
dec_err("session_ended refundTx a number",
        '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"2","consumed":"1","settled":"2","refund":"1","refundTx":5}',
        "wrong_type")
dec_err("session_ended payer an object",
        '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"2","consumed":"1","settled":"2","refund":"1","payer":{}}',
        "wrong_type")
dec_err("trailing garbage after the frame", '{"type":"end_session"}x', "invalid_json")

# --- encode: string amounts (default) and numbers when safe ---
enc("seed session_started with number_when_safe is the seed's own frame",
    {"type": "session_started", "sessionId": "ws402_1731300000000_ab12cd34e", "balance": "300", "pricePerSecond": "1"},
    '{"type":"session_started","sessionId":"ws402_1731300000000_ab12cd34e","balance":300,"pricePerSecond":1}',
    "number_when_safe")
enc("seed usage_update with number_when_safe is the seed's own frame",
    {"type": "usage_update", "sessionId": "ws402_…", "elapsedSeconds": 3, "consumedAmount": 3,
     "remainingBalance": 297, "bytesTransferred": 42, "messageCount": 2},
    '{"type":"usage_update","sessionId":"ws402_…","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42,"messageCount":2}',
    "number_when_safe")
enc("default encoding writes strings",
    {"type": "session_started", "sessionId": "s", "balance": 300, "pricePerSecond": 1},
    '{"type":"session_started","sessionId":"s","balance":"300","pricePerSecond":"1"}')
enc("explicit string encoding",
    {"type": "session_resumed", "sessionId": "s", "balance": 300, "consumedAmount": 9, "remainingBalance": 291},
    '{"type":"session_resumed","sessionId":"s","balance":"300","consumedAmount":"9","remainingBalance":"291"}',
    "string")
enc("2^53 - 1 is a number, 2^53 a string",
    {"type": "session_resumed", "sessionId": "s", "balance": ABOVE_SAFE, "consumedAmount": MAX_SAFE,
     "remainingBalance": "1"},
    '{"type":"session_resumed","sessionId":"s","balance":"%s","consumedAmount":%s,"remainingBalance":1}'
    % (ABOVE_SAFE, MAX_SAFE), "number_when_safe")
enc("zero is the number 0",
    {"type": "session_ended", "sessionId": "s", "endedBy": "balance_exhausted", "paid": "300", "consumed": "300",
     "settled": "300", "refund": "0"},
    '{"type":"session_ended","sessionId":"s","endedBy":"balance_exhausted","paid":300,"consumed":300,"settled":300,"refund":0}',
    "number_when_safe")
enc("a statement in wei: large amounts stay strings",
    {"type": "session_ended", "sessionId": "s", "endedBy": "client_close", "paid": "1000000000000000000",
     "consumed": "250000000000000000", "settled": "1000000000000000000", "refund": "750000000000000000",
     "payer": "0x1111111111111111111111111111111111111111"},
    '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"1000000000000000000","consumed":"250000000000000000","settled":"1000000000000000000","refund":"750000000000000000","payer":"0x1111111111111111111111111111111111111111"}',
    "number_when_safe")
enc("u256 max stays a string",
    {"type": "session_started", "sessionId": "s", "balance": U256_MAX, "pricePerSecond": "7", "resumeToken": "t"},
    '{"type":"session_started","sessionId":"s","balance":"%s","pricePerSecond":7,"resumeToken":"t"}' % U256_MAX,
    "number_when_safe")
enc("resume_session has no amounts", {"type": "resume_session", "sessionId": "s", "resumeToken": "t"},
    '{"type":"resume_session","sessionId":"s","resumeToken":"t"}', "number_when_safe")
enc("end_session written", {"type": "end_session"}, '{"type":"end_session"}', "number_when_safe")
enc("resume_refused written", {"type": "resume_refused", "reason": "resume_token_invalid"},
    '{"type":"resume_refused","reason":"resume_token_invalid"}')
enc("a legacy proof is written as given", {"type": "payment_proof", "proof": {"txHash": "0x1", "amount": 5}},
    '{"type":"payment_proof","proof":{"txHash":"0x1","amount":5}}', "number_when_safe")
enc_err("encode refuses a message without its members", {"type": "session_resumed", "sessionId": "s"},
        "missing_field", "number_when_safe")
enc_err("encode refuses an unknown type", {"type": "refund_failed"}, "unknown_message_type")
enc_err("encode refuses a negative amount",
        {"type": "session_started", "sessionId": "s", "balance": "-1", "pricePerSecond": "1"}, "invalid_value")


def main():
    doc = {
        "suite": "ws402-message",
        "source": "the WS402 messages of ws402/ws402 (src/WS402.ts, the README's wire examples) and pay402's "
                  "resume/end/statement messages, input and expected frames typed by hand in "
                  "tests/conformance/peers/ws402/gen_messages.py; error codes are pay402's",
        "cases": CASES,
    }
    with open(os.path.join(sys.argv[1], "ws402-message.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
