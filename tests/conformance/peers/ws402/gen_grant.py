#!/usr/bin/env python3
"""Writes tests/conformance/vectors/ws402-grant.json: ops `ws402.grant.issue` and `ws402.grant.check`
(tests/conformance/vectors/README.md), with Python's standard library only (`hmac`, `hashlib`, `struct`,
`base64`, `re`): an independent implementation of the HTTP grant token documented in
core/src/ws402/http_grant.rs and tests/conformance/vectors/README.md:

    key   = HMAC-SHA256(secret, "pay402 ws402 http grant")
    body  = 0x01 || session id (16) || generation (u32 BE) || expiry ms (u64 BE) || SHA-256(resource URL)
    token = base64url_nopad(body || HMAC-SHA256(key, body))          (124 characters)

carried as `Authorization: WS402 <token>` (RFC 9110 §11.6.2: a case-insensitive scheme, then one token68), and
the order of the refusals: no WS402 credentials -> grant_required; malformed, bad tag, other version or other
session -> grant_invalid; now >= expiry -> grant_expired; other URL -> wrong_resource; suspended ->
session_suspended; settling/refunding/done -> session_ended; token generation below the session's ->
grant_revoked. Deterministic. Usage: gen_grant.py OUTDIR

Also op `ws402.grant.refusal` (the answer's status and JSON body: the 402s carry the seed's `error:"Payment
Required"` and `message` (WS402 src/middlewarehttp.ts) plus `code` and the schema's URL `schemaUrl`; the 401s and
403s `{"error":code,"code":code}`), and op `ws402.grant.charge` (an HTTP response served under a grant, charged to
the session's tariff before it is sent: its body bytes at per_byte_out plus one message at per_message, with time
accrued to the request; refused without any change when the charge exceeds paid (`balance_insufficient`) or a
limit is reached by then (`session_ended`); reaching paid exactly serves it and ends the session
`balance_exhausted`), modelled here without suspends and with ticks that cross no limit.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import sys

GRANT_LABEL = b"pay402 ws402 http grant"
SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))
SID = bytes.fromhex("00112233445566778899aabbccddeeff")
OTHER_SID = bytes.fromhex("ffeeddccbbaa99887766554433221100")
URL = "https://example.com/video/1.mp4"
TCHAR = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
CASES = []


def key(secret):
    return hmac.new(secret, GRANT_LABEL, hashlib.sha256).digest()


def body(sid, url, generation, expires_ms, version=1):
    return struct.pack(">B16sIQ", version, sid, generation, expires_ms) + hashlib.sha256(url.encode()).digest()


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(secret, sid, url, generation, expires_ms, version=1):
    b = body(sid, url, generation, expires_ms, version)
    return b64(b + hmac.new(key(secret), b, hashlib.sha256).digest())


def py_check(secret, header, url, now, session):
    """The refusal order of the module documentation, written again from it."""
    if header is None:
        return {"error": "grant_required"}
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in header):
        return {"error": "grant_required"}  # RFC 9110 field values carry no control characters
    v = header.strip(" \t")
    m = TCHAR.match(v)
    if not v or not m or (m.end() < len(v) and v[m.end()] not in " \t"):
        return {"error": "grant_required"}
    if m.group(0).lower() != "ws402":
        return {"error": "grant_required"}
    rest = v[m.end():].lstrip(" \t")
    if not TOKEN68.fullmatch(rest) or len(rest) != 124 or not re.fullmatch(r"[A-Za-z0-9_-]+", rest):
        return {"error": "grant_invalid"}
    raw = base64.urlsafe_b64decode(rest)
    b, tag = raw[:61], raw[61:]
    if b[0] != 1:
        return {"error": "grant_invalid"}
    version, sid, generation, expires = struct.unpack(">B16sIQ", b[:29])
    good = hmac.compare_digest(tag, hmac.new(key(secret), b, hashlib.sha256).digest())
    if not good or sid.hex() != session["session_id_hex"]:
        return {"error": "grant_invalid"}
    if now >= expires:
        return {"error": "grant_expired"}
    if b[29:] != hashlib.sha256(url.encode()).digest():
        return {"error": "wrong_resource"}
    if session["phase"] == "suspended":
        return {"error": "session_suspended"}
    if session["phase"] != "running":
        return {"error": "session_ended"}
    if generation < session["generation"]:
        return {"error": "grant_revoked"}
    return {"ok": {"session_id_hex": sid.hex(), "generation": generation, "expires_ms": expires}}


def issue(name, secret, sid, url, generation, expires_ms):
    inp = {"secret_hex": secret.hex(), "session_id_hex": sid.hex(), "resource_url": url,
           "generation": generation, "expires_ms": expires_ms}
    if not 32 <= len(secret) <= 64:
        expect = {"error": "invalid_server_secret"}
    else:
        expect = {"ok": {"token": token(secret, sid, url, generation, expires_ms)}}
    CASES.append({"name": "issue: " + name, "op": "ws402.grant.issue", "input": inp, "expect": expect})


def check(name, header, url=URL, now=1_000, phase="running", generation=0, sid=SID, secret=SECRET):
    session = {"session_id_hex": sid.hex(), "phase": phase, "generation": generation}
    inp = {"secret_hex": secret.hex(), "authorization": header, "resource_url": url, "now_ms": now,
           "session": session}
    CASES.append({"name": "check: " + name, "op": "ws402.grant.check", "input": inp,
                  "expect": py_check(secret, header, url, now, session)})


STATUS = {"grant_required": 402, "balance_insufficient": 402, "grant_invalid": 401, "grant_expired": 401,
          "grant_revoked": 401, "wrong_resource": 403, "session_suspended": 403, "session_ended": 403,
          "session_elsewhere": 403}
MESSAGES = {"grant_required": "Establish WS402 session first",
            "balance_insufficient": "The WS402 session's balance cannot pay this response"}


def refusal(name, code, schema_url="https://example.com/ws402/video"):
    if code in MESSAGES:
        body = {"error": "Payment Required", "message": MESSAGES[code], "code": code, "schemaUrl": schema_url}
    else:
        body = {"error": code, "code": code}
    CASES.append({"name": "refusal: " + name, "op": "ws402.grant.refusal",
                  "input": {"code": code, "schema_url": schema_url},
                  "expect": {"ok": {"status": STATUS[code], "code": code,
                                    "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False)}}})


def charge(name, tariff, paid, events, max_s=3600, start=0, deadline=None):
    """The tariff meter with HTTP charges, written again from the rules in this file's docstring."""
    price = {k: int(tariff.get(k, "0")) for k in ("per_second", "per_byte_in", "per_byte_out", "per_message")}
    max_ms = max_s * 1000
    st = {"last": start, "bo": 0, "m": 0, "consumed": 0, "end": None, "active_end": 0}

    def active(t):
        return min(t - start, max_ms)

    def cost(a, bo, m):
        return price["per_second"] * a // 1000 + bo * price["per_byte_out"] + m * price["per_message"]

    def limit(t):
        return (cost(active(t), st["bo"], st["m"]) >= paid or t - start >= max_ms
                or (deadline is not None and max(deadline, start) <= t))

    steps = []
    for e in events:
        if st["end"] is not None:
            steps.append("session_ended" if e["kind"] == "serve_http" else "already_ended")
            continue
        now = max(e["at_ms"], st["last"])
        if e["kind"] == "tick":
            assert not limit(now), "the model's ticks cross no limit"
            st["last"] = now
            st["consumed"] = cost(active(now), st["bo"], st["m"])
            steps.append("running")
            continue
        assert e["kind"] == "serve_http"
        if limit(now):
            steps.append("session_ended")
            continue
        bo, m = st["bo"] + e["n"], st["m"] + 1
        c = cost(active(now), bo, m)
        if bo >= 2**64 or c > paid:
            steps.append("balance_insufficient")
            continue
        st.update(last=now, bo=bo, m=m, consumed=c)
        if c == paid:
            st["end"] = ("balance_exhausted", now, 1000)
            st["active_end"] = active(now)
            steps.append("ended")
        else:
            steps.append("serve")
    end = st["end"]
    inp = {"tariff": tariff, "paid": str(paid), "max_session_seconds": max_s, "start_ms": start, "events": events}
    if deadline is not None:
        inp["deadline_ms"] = deadline
    expect = {"consumed": str(st["consumed"]), "refund": str(paid - st["consumed"]),
              "ended_by": end[0] if end else None, "ended_at_ms": end[1] if end else None,
              "close_code": end[2] if end else None,
              "active_ms": st["active_end"] if end else active(st["last"]), "suspended": False,
              "bytes_in": 0, "bytes_out": st["bo"], "messages": st["m"], "steps": steps}
    CASES.append({"name": "charge: " + name, "op": "ws402.grant.charge", "input": inp, "expect": {"ok": expect}})


