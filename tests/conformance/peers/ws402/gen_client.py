#!/usr/bin/env python3
"""Writes tests/conformance/vectors/ws402-client.json: op `ws402.client` (tests/conformance/vectors/README.md),
with Python's standard library only (`json`, `re`): an independent model of the WS402 client tracker documented
there. A case is one session: the client's `authorized` amount and `price_per_second`, then `steps`, each a
server text frame (`frame`) or a client write (`write`: `payment_proof` with `header_value`, `end_session`,
`resume_session`); the expected outcome of every step (an event, a written frame or an error code) and the
tracker's state after it come from the model below, never from pay402.

The frames start from the wire examples of WS402 (https://github.com/ws402/ws402, README and `src/WS402.ts`:
`session_started {sessionId, balance, pricePerSecond}`, `usage_update {sessionId, elapsedSeconds,
consumedAmount, remainingBalance, bytesTransferred, messageCount}`, `balance_exhausted {message}`,
`max_duration_reached {message}`, `payment_rejected {reason}`, `http_access_granted {sessionId, httpToken,
resourceUrl, message?}`) and pay402's `resumeToken`, `session_resumed`, `resume_refused` and `session_ended`.
Deterministic. Usage: gen_client.py OUTDIR
"""
import json
import os
import re
import sys

SERVER_TYPES = {
    "session_started", "usage_update", "balance_exhausted", "max_duration_reached", "payment_rejected",
    "session_ended", "session_resumed", "resume_refused", "http_access_granted",
}
MAX_TEXT = 128  # the tracker keeps at most 128 bytes of session id and of resume token
U256 = 2**256
U64 = 2**64
CASES = []


