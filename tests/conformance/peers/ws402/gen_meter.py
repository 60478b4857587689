#!/usr/bin/env python3
"""Independent second implementation of tests/conformance/vectors/README.md op `ws402.meter`, in Python's exact integers.

Written from the rules in tests/conformance/vectors/README.md (op ws402.meter), not from the Rust code:

    elapsed_ms = min(now_ms - start_ms, max_session_seconds * 1000)
    consumed   = min(paid, floor(price_per_second * elapsed_ms / 1000))
    refund     = paid - consumed

Decisions pay402 documents (ws402/meter.rs) and this model follows:
- accrual at every event, including the close;
- the balance runs out at e = ceil(1000 * paid / price) elapsed ms (price > 0; paid = 0 runs out at
  0 whatever the price), dated exactly even between events; max duration at max_session_seconds*1000;
  when both fall on the same ms, balance_exhausted wins;
- an event later than a limit ends the session at the limit; events after the end are ignored;
- timestamps before start count as start; an event earlier than the previous one counts as the previous one;
- counters (bytes_in, bytes_out, message with n defaulting to 1) only count events before the end;
- close code 1000 for every end reason.

Op `ws402.session` (the tariff meter, written from the rules of tests/conformance/vectors/README.md op
ws402.session, not from the Rust code), file ws402-session.json:

    active_ms = time not suspended, capped at max_session_seconds * 1000
    consumed  = min(paid, floor(per_second * active_ms / 1000) + bytes_in * per_byte_in
                          + bytes_out * per_byte_out + messages * per_message)

- the balance runs out at the active ms a = ceil(1000 * (paid - usage) / per_second) (0 when usage >= paid),
  the maximum duration at a = max_session_seconds * 1000, the deadline at max(deadline_ms, start) on the wall
  clock; a byte/message event that reaches paid ends the session at that event and is counted;
- the earliest end wins; on one ms: balance_exhausted > max_duration > deadline > the event's own end (a close
  at its time; grace_expired -> connection_lost at the suspend instant, close_code null);
- server_error ends server_close with close code 1011; every other end closes with 1000;
- may_send (n bytes, `messages` default 1): "send" when the charge with the frame is <= paid, else the session
  ends balance_exhausted now, billed without the frame;
- an event the state does not allow changes nothing: session_suspended (suspend, bytes, messages, may_send while
  suspended), session_not_suspended (resume, grace_expired while running).

Deterministic: fixed case list plus a fixed linear congruential generator. Usage: gen_meter.py OUTDIR
"""
import json
import os
import sys

U64 = 2**64 - 1
U256 = 2**256 - 1


