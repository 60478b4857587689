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