class Refused(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def parse(frame):
    """The JSON object of a frame whose string `type` names a server message, else None (application)."""
    try:
        obj = json.loads(frame, object_pairs_hook=_no_duplicates)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or obj["type"] not in SERVER_TYPES:
        return None
    return obj


def amount(o, key, limit=U256):
    if key not in o:
        raise Refused("malformed_message")
    v = o[key]
    if isinstance(v, bool):
        raise Refused("malformed_message")
    if isinstance(v, int):
        n = v
    elif isinstance(v, str) and re.fullmatch(r"[0-9]+", v):
        n = int(v)
    else:
        raise Refused("malformed_message")
    if n < 0 or n >= limit:
        raise Refused("malformed_message")
    return n


def text(o, key, optional=False):
    if key not in o:
        if optional:
            return None
        raise Refused("malformed_message")
    if not isinstance(o[key], str):
        raise Refused("malformed_message")
    return o[key]


class Model:
    def __init__(self, authorized, price):
        self.authorized, self.price = authorized, price
        self.phase, self.balance, self.consumed = "awaiting_start", 0, 0
        self.session_id = self.resume_token = None

    def state(self):
        return {
            "phase": self.phase,
            "balance": str(self.balance),
            "consumed": str(self.consumed),
            "remaining": str(self.balance - self.consumed),
            "session_id": self.session_id,
            "resume_token": self.resume_token,
        }

    def same(self, sid):
        if sid != self.session_id:
            raise Refused("session_id_mismatch")

    def reading(self, consumed, remaining=None):
        if consumed > self.balance or consumed > self.authorized:
            raise Refused("server_overcharged")
        if consumed < self.consumed:
            raise Refused("consumed_decreased")
        if remaining is not None and consumed + remaining != self.balance:
            raise Refused("balance_mismatch")

    def on_text(self, frame):
        o = parse(frame)
        if o is None:
            if self.phase in ("running", "closing"):
                return {"kind": "application"}
            raise Refused("after_end" if self.phase in ("ended", "rejected") else "before_start")
        if self.phase in ("ended", "rejected"):
            raise Refused("after_end")
        t = o["type"]
        m = self.decode(t, o)
        if t not in ("session_started", "payment_rejected", "session_resumed", "resume_refused") \
                and self.phase in ("awaiting_start", "resuming"):
            raise Refused("before_start")
        return getattr(self, "on_" + t)(m)

    @staticmethod
    def decode(t, o):
        """Every member a message needs, decoded; a missing or mistyped one is `malformed_message`."""
        if t == "session_started":
            return dict(sid=text(o, "sessionId"), balance=amount(o, "balance"),
                        price=amount(o, "pricePerSecond"), token=text(o, "resumeToken", True))
        if t == "usage_update":
            return dict(sid=text(o, "sessionId"), elapsed=amount(o, "elapsedSeconds", U64),
                        consumed=amount(o, "consumedAmount"), remaining=amount(o, "remainingBalance"),
                        bytes=amount(o, "bytesTransferred", U64), messages=amount(o, "messageCount", U64))
        if t in ("balance_exhausted", "max_duration_reached"):
            return dict(message=text(o, "message", True))
        if t in ("payment_rejected", "resume_refused"):
            return dict(reason=text(o, "reason"))
        if t == "http_access_granted":
            return dict(sid=text(o, "sessionId"), token=text(o, "httpToken"), url=text(o, "resourceUrl"),
                        message=text(o, "message", True))
        if t == "session_resumed":
            return dict(sid=text(o, "sessionId"), balance=amount(o, "balance"),
                        consumed=amount(o, "consumedAmount"), remaining=amount(o, "remainingBalance"))
        assert t == "session_ended"
        return dict(sid=text(o, "sessionId"), ended_by=text(o, "endedBy"), paid=amount(o, "paid"),
                    consumed=amount(o, "consumed"), settled=amount(o, "settled"), refund=amount(o, "refund"),
                    payer=text(o, "payer", True), settlement_tx=text(o, "settlementTx", True),
                    refund_tx=text(o, "refundTx", True))

    def on_session_started(self, m):
        if self.phase != "awaiting_start":
            raise Refused("out_of_phase")
        if m["balance"] > self.authorized:
            raise Refused("balance_exceeds_authorized")
        if m["price"] != self.price:
            raise Refused("price_mismatch")
        if len(m["sid"].encode()) > MAX_TEXT:
            raise Refused("session_id_too_long")
        if m["token"] is not None and len(m["token"].encode()) > MAX_TEXT:
            raise Refused("resume_token_too_long")
        self.session_id, self.resume_token, self.balance = m["sid"], m["token"], m["balance"]
        self.phase = "running"
        return {"kind": "started", "balance": str(m["balance"]), "price_per_second": str(m["price"])}

    def on_payment_rejected(self, m):
        if self.phase != "awaiting_start":
            raise Refused("out_of_phase")
        self.phase = "rejected"
        return {"kind": "payment_rejected", "reason": m["reason"]}

    def on_usage_update(self, m):
        if self.phase != "running":
            raise Refused("out_of_phase")
        self.same(m["sid"])
        self.reading(m["consumed"], m["remaining"])
        self.consumed = m["consumed"]
        return {"kind": "usage", "elapsed_seconds": m["elapsed"], "consumed": str(m["consumed"]),
                "remaining": str(m["remaining"]), "bytes_transferred": m["bytes"], "message_count": m["messages"]}

    def _limit(self, kind, m):
        self.phase = "closing"
        return {"kind": kind, "message": m["message"]}

    def on_balance_exhausted(self, m):
        return self._limit("balance_exhausted", m)

    def on_max_duration_reached(self, m):
        return self._limit("max_duration_reached", m)

    def on_http_access_granted(self, m):
        if self.phase != "running":
            raise Refused("out_of_phase")
        self.same(m["sid"])
        return {"kind": "http_access_granted", "http_token": m["token"], "resource_url": m["url"],
                "message": m["message"]}

    def on_session_resumed(self, m):
        if self.phase != "resuming":
            raise Refused("out_of_phase")
        self.same(m["sid"])
        if m["balance"] > self.authorized:
            raise Refused("balance_exceeds_authorized")
        if m["balance"] != self.balance:
            raise Refused("balance_mismatch")
        self.reading(m["consumed"], m["remaining"])
        self.consumed, self.phase = m["consumed"], "running"
        return {"kind": "resumed", "consumed": str(m["consumed"]), "remaining": str(m["remaining"])}

    def on_resume_refused(self, m):
        if self.phase != "resuming":
            raise Refused("out_of_phase")
        self.phase = "rejected"
        return {"kind": "resume_refused", "reason": m["reason"]}

    def on_session_ended(self, m):
        self.same(m["sid"])
        paid, consumed, settled, refund = m["paid"], m["consumed"], m["settled"], m["refund"]
        if paid != self.balance:
            raise Refused("balance_mismatch")
        self.reading(consumed)
        if settled > paid:
            raise Refused("server_overcharged")
        if settled > consumed:  # exact: the whole prepayment settled, the unused part refunded
            if settled != paid:
                raise Refused("statement_inconsistent")
            if refund < paid - consumed:
                raise Refused("server_overcharged")
            if refund > paid - consumed:
                raise Refused("statement_inconsistent")
        elif refund != 0:  # upto or nothing settled: nothing to give back
            raise Refused("statement_inconsistent")
        self.consumed, self.phase = consumed, "ended"
        return {"kind": "ended", "session_id": m["sid"], "ended_by": m["ended_by"], "paid": str(paid),
                "consumed": str(consumed), "settled": str(settled), "refund": str(refund), "payer": m["payer"],
                "settlement_tx": m["settlement_tx"], "refund_tx": m["refund_tx"]}

    def write(self, what, header_value=None):
        if what == "payment_proof":
            if self.phase != "awaiting_start":
                raise Refused("out_of_phase")
            return json.dumps({"type": "payment_proof", "proof": header_value}, separators=(",", ":"))
        if what == "end_session":
            if self.phase not in ("running", "closing"):
                raise Refused("out_of_phase")
            return '{"type":"end_session"}'
        assert what == "resume_session"
        if self.phase not in ("running", "resuming"):
            raise Refused("out_of_phase")
        if self.resume_token is None:
            raise Refused("no_resume_token")
        self.phase = "resuming"
        return json.dumps({"type": "resume_session", "sessionId": self.session_id,
                           "resumeToken": self.resume_token}, separators=(",", ":"))


def case(name, authorized, price, steps):
    model = Model(authorized, price)
    inputs, outcomes = [], []
    for step in steps:
        if isinstance(step, str):
            inputs.append({"frame": step})
            try:
                out = {"event": model.on_text(step)}
            except Refused as r:
                out = {"error": r.code}
        else:
            inputs.append(dict(step))
            try:
                out = {"frame": model.write(step["write"], step.get("header_value"))}
            except Refused as r:
                out = {"error": r.code}
        out["state"] = model.state()
        outcomes.append(out)
    CASES.append({
        "name": name,
        "op": "ws402.client",
        "input": {"authorized": str(authorized), "price_per_second": str(price), "steps": inputs},
        "expect": {"ok": {"steps": outcomes}},
    })


def j(**members):
    """A frame with `type` first, the way WS402 writes its messages."""
    return json.dumps(members, separators=(",", ":"))


SID = "ws402_1731300000000_ab12cd34e"  # the README's session id shape


def started(balance=300, price=1, sid=SID, token=None, as_strings=False):
    m = dict(type="session_started", sessionId=sid, balance=str(balance) if as_strings else balance,
             pricePerSecond=str(price) if as_strings else price)
    if token is not None:
        m["resumeToken"] = token
    return j(**m)


def usage(consumed, remaining, elapsed=None, sid=SID, bytes_=42, messages=2):
    return j(type="usage_update", sessionId=sid, elapsedSeconds=consumed if elapsed is None else elapsed,
             consumedAmount=consumed, remainingBalance=remaining, bytesTransferred=bytes_, messageCount=messages)


def ended(paid, consumed, settled, refund, sid=SID, ended_by="client_close", **extra):
    return j(type="session_ended", sessionId=sid, endedBy=ended_by, paid=str(paid), consumed=str(consumed),
             settled=str(settled), refund=str(refund), **extra)


def resumed(balance, consumed, remaining, sid=SID):
    return j(type="session_resumed", sessionId=sid, balance=str(balance), consumedAmount=str(consumed),
             remainingBalance=str(remaining))


PROOF = {"write": "payment_proof", "header_value": "eyJ4NDAyVmVyc2lvbiI6Mn0="}
END = {"write": "end_session"}
RESUME = {"write": "resume_session"}
EXHAUSTED = j(type="balance_exhausted", message="Balance exhausted")
MAX_DURATION = j(type="max_duration_reached", message="Maximum session duration reached")


def main():
    # The seed's own session: its README frames, ticks every 3 s at 1 per second, exhaustion.
    case("seed session: start, ticks, application frames, exhaustion", 300, 1, [
        PROOF, started(), usage(3, 297), '{"quote":101.5}', usage(6, 294, bytes_=84, messages=4), "plain text",
        usage(300, 0), EXHAUSTED, MAX_DURATION, usage(300, 0),
    ])
    case("seed session: max duration first, then the statement", 300, 1, [
        started(), usage(3, 297), MAX_DURATION, '{"late":"app frame"}', END,
        ended(300, 5, 300, 295, ended_by="max_duration"), "after the end",
    ])
    case("amounts as strings and 256-bit values", 2**256 - 1, 10**18, [
        started(2**256 - 1, 10**18, as_strings=True), usage(10**18 * 3, 2**256 - 1 - 10**18 * 3, elapsed=3),
        ended(2**256 - 1, 10**18 * 4, 10**18 * 4, 0, ended_by="client_close"),
    ])
    case("upto: balance below the signed maximum, consumed settled", 1_000_000, 100, [
        PROOF, started(250_000, 100), usage(300, 249_700, elapsed=3), END,
        ended(250_000, 530, 530, 0, payer="0x857b06519E91e3A54538791bDbb0E22373e36b66",
              settlementTx="0x" + "ab" * 32),
    ])
    case("upto: the final settlement refused (nothing settled)", 300, 1, [
        started(), usage(30, 270), ended(300, 31, 0, 0, ended_by="connection_lost"),
    ])
    case("exact: the unused prepayment refunded", 300, 1, [
        started(), usage(120, 180), END,
        ended(300, 125, 300, 175, refundTx="0x" + "cd" * 32),
    ])
    case("exact: everything consumed, no refund", 300, 1, [
        started(), usage(300, 0), EXHAUSTED, ended(300, 300, 300, 0, ended_by="balance_exhausted"),
    ])
    case("exact: ended before the first tick", 300, 1, [started(), ended(300, 0, 300, 300)])

    # The money checks; each refused frame leaves the tracker unchanged and the session goes on.
    case("start above the authorization", 299, 1, [started(), started(299)])
    case("start at another price", 300, 1, [started(300, 2), started(300, 1)])
    case("start with a balance of 0", 0, 1, [started(0), usage(0, 0), ended(0, 0, 0, 0)])
    case("usage: consumed above the balance", 300, 1, [started(), usage(301, 0), usage(300, 0)])
    case("usage: consumed above the balance (upto, below the authorization)", 1000, 1, [
        started(), usage(301, 0), usage(299, 1),
    ])
    case("usage: consumed decreases", 300, 1, [started(), usage(10, 290), usage(9, 291), usage(10, 290)])
    case("usage: consumed + remaining below the balance", 300, 1, [started(), usage(10, 289)])
    case("usage: consumed + remaining above the balance", 300, 1, [started(), usage(10, 291)])
    case("usage: another session id", 300, 1, [started(), usage(10, 290, sid="ws402_other")])
    case("statement: exact refund short", 300, 1, [started(), usage(3, 297), ended(300, 125, 300, 100)])
    case("statement: exact refund too large", 300, 1, [started(), ended(300, 125, 300, 200)])
    case("statement: settled above paid", 300, 1, [started(), ended(300, 125, 301, 176)])
    case("statement: partial settlement above consumed", 300, 1, [started(), ended(300, 125, 200, 75)])
    case("statement: upto refund of money not settled", 300, 1, [started(), ended(300, 7, 7, 1)])
    case("statement: consumed above paid", 300, 1, [started(), ended(300, 301, 300, 0)])
    case("statement: paid is not the balance", 300, 1, [started(), ended(299, 7, 7, 0), ended(300, 7, 7, 0)])
    case("statement: consumed below the last reading", 300, 1, [started(), usage(3, 297), ended(300, 2, 2, 0)])
    case("statement: another session id", 300, 1, [started(), ended(300, 2, 2, 0, sid="ws402_other")])

    # Phases.
    case("before the start", 300, 1, [
        usage(0, 300), "hello", EXHAUSTED, ended(300, 0, 0, 0), resumed(300, 0, 300),
        j(type="resume_refused", reason="x"), END, RESUME, started(),
    ])
    case("a second start and a late rejection", 300, 1, [
        started(), started(), j(type="payment_rejected", reason="late"), PROOF,
    ])
    case("payment rejected", 300, 1, [
        PROOF, j(type="payment_rejected", reason="payment_already_used"), started(), "x", END,
    ])
    case("usage and grants after a limit", 300, 1, [
        started(), EXHAUSTED, usage(300, 0),
        j(type="http_access_granted", sessionId=SID, httpToken="t", resourceUrl="/r"), END,
        ended(300, 300, 300, 0, ended_by="balance_exhausted"),
    ])
    case("after the end", 300, 1, [
        started(), ended(300, 1, 1, 0), usage(1, 299), ended(300, 1, 1, 0), '{"type":"quote"}', END, RESUME,
    ])

    # Resumption (pay402).
    case("resume after a drop", 300, 1, [
        PROOF, started(token="dG9rZW4"), usage(40, 260), RESUME, usage(41, 259), resumed(301, 41, 260),
        resumed(200, 41, 159), resumed(300, 39, 261), resumed(300, 41, 258), resumed(300, 41, 259, sid="x"),
        resumed(300, 41, 259), usage(45, 255), RESUME, resumed(300, 46, 254), END, ended(300, 50, 50, 0),
    ])
    case("resume refused", 300, 1, [
        started(token="dG9rZW4"), RESUME, j(type="resume_refused", reason="session_ended"), RESUME, "x",
    ])
    case("no resume token", 300, 1, [started(), RESUME, usage(1, 299)])
    case("a resume token and id beyond 128 bytes", 300, 1, [
        started(sid="s" * 129), started(token="t" * 129), started(sid="s" * 128, token="t" * 128), RESUME,
    ])

    # Grants and classification.
    case("http access granted", 300, 1, [
        started(), j(type="http_access_granted", sessionId=SID, httpToken="AQARIjNE", resourceUrl="/video/1.mp4",
                     message="Access granted"),
        j(type="http_access_granted", sessionId="other", httpToken="t", resourceUrl="/r"),
        j(type="http_access_granted", sessionId=SID, httpToken="t", resourceUrl="/r"),
    ])
    case("application frames: whatever is not a server message", 300, 1, [
        started(), "", "[1,2]", "null", '{"type":7}', '{"type":"quote","price":1}', '{"type":"end_session"}',
        '{"type":"payment_proof","proof":"x"}', '{"type":"resume_session","sessionId":"a","resumeToken":"b"}',
        '{"type":"usage_update"', '{"type":"usage_update","type":"usage_update"}', '{"TYPE":"usage_update"}',
    ])
    case("malformed server messages", 300, 1, [
        '{"type":"session_started","sessionId":"s","balance":300}',
        '{"type":"session_started","sessionId":7,"balance":300,"pricePerSecond":1}',
        '{"type":"session_started","sessionId":"s","balance":-1,"pricePerSecond":1}',
        '{"type":"session_started","sessionId":"s","balance":1.5,"pricePerSecond":1}',
        '{"type":"session_started","sessionId":"s","balance":"0x10","pricePerSecond":1}',
        '{"type":"session_started","sessionId":"s","balance":"300","pricePerSecond":true}',
        '{"type":"payment_rejected"}',
        started(sid="s"),
        '{"type":"usage_update","sessionId":"s","elapsedSeconds":1,"consumedAmount":1,"remainingBalance":299}',
        '{"type":"usage_update","sessionId":"s","elapsedSeconds":18446744073709551616,"consumedAmount":1,'
        '"remainingBalance":299,"bytesTransferred":0,"messageCount":0}',
        '{"type":"balance_exhausted","message":5}',
        '{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"300","consumed":"0","settled":"0"}',
        '{"type":"usage_update","sessionId":"s","elapsedSeconds":"1","consumedAmount":"001",'
        '"remainingBalance":"299","bytesTransferred":"0","messageCount":0}',
    ])
    case("writers: proof text escaped, buffer-free outcomes", 300, 1, [
        {"write": "payment_proof", "header_value": 'a"b\\c'}, END, started(token="abc"), END, END,
    ])

    doc = {
        "suite": "ws402-client",
        "source": "an independent model of the client tracker in Python's standard library (json, re) over the "
                  "rules of tests/conformance/vectors/README.md, frames after the WS402 README's wire examples and "
                  "pay402's resume/end/statement messages; tests/conformance/peers/ws402/gen_client.py",
        "cases": CASES,
    }
    with open(os.path.join(sys.argv[1], "ws402-client.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