def meter(price, paid, max_s, start, events):
    max_ms = max_s * 1000
    last = start
    end = None
    consumed = 0
    counters = {"bytes_in": 0, "bytes_out": 0, "message": 0}

    def consumed_at(e):
        return min(paid, price * e // 1000)

    for ev in events:
        if end is not None:
            continue
        now = max(ev["at_ms"], last)
        last = now
        raw = max(0, now - start)
        capped = min(raw, max_ms)
        if paid == 0:
            exhaust = 0
        elif price == 0:
            exhaust = None
        else:
            exhaust = -(-1000 * paid // price)
        if exhaust is not None and exhaust <= capped:
            end = ("balance_exhausted", exhaust)
        elif raw >= max_ms:
            end = ("max_duration", max_ms)
        elif ev["kind"] == "close":
            end = ("client_close", raw)
        if end is not None:
            consumed = consumed_at(end[1])
            continue
        consumed = consumed_at(capped)
        k = ev["kind"]
        if k in counters:
            n = ev.get("n", 1)
            counters[k] = min(U64, counters[k] + n)
    out = {
        "consumed": str(consumed),
        "refund": str(paid - consumed),
        "ended_by": end[0] if end else None,
        "ended_at_ms": start + end[1] if end else None,
        "close_code": 1000 if end else None,
        "bytes_in": counters["bytes_in"],
        "bytes_out": counters["bytes_out"],
        "messages": counters["message"],
    }
    return out


RANK = {"balance_exhausted": 0, "max_duration": 1, "deadline": 2}
CLOSES = {"client_close": ("client_close", 1000), "server_close": ("server_close", 1000),
          "server_error": ("server_close", 1011)}


def session(tariff, paid, max_s, deadline, start, events):
    """The tariff meter: returns the expected `ok` object of op ws402.session."""
    p_s = tariff.get("per_second", 0)
    p_in = tariff.get("per_byte_in", 0)
    p_out = tariff.get("per_byte_out", 0)
    p_msg = tariff.get("per_message", 0)
    max_ms = max_s * 1000
    st = {"last": start, "active": 0, "run": start, "susp": None,
          "bi": 0, "bo": 0, "m": 0, "end": None, "consumed": 0, "end_active": 0}
    steps = []

    def usage(bi, bo, m):
        return bi * p_in + bo * p_out + m * p_msg

    def charge(a, bi, bo, m):
        return p_s * a // 1000 + usage(bi, bo, m)

    def active_at(x):
        if st["run"] is None:
            return st["active"]
        return st["active"] + max(0, x - st["run"])

    def end(reason, at, active, code):
        c = min(paid, charge(active, st["bi"], st["bo"], st["m"]))
        st["end"] = (reason, at, code)
        st["consumed"] = c
        st["end_active"] = active

    for e in events:
        k = e["kind"]
        if st["end"] is not None:
            steps.append("already_ended")
            continue
        suspended = st["run"] is None
        if suspended and k in ("suspend", "bytes_in", "bytes_out", "message", "may_send"):
            steps.append("session_suspended")
            continue
        if not suspended and k in ("resume", "grace_expired"):
            steps.append("session_not_suspended")
            continue
        now = max(e["at_ms"], st["last"])
        cands = []
        if not suspended:
            run, act = st["run"], st["active"]
            a_now = active_at(now)
            left = paid - usage(st["bi"], st["bo"], st["m"])
            if left <= 0:
                a_b = 0
            elif p_s == 0:
                a_b = None
            else:
                a_b = -(-1000 * left // p_s)
            if a_b is not None and a_b <= min(a_now, max_ms):
                cands.append((run + max(0, a_b - act), 0, "balance_exhausted", a_b))
            if a_now >= max_ms:
                cands.append((run + (max_ms - act), 1, "max_duration", max_ms))
        if deadline is not None:
            d = max(deadline, start)
            if d <= now:
                cands.append((d, 2, "deadline", min(max_ms, active_at(d))))
        if k in CLOSES:
            reason, code = CLOSES[k]
            cands.append((now, 3, reason, min(max_ms, active_at(now)), code))
        if k == "grace_expired":
            cands.append((st["susp"], 3, "connection_lost", st["active"], None))
        st["last"] = now
        if cands:
            best = min(cands, key=lambda c: (c[0], c[1]))
            code = best[4] if len(best) > 4 else 1000
            end(best[2], best[0], best[3], code)
            steps.append("ended")
            continue
        a = min(max_ms, active_at(now))
        n = e.get("n", 1)
        if k == "bytes_in":
            st["bi"] = min(U64, st["bi"] + n)
        elif k == "bytes_out":
            st["bo"] = min(U64, st["bo"] + n)
        elif k == "message":
            st["m"] = min(U64, st["m"] + n)
        elif k == "suspend":
            st["active"] = a
            st["run"] = None
            st["susp"] = now
        elif k == "resume":
            st["run"] = now
        st["consumed"] = min(paid, charge(a, st["bi"], st["bo"], st["m"]))
        if k == "may_send":
            msgs = e.get("messages", 1)
            bo, m = st["bo"] + e["n"], st["m"] + msgs
            if bo <= U64 and m <= U64 and charge(a, st["bi"], bo, m) <= paid:
                steps.append("send")
            else:
                st["end"] = ("balance_exhausted", now, 1000)
                st["end_active"] = a
                steps.append("ended")
            continue
        if st["consumed"] >= paid:
            end("balance_exhausted", now, a, 1000)
            steps.append("ended")
            continue
        steps.append("running")
    fin = st["end"]
    if fin is not None:
        active = st["end_active"]
    else:
        active = min(max_ms, active_at(st["last"]))
    return {
        "consumed": str(st["consumed"]),
        "refund": str(paid - st["consumed"]),
        "ended_by": fin[0] if fin else None,
        "ended_at_ms": fin[1] if fin else None,
        "close_code": fin[2] if fin else None,
        "active_ms": active,
        "suspended": fin is None and st["run"] is None,
        "bytes_in": st["bi"],
        "bytes_out": st["bo"],
        "messages": st["m"],
        "steps": steps,
    }


def case(name, price, paid, max_s, start, events):
    inp = {
        "price_per_second": str(price),
        "paid": str(paid),
        "max_session_seconds": max_s,
        "start_ms": start,
        "events": events,
    }
    return {"name": name, "op": "ws402.meter", "input": inp,
            "expect": {"ok": meter(price, paid, max_s, start, events)}}


def ev(at, kind, n=None, messages=None):
    e = {"at_ms": at, "kind": kind}
    if n is not None:
        e["n"] = n
    if messages is not None:
        e["messages"] = messages
    return e


def ticks(start, every, count, kind="tick"):
    return [ev(start + every * (i + 1), kind) for i in range(count)]


T0 = 1_731_300_000_000


def fixed_cases():
    c = []
    # The seed's example: 1 wei/s, 300 prepaid, 3 s ticks.
    c.append(case("seed example: 3 ticks then close at a tick", 1, 300, 3600, T0,
                  ticks(T0, 3000, 3) + [ev(T0 + 9000, "close")]))
    c.append(case("close before any tick is billed to the ms (original billed 0)", 1000, 300_000, 3600, T0,
                  [ev(T0 + 2500, "close")]))
    c.append(case("close at the start instant consumes nothing", 5, 100, 60, T0, [ev(T0, "close")]))
    c.append(case("close between ticks accrues again at close", 10, 10_000, 3600, T0,
                  ticks(T0, 3000, 2) + [ev(T0 + 7_777, "close")]))
    c.append(case("price x elapsed not divisible by 1000 is floored", 7, 1_000_000, 3600, T0,
                  [ev(T0 + 1_500, "close")]))
    c.append(case("sub-unit accrual floors to zero", 1, 10, 3600, T0, [ev(T0 + 999, "close")]))
    c.append(case("exactly one unit at 1000 ms", 1, 10, 3600, T0, [ev(T0 + 1000, "close")]))
    c.append(case("zero price never exhausts and ends by close", 0, 500, 3600, T0,
                  ticks(T0, 3000, 5) + [ev(T0 + 20_000, "close")]))
    c.append(case("zero price ends at max duration with full refund", 0, 500, 10, T0,
                  ticks(T0, 3000, 5)))
    c.append(case("zero paid is exhausted at the first event", 5, 0, 3600, T0, [ev(T0 + 5000, "tick")]))
    c.append(case("zero paid and zero price is exhausted at the first event", 0, 0, 3600, T0,
                  [ev(T0 + 1, "close")]))
    c.append(case("exhaustion between ticks is dated exactly", 3, 10, 3600, T0, ticks(T0, 3000, 2)))
    c.append(case("exhaustion exactly at a tick", 1, 3, 3600, T0, ticks(T0, 3000, 2)))
    c.append(case("exhaustion date rounds up to the next ms", 3, 1, 3600, T0, [ev(T0 + 5000, "tick")]))
    c.append(case("close after exhaustion keeps the exhaustion", 100, 250, 3600, T0, [ev(T0 + 10_000, "close")]))
    c.append(case("max duration hit between ticks", 1, 1_000_000, 10, T0, ticks(T0, 3000, 4)))
    c.append(case("max duration exactly at a tick", 1, 1_000_000, 9, T0, ticks(T0, 3000, 3)))
    c.append(case("max duration of zero ends at the start", 1, 100, 0, T0, [ev(T0 + 50, "tick")]))
    c.append(case("both limits at the same ms: balance_exhausted wins", 10, 100, 10, T0, [ev(T0 + 20_000, "tick")]))
    c.append(case("balance runs out before max duration", 11, 100, 10, T0, [ev(T0 + 30_000, "tick")]))
    c.append(case("max duration 1 ms before the balance would run out", 10, 101, 10, T0, [ev(T0 + 30_000, "tick")]))
    c.append(case("close exactly at max duration ends by max_duration", 1, 1000, 5, T0, [ev(T0 + 5000, "close")]))
    c.append(case("close 1 ms before max duration ends by client", 1, 1000, 5, T0, [ev(T0 + 4999, "close")]))
    c.append(case("events after the end are ignored", 2, 1000, 3600, T0,
                  [ev(T0 + 1000, "close"), ev(T0 + 2000, "close"), ev(T0 + 3000, "tick"),
                   ev(T0 + 3000, "bytes_in", 500), ev(T0 + 4000, "message")]))
    c.append(case("error after close does not refund twice", 1000, 10_000, 3600, T0,
                  [ev(T0 + 1234, "close"), ev(T0 + 1235, "close")]))
    c.append(case("bytes after exhaustion are not counted", 1000, 2000, 3600, T0,
                  [ev(T0 + 1000, "bytes_in", 10), ev(T0 + 3000, "bytes_in", 20), ev(T0 + 3001, "bytes_out", 7)]))
    c.append(case("byte and message counters are separate", 1, 1000, 3600, T0,
                  [ev(T0 + 10, "bytes_in", 42), ev(T0 + 20, "bytes_out", 1000), ev(T0 + 30, "message"),
                   ev(T0 + 40, "message", 3), ev(T0 + 50, "bytes_in", 8), ev(T0 + 60, "close")]))
    c.append(case("counter events accrue time and can end the session", 1000, 1500, 3600, T0,
                  [ev(T0 + 1000, "message"), ev(T0 + 2000, "message")]))
    c.append(case("no terminal event leaves the session running", 5, 1000, 3600, T0, ticks(T0, 3000, 4)))
    c.append(case("no events at all", 5, 1000, 3600, T0, []))
    c.append(case("timestamp before start counts as start", 5, 1000, 3600, T0, [ev(T0 - 5000, "close")]))
    c.append(case("time running backwards counts as the last time", 1000, 100_000, 3600, T0,
                  [ev(T0 + 5000, "tick"), ev(T0 + 3000, "close")]))
    c.append(case("many ticks sum exactly (1000 x 1 s at 1 wei/s)", 1, 10**6, 3600, T0,
                  ticks(T0, 1000, 1000)))
    c.append(case("many 333 ms ticks then close", 3, 10**9, 3600, T0,
                  ticks(T0, 333, 300) + [ev(T0 + 333 * 300 + 1, "close")]))
    c.append(case("many 7 ms ticks, price 13: floor of the total, not sum of floors", 13, 10**9, 3600, T0,
                  ticks(T0, 7, 200) + [ev(T0 + 1400, "close")]))
    big = 2**200
    c.append(case("amounts near 2^200: close at 1.5 s", big, big * 10, 3600, T0, [ev(T0 + 1500, "close")]))
    c.append(case("amounts near 2^200: price not divisible by 1000", big + 1, 2**210, 3600, T0,
                  [ev(T0 + 1, "tick"), ev(T0 + 999, "close")]))
    c.append(case("amounts near 2^200: exhaustion dated exactly", 2**200 + 12345, 2**201, 3600, T0,
                  [ev(T0 + 5000, "tick")]))
    c.append(case("price near 2^256 exhausts at 1 ms", U256, U256, 3600, T0, [ev(T0 + 1000, "tick")]))
    c.append(case("price 2^256-1, paid 2^255: exact 1 ms", U256, 2**255, 3600, T0, [ev(T0 + 1, "tick")]))
    c.append(case("paid 2^256-1 at 1 wei/s stays running", 1, U256, 3600, T0, ticks(T0, 3000, 3)))
    c.append(case("paid 2^256-1 at huge price, close at max", 2**250, U256, 3600, T0, [ev(T0 + 3_600_000, "close")]))
    c.append(case("max_session_seconds at u64 max never caps", 1, 10**30, U64, 0, [ev(U64, "close")]))
    c.append(case("start 0 and timestamps near u64 max", 10**18, 10**40, 2**40, 0, [ev(U64 - 1, "tick")]))
    c.append(case("one-wei price, one-wei paid: exhaust at 1000 ms", 1, 1, 3600, T0, [ev(T0 + 999, "tick"),
                                                                                    ev(T0 + 1000, "tick")]))
    c.append(case("tick exactly before exhaustion keeps running", 1, 1, 3600, T0, [ev(T0 + 999, "tick")]))
    c.append(case("estimated 300 s session prepaid, used 120.5 s", 30_000_000_000_000, 9_000_000_000_000_000,
                  3600, T0, [ev(T0 + 120_500, "close")]))
    c.append(case("Base example price above 2^53 total is exact", 30_000_000_000_000, 30_000_000_000_000 * 301,
                  3600, T0, ticks(T0, 3000, 100) + [ev(T0 + 300_001, "close")]))
    c.append(case("message n defaults to 1", 1, 100, 60, T0,
                  [ev(T0 + 1, "message"), ev(T0 + 2, "message"), ev(T0 + 3, "message", 5)]))
    c.append(case("bytes zero counted as zero", 1, 100, 60, T0, [ev(T0 + 1, "bytes_out", 0), ev(T0 + 2, "close")]))
    return c


def session_case(name, tariff, paid, max_s, start, events, deadline=None):
    inp = {"tariff": {k: str(v) for k, v in tariff.items()}, "paid": str(paid), "max_session_seconds": max_s}
    if deadline is not None:
        inp["deadline_ms"] = deadline
    inp["start_ms"] = start
    inp["events"] = events
    return {"name": name, "op": "ws402.session", "input": inp,
            "expect": {"ok": session(tariff, paid, max_s, deadline, start, events)}}


def session_fixed_cases():
    c = []
    S = lambda p: {"per_second": p}  # noqa: E731
    c.append(session_case("time only, close at 2.5 s (the v1 meter)", S(10), 300, 3600, T0,
                          [ev(T0 + 1250, "tick"), ev(T0 + 2500, "client_close")]))
    c.append(session_case("empty tariff: absent prices are 0, ends by close with a full refund", {}, 500, 3600, T0,
                          [ev(T0 + 1000, "bytes_in", 10**6), ev(T0 + 2000, "message", 10**6),
                           ev(T0 + 3000, "client_close")]))
    c.append(session_case("every price at once", {"per_second": 1000, "per_byte_in": 1, "per_byte_out": 2,
                                                   "per_message": 5}, 10**6, 3600, T0,
                          [ev(T0 + 100, "bytes_in", 10), ev(T0 + 200, "bytes_out", 20), ev(T0 + 300, "message", 3),
                           ev(T0 + 1500, "tick"), ev(T0 + 1501, "client_close")]))
    c.append(session_case("a byte event reaching paid ends the session at that event and is counted",
                          {"per_byte_out": 2}, 100, 3600, T0,
                          [ev(T0 + 5, "bytes_out", 30), ev(T0 + 9, "bytes_out", 30), ev(T0 + 10, "bytes_out", 1)]))
    c.append(session_case("a byte event landing exactly on paid ends the session", {"per_byte_in": 4}, 100, 3600, T0,
                          [ev(T0 + 5, "bytes_in", 25)]))
    c.append(session_case("message price with n defaulting to 1", {"per_message": 7}, 20, 3600, T0,
                          [ev(T0 + 1, "message"), ev(T0 + 2, "message"), ev(T0 + 3, "message")]))
    c.append(session_case("usage moves the time exhaustion earlier, dated exactly", {"per_second": 3, "per_byte_in": 1},
                          10, 3600, T0, [ev(T0 + 100, "bytes_in", 4), ev(T0 + 5000, "tick")]))
    c.append(session_case("may_send: an affordable frame is sent, then counted", {"per_second": 10, "per_byte_out": 1},
                          1000, 3600, T0,
                          [ev(T0 + 2000, "may_send", 100), ev(T0 + 2000, "bytes_out", 100), ev(T0 + 2000, "message"),
                           ev(T0 + 3000, "client_close")]))
    c.append(session_case("may_send: a frame costing exactly the rest is sent; the count then exhausts",
                          {"per_byte_out": 1, "per_message": 10}, 100, 3600, T0,
                          [ev(T0 + 1, "may_send", 90), ev(T0 + 1, "bytes_out", 90), ev(T0 + 1, "message")]))
    c.append(session_case("may_send: an unaffordable frame is refused and billed without it",
                          {"per_second": 10, "per_byte_out": 1}, 1000, 3600, T0,
                          [ev(T0 + 2000, "bytes_out", 100), ev(T0 + 60_500, "may_send", 400),
                           ev(T0 + 61_000, "server_error")]))
    c.append(session_case("may_send: the message price alone refuses the frame", {"per_message": 50}, 100, 3600, T0,
                          [ev(T0 + 1, "message", 1), ev(T0 + 2, "may_send", 0, messages=2)]))
    c.append(session_case("may_send with a zero byte price and no message sends", {"per_second": 1}, 10, 3600, T0,
                          [ev(T0 + 1000, "may_send", 10**9, messages=0)]))
    c.append(session_case("may_send after a passed limit ends at the limit", {"per_second": 100}, 250, 3600, T0,
                          [ev(T0 + 10_000, "may_send", 1)]))
    c.append(session_case("suspension is not billed", {"per_second": 1000}, 10**6, 3600, T0,
                          [ev(T0 + 4000, "suspend"), ev(T0 + 50_000, "tick"), ev(T0 + 100_000, "resume"),
                           ev(T0 + 101_000, "client_close")]))
    c.append(session_case("max duration counts active time only", {"per_second": 1000}, 10**6, 10, T0,
                          [ev(T0 + 4000, "suspend"), ev(T0 + 100_000, "resume"), ev(T0 + 200_000, "tick")]))
    c.append(session_case("exhaustion after a resume is dated on the wall clock", {"per_second": 10}, 100, 3600, T0,
                          [ev(T0 + 3000, "suspend"), ev(T0 + 9000, "resume"), ev(T0 + 60_000, "tick")]))
    c.append(session_case("grace expired: connection_lost at the suspend instant, no close code", {"per_second": 10},
                          1000, 3600, T0, [ev(T0 + 2500, "suspend"), ev(T0 + 32_500, "grace_expired")]))
    c.append(session_case("grace expired after the deadline still ends connection_lost (earlier)", {"per_second": 10},
                          1000, 3600, T0, [ev(T0 + 2500, "suspend"), ev(T0 + 90_000, "grace_expired")],
                          deadline=T0 + 50_000))
    c.append(session_case("a tick after the deadline while suspended ends by deadline", {"per_second": 10}, 1000, 3600,
                          T0, [ev(T0 + 2500, "suspend"), ev(T0 + 60_000, "tick"), ev(T0 + 61_000, "grace_expired")],
                          deadline=T0 + 50_000))
    c.append(session_case("a resume after the deadline ends by deadline", {"per_second": 10}, 1000, 3600, T0,
                          [ev(T0 + 2500, "suspend"), ev(T0 + 60_000, "resume")], deadline=T0 + 50_000))
    c.append(session_case("deadline while running is dated at the bound", {"per_second": 7}, 10**6, 3600, T0,
                          [ev(T0 + 1000, "tick"), ev(T0 + 9000, "tick")], deadline=T0 + 4321))
    c.append(session_case("deadline before the start ends at the start", {"per_second": 7}, 10**6, 3600, T0,
                          [ev(T0 + 1000, "tick")], deadline=T0 - 5))
    c.append(session_case("deadline at the start instant", {"per_second": 7}, 10**6, 3600, T0,
                          [ev(T0, "bytes_in", 3)], deadline=T0))
    c.append(session_case("one ms: balance beats max_duration and deadline", {"per_second": 10}, 100, 10, T0,
                          [ev(T0 + 10_000, "tick")], deadline=T0 + 10_000))
    c.append(session_case("one ms: max_duration beats deadline", {"per_second": 10}, 1000, 10, T0,
                          [ev(T0 + 20_000, "tick")], deadline=T0 + 10_000))
    c.append(session_case("one ms: deadline beats a client close", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 10_000, "client_close")], deadline=T0 + 10_000))
    c.append(session_case("one ms: deadline beats a server error (close code 1000)", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 10_000, "server_error")], deadline=T0 + 10_000))
    c.append(session_case("a close 1 ms before the deadline ends by client", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 9_999, "client_close")], deadline=T0 + 10_000))
    c.append(session_case("server_close closes with 1000", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 7_000, "server_close")]))
    c.append(session_case("server_error ends server_close with 1011", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 7_000, "server_error")]))
    c.append(session_case("server_close while suspended bills the active time", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 3_000, "suspend"), ev(T0 + 9_000, "server_close")]))
    c.append(session_case("client_close while suspended", {"per_second": 10}, 1000, 20, T0,
                          [ev(T0 + 3_000, "suspend"), ev(T0 + 9_000, "client_close")]))
    c.append(session_case("the end happens once: close, error, grace, bytes, may_send after it", {"per_second": 2},
                          1000, 3600, T0,
                          [ev(T0 + 1000, "server_error"), ev(T0 + 2000, "client_close"), ev(T0 + 3000, "grace_expired"),
                           ev(T0 + 3000, "bytes_in", 500), ev(T0 + 4000, "may_send", 1), ev(T0 + 5000, "resume")]))
    c.append(session_case("events that do not fit the state change nothing", {"per_second": 1000, "per_byte_in": 1},
                          10**6, 3600, T0,
                          [ev(T0 + 1000, "resume"), ev(T0 + 1000, "grace_expired"), ev(T0 + 2000, "suspend"),
                           ev(T0 + 3000, "suspend"), ev(T0 + 3000, "bytes_in", 5), ev(T0 + 3000, "bytes_out", 5),
                           ev(T0 + 3000, "message"), ev(T0 + 3000, "may_send", 1), ev(T0 + 4000, "tick")]))
    c.append(session_case("a suspended session stays running (suspended) without an end", {"per_second": 1}, 100,
                          3600, T0, [ev(T0 + 1500, "suspend"), ev(T0 + 90_000, "tick")]))
    c.append(session_case("time running backwards across a resume", {"per_second": 1000}, 10**6, 3600, T0,
                          [ev(T0 + 5000, "suspend"), ev(T0 + 3000, "resume"), ev(T0 + 6000, "client_close")]))
    c.append(session_case("zero paid is exhausted at the first event even with no prices", {}, 0, 3600, T0,
                          [ev(T0 + 7, "suspend")]))
    big = 2**200
    c.append(session_case("byte price near 2^200 overflowing 2^256 is exhausted", {"per_byte_out": big}, 2**255, 3600,
                          T0, [ev(T0 + 1, "bytes_out", 2**60)]))
    c.append(session_case("may_send with a product above 2^256 is refused", {"per_byte_out": U256}, U256, 3600, T0,
                          [ev(T0 + 1, "may_send", 2)]))
    c.append(session_case("every price near 2^256 - 1 with paid 2^256 - 1", {"per_second": U256, "per_byte_in": U256,
                                                                             "per_byte_out": U256, "per_message": U256},
                          U256, 3600, T0, [ev(T0 + 0, "tick"), ev(T0 + 0, "may_send", 1, messages=0),
                                           ev(T0 + 0, "bytes_out", 1)]))
    c.append(session_case("counters saturate at u64 max", {"per_second": 1}, 10**30, 3600, T0,
                          [ev(T0 + 1, "bytes_in", U64), ev(T0 + 2, "bytes_in", 5), ev(T0 + 3, "may_send", 1)]))
    c.append(session_case("may_send refused when the counter would pass u64 max", {"per_second": 1}, 10**30, 3600,
                          T0, [ev(T0 + 1, "bytes_out", U64), ev(T0 + 2, "may_send", 1, messages=0)]))
    c.append(session_case("amounts above 2^53: 10^15/s, paid 3x10^17, 120.5 s active", {"per_second": 10**15},
                          3 * 10**17, 3600, T0,
                          [ev(T0 + 60_000, "suspend"), ev(T0 + 65_000, "resume"), ev(T0 + 125_500, "client_close")]))
    return c