def serve(at, n):
    return {"kind": "serve_http", "at_ms": at, "n": n}


def tick(at):
    return {"kind": "tick", "at_ms": at}


def flip(t, i):
    c = t[i]
    return t[:i] + ("B" if c != "B" else "C") + t[i + 1:]


def main():
    issue("generation 0, one minute", SECRET, SID, URL, 0, 60_000)
    issue("generation 7, far expiry", SECRET, SID, URL, 7, 2**64 - 1)
    issue("64-byte secret, other id", bytes(range(64)), OTHER_SID, "https://example.com/a?b=c#d", 2**32 - 1, 1)
    issue("empty URL", SECRET, SID, "", 0, 0)
    issue("non-ASCII URL", SECRET, SID, "https://example.com/caf\u00e9", 3, 1_700_000_000_000)
    issue("31-byte secret", bytes(31), SID, URL, 0, 1)
    issue("65-byte secret", bytes(65), SID, URL, 0, 1)

    t = token(SECRET, SID, URL, 2, 60_000)
    h = "WS402 " + t
    check("valid", h, generation=2)
    check("valid, session generation below the token's", h, generation=1)
    check("valid, lower-case scheme and outer whitespace", " ws402 \t" + t + " ", generation=2)
    check("valid one ms before expiry", h, now=59_999, generation=2)
    check("expired at the expiry", h, now=60_000, generation=2)
    check("expired long after", h, now=2**64 - 1, generation=2)
    check("other resource", h, url=URL + "?x=1", generation=2)
    check("other resource (case differs)", h, url=URL.upper(), generation=2)
    check("suspended session", h, phase="suspended", generation=2)
    for phase in ("settling", "refunding", "done"):
        check(f"ended session ({phase})", h, phase=phase, generation=2)
    check("revoked: session generation bumped", h, generation=3)
    check("revoked: generation 2^32-1", h, generation=2**32 - 1)
    check("missing header", None)
    check("empty header", "")
    check("whitespace header", "  \t")
    check("other scheme (Bearer)", "Bearer " + t, generation=2)
    check("other scheme (L402)", "L402 " + t, generation=2)
    check("bare token without scheme", t, generation=2)
    check("scheme only", "WS402", generation=2)
    check("scheme with a slash", "WS402/1 " + t, generation=2)
    check("token as an auth-param", "WS402 token=" + t, generation=2)
    check("two tokens", h + " " + t, generation=2)
    check("padded token", h + "=", generation=2)
    check("one character short", h[:-1], generation=2)
    check("one character long", h + "A", generation=2)
    check("standard base64 alphabet", "WS402 " + t.replace("-", "+").replace("_", "/") if ("-" in t or "_" in t)
          else "WS402 " + "+" + t[1:], generation=2)
    for i in (0, 1, 20, 40, 80, 100, 123):
        check(f"character {i} changed", "WS402 " + flip(t, i), generation=2)
    check("other key", h, secret=OTHER_SECRET, generation=2)
    check("other session loaded", h, sid=OTHER_SID, generation=2)
    check("version 2 with a valid tag", "WS402 " + token(SECRET, SID, URL, 2, 60_000, version=2), generation=2)
    check("version 0 with a valid tag", "WS402 " + token(SECRET, SID, URL, 2, 60_000, version=0), generation=2)
    check("control character in the value", "WS402 " + t[:10] + "\x01" + t[11:], generation=2)
    t2 = token(SECRET, SID, "", 0, 2**64 - 1)
    check("empty URL, generation 0, far expiry", "WS402 " + t2, url="", now=2**64 - 2)
    check("expired and for another resource: expiry first", h, url="https://example.com/x", now=70_000)
    check("other resource and ended: resource first", h, url="https://example.com/x", phase="done", generation=2)
    check("ended and revoked: ended first", h, phase="done", generation=9)

    for code in STATUS:
        refusal(code, code)
    refusal("schema URL escaped (quote, backslash, control, non-ASCII)", "grant_required",
            'https://example.com/ws402?q="a\\b"\x01caf\u00e9')
    refusal("empty schema URL", "balance_insufficient", "")
    refusal("a 403 ignores the schema URL", "session_ended", "https://example.com/\"x")

    bytes_tariff = {"per_second": "10", "per_byte_out": "3", "per_message": "7"}
    charge("bytes, one message per response, time; refused then exactly the rest", bytes_tariff, 100_000, [
        serve(2_000, 1_000), tick(4_000), serve(5_000, 30_000), serve(5_000, 3_000), serve(5_000, 2_313),
        serve(5_001, 0), tick(6_000)], start=1_000)
    charge("a refusal changes nothing, a smaller response is served", bytes_tariff, 10_000, [
        serve(1_000, 4_000), serve(1_000, 1_000), tick(2_000)])
    charge("per message only: each response costs one message", {"per_message": "4"}, 10, [
        serve(0, 1_000_000), serve(1, 0), serve(2, 5), tick(3)])
    charge("a HEAD (0 bytes) still costs its message", {"per_byte_out": "1", "per_message": "2"}, 5, [
        serve(0, 0), serve(0, 0), serve(0, 0)])
    charge("free tariff: served, nothing consumed", {}, 1, [serve(0, 10**12), serve(9_000, 1)])
    charge("time exhausted the balance, timer not yet reported: refused", {"per_second": "1000"}, 5_000, [
        tick(4_000), serve(5_000, 0), serve(6_000, 0)])
    charge("one ms before the time limit: served", {"per_second": "1000", "per_byte_out": "1"}, 5_000, [
        serve(4_000, 999)])
    charge("maximum duration reached: refused", {"per_byte_out": "1"}, 10**6, [
        serve(1_999, 10), serve(2_000, 10)], max_s=2)
    charge("deadline reached: refused", {"per_byte_out": "1"}, 10**6, [
        serve(2_999, 10), serve(3_000, 10)], deadline=3_000)
    charge("a charge above 2^256 is refused", {"per_byte_out": str(2**200)}, 2**255, [
        serve(0, 2**60), serve(0, 2**54)])
    charge("byte counter overflow is refused", {}, 1, [serve(0, 2**64 - 1), serve(0, 1)])
    charge("an earlier timestamp counts as the last one", {"per_second": "1000", "per_byte_out": "1"}, 10**6, [
        tick(3_000), serve(1_000, 5)])

    doc = {
        "suite": "ws402-grant",
        "source": "Python's standard library (hmac, hashlib, struct, base64, re) over the grant key label, the token "
                  "layout and the refusal order of tests/conformance/vectors/README.md; "
                  "tests/conformance/peers/ws402/gen_grant.py",
        "cases": CASES,
    }
    with open(os.path.join(sys.argv[1], "ws402-grant.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
