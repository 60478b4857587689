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


def ev(at, kind, n=None):
    e = {"at_ms": at, "kind": kind}
    if n is not None:
        e["n"] = n
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


if __name__ == "__main__":
    main()