def session_random_cases(count):
    r = Lcg(4020)
    out = []
    kinds = ["tick", "tick", "bytes_in", "bytes_out", "message", "may_send", "suspend", "resume", "suspend",
             "resume", "grace_expired", "client_close", "server_close", "server_error"]
    for i in range(count):
        scale = [1, 10**3, 10**12, 2**100, 2**199][r.next(5)]
        tariff = {}
        for k in ("per_second", "per_byte_in", "per_byte_out", "per_message"):
            if r.next(2):
                tariff[k] = r.next(5000) * scale // [1, 1000, 10**6][r.next(3)] + r.next(10)
        paid = r.next(10**6) * scale + r.next(997)
        max_s = r.next(200)
        start = r.next(2**44)
        deadline = start + r.next(150_000) - 1000 if r.next(3) == 0 else None
        t = start
        evs = []
        for _ in range(r.next(14)):
            t += r.next(9000)
            k = kinds[r.next(len(kinds) - (3 if r.next(3) else 0))]
            if k in ("bytes_in", "bytes_out", "may_send"):
                n = r.next(5000) * (1 if r.next(2) else 1000)
                if k == "may_send" and r.next(2):
                    evs.append(ev(t, k, n, messages=r.next(3)))
                else:
                    evs.append(ev(t, k, n))
            elif k == "message" and r.next(2):
                evs.append(ev(t, k, r.next(20)))
            else:
                evs.append(ev(t, k))
        out.append(session_case(f"pseudo-random session {i:02d}", tariff, paid, max_s, start, evs, deadline))
    return out


def check_v1_agrees(v1_cases):
    """Self-check of the model: a time-only tariff without a deadline is the v1 meter."""
    for c in v1_cases:
        i = c["input"]
        evs = [dict(e, kind="client_close") if e["kind"] == "close" else e for e in i["events"]]
        got = session({"per_second": int(i["price_per_second"])}, int(i["paid"]), i["max_session_seconds"], None,
                      i["start_ms"], evs)
        want = c["expect"]["ok"]
        for k, v in want.items():
            assert got[k] == v, (c["name"], k, got[k], v)


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def next(self, bound):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.s >> 16) % bound


def random_cases(count):
    r = Lcg(402)
    out = []
    kinds = ["tick", "tick", "tick", "bytes_in", "bytes_out", "message"]
    for i in range(count):
        scale = [1, 10**3, 10**12, 2**100, 2**199][r.next(5)]
        price = r.next(5000) * scale + r.next(1000)
        paid = r.next(10**6) * scale + r.next(997)
        max_s = r.next(200)
        start = r.next(2**44)
        t = start
        evs = []
        for _ in range(r.next(12)):
            t += r.next(7000)
            k = kinds[r.next(len(kinds))]
            evs.append(ev(t, k, r.next(5000) if k.startswith("bytes") else None))
        if r.next(3):
            t += r.next(7000)
            evs.append(ev(t, "close"))
        out.append(case(f"pseudo-random session {i:02d}", price, paid, max_s, start, evs))
    return out


def main():
    outdir = sys.argv[1]
    cases = fixed_cases() + random_cases(40)
    doc = {
        "suite": "ws402-meter",
        "source": "op ws402.meter of tests/conformance/vectors/README.md; expected values from "
                  "tests/conformance/peers/ws402/gen_meter.py, an independent Python implementation with exact integers",
        "cases": cases,
    }
    with open(os.path.join(outdir, "ws402-meter.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    check_v1_agrees(cases)
    doc = {
        "suite": "ws402-session",
        "source": "op ws402.session of tests/conformance/vectors/README.md; expected values from "
                  "tests/conformance/peers/ws402/gen_meter.py (function session), an independent Python "
                  "implementation with exact integers",
        "cases": session_fixed_cases() + session_random_cases(60),
    }
    with open(os.path.join(outdir, "ws402-session.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
