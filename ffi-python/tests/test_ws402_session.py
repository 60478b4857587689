"""Whole WS402 sessions through the Python binding (pay402.Ws402Server / Ws402Session), driven as
a host drives them: the payment is signed by pay402's own client (`x402_sign`) over the schema's
`paymentDetails`, the replay store is a set, the settlement and refund answers are recorded. The
money is asserted to the unit from price × time computed here, the refund key from its
definition (SHA-256 of the label and the session id)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any, Dict, List, Optional, Set

import pytest

import pay402

KEY = bytes([0x11] * 32)
# The address of the key 0x11…11 (k256).
KEY_ADDRESS = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
SETTLER = "0x000000000000000000000000000000000000dEaD"
WS_URL = "wss://example.com/ws402/video"
T = 1_800_000_000_000
SETTLED = json.dumps(
    {"success": True, "transaction": "0x" + "11" * 32, "network": "eip155:84532"}
).encode()


def exact_offer(amount: int) -> Dict[str, object]:
    return {
        "scheme": "exact",
        "network": "eip155:84532",
        "asset": USDC,
        "amount": str(amount),
        "pay_to": PAY_TO,
        "max_timeout_seconds": 300,
        "eip712_name": "USDC",
        "eip712_version": "2",
    }


def upto_offer(amount: int) -> Dict[str, object]:
    return {
        "scheme": "upto",
        "network": "eip155:84532",
        "asset": USDC,
        "amount": str(amount),
        "pay_to": PAY_TO,
        "max_timeout_seconds": 3600,
        "facilitator": SETTLER,
    }


def proof(server: pay402.Ws402Server, nonce: int) -> str:
    """The schema's `paymentDetails` paid by KEY: the `payment_proof` frame."""
    required = json.loads(server.schema(WS_URL))["paymentDetails"]
    accepted = required["accepts"][0]
    if accepted["scheme"] == "upto":  # Permit2: pay402's own Permit2 signer
        signed = pay402.permit2_sign_payload(json.dumps(accepted), KEY, nonce=nonce, now=T // 1000)
        payment = {"x402Version": 2, "resource": required["resource"], "accepted": accepted, "payload": json.loads(signed.json)}
        header = pay402.x402_encode_header(json.dumps(payment))
    else:
        header = pay402.x402_sign(json.dumps(required), KEY, now=T // 1000, nonce=bytes([nonce] * 32)).header_value
    return json.dumps({"type": "payment_proof", "proof": header})


class Host:
    """The host's side: a replay store (a set) and a record of every settlement and refund."""

    def __init__(self) -> None:
        self.store: Set[bytes] = set()
        self.settled: List[int] = []
        self.refunds: List[pay402.RefundOrder] = []

    def reserve(self, session: pay402.Ws402Session, at: int, cmds: List[pay402.Ws402Command]) -> List[pay402.Ws402Command]:
        assert [c.kind for c in cmds] == ["reserve"], cmds
        key = cmds[0].key
        assert key is not None and (cmds[0].ttl or 0) > 0
        fresh = key not in self.store
        self.store.add(key)
        return session.reserved(at, "fresh" if fresh else "already_used")

    def settle(self, session: pay402.Ws402Session, at: int, cmd: pay402.Ws402Command, answer: Optional[bytes] = SETTLED) -> List[pay402.Ws402Command]:
        assert cmd.kind == "settle" and cmd.amount is not None and cmd.body is not None
        body = json.loads(cmd.body)
        assert body["paymentRequirements"]["amount"] == str(cmd.amount)
        self.settled.append(cmd.amount)
        return session.settled(at, answer)


def finished(cmds: List[pay402.Ws402Command]) -> pay402.Ws402Statement:
    assert cmds and cmds[-1].kind == "finished", cmds
    st = cmds[-1].statement
    assert st is not None
    return st


def test_exact_session_settles_first_and_refunds_paid_minus_consumed_once() -> None:
    per_second, paid = 250, 1_000_000
    server = pay402.Ws402Server(
        [exact_offer(paid)], {"url": WS_URL}, price_per_second=per_second, max_session_seconds=3600,
        update_interval_ms=1_000,
    )
    host = Host()
    sid = bytes([7] * 16)
    s = server.accept(T, sid)
    assert s.timeout == T + 10_000 and s.payer is None
    cmds = host.reserve(s, T + 6, s.handle_text(T + 5, proof(server, 1)))
    assert s.phase == "settling_prepayment"
    assert s.payer is not None and s.payer.lower() == KEY_ADDRESS  # the verified payer, from the proof
    start = T + 100
    cmds = host.settle(s, start, cmds[0])
    assert host.settled == [paid]
    assert [c.kind for c in cmds] == ["send"]
    started = json.loads(cmds[0].text or "")
    assert started == {"type": "session_started", "sessionId": sid.hex(), "balance": str(paid), "pricePerSecond": str(per_second)}
    assert [c.kind for c in s.handle_text(start + 400, "hello")] == ["deliver_to_app"]
    assert [c.kind for c in s.app_send(start + 500, 64)] == ["send_app_frame"]
    update = json.loads(s.timer(start + 1_000)[0].text or "")
    assert (update["type"], update["consumedAmount"]) == ("usage_update", str(per_second * 1_000 // 1_000))

    # The client closes 2.75 s in.
    at = start + 2_750
    consumed = per_second * 2_750 // 1_000
    cmds = s.closed(at, 1000)
    assert [c.kind for c in cmds] == ["refund"]
    order = cmds[0].refund
    assert order is not None
    assert (order.amount, order.to.lower(), order.asset, order.network) == (paid - consumed, KEY_ADDRESS, USDC, "eip155:84532")
    assert order.key == hashlib.sha256(b"pay402 ws402 refund" + sid).digest()
    host.refunds.append(order)
    # ws emits error then close: nothing more happens.
    assert s.closed(at + 1) == []
    assert s.app_ended(at + 2, error=True) == []
    st = finished(s.refunded(at + 5_000, "confirmed"))
    assert (st.ending, st.reason, st.close_code, st.plan) == ("ended", "client_close", 1000, "exact")
    assert (st.paid, st.consumed, st.refund_amount, st.refund_status) == (paid, consumed, paid - consumed, "confirmed")
    assert (st.settlement_amount, st.settlement_status, st.finished) == (paid, "settled", True)
    assert st.refund_order == order and st.payer is not None and st.payer.lower() == KEY_ADDRESS
    assert s.statement == st and s.timeout is None and len(host.refunds) == 1
    with pytest.raises(pay402.Ws402Error) as info:
        s.handle_text(at + 6_000, "late")
    assert info.value.code == "session_ended"


def test_upto_session_above_2_pow_53_settles_exactly_consumed() -> None:
    per_second, maximum = 10**16, 3 * 10**18
    server = pay402.Ws402Server(
        [upto_offer(maximum)], {"url": WS_URL}, price_per_second=per_second, max_session_seconds=600,
        update_interval_ms=0,
    )
    host = Host()
    s = server.accept(T, bytes([1] * 16))
    cmds = host.reserve(s, T + 6, s.handle_text(T + 5, proof(server, 2)))
    assert [c.kind for c in cmds] == ["send"]  # upto: nothing settled before the session
    assert json.loads(cmds[0].text or "")["balance"] == str(maximum)
    consumed = per_second * 2_500 // 1_000
    assert consumed > 2**53
    cmds = s.app_ended(T + 6 + 2_500)
    # The close waits for the settlement: the statement sent before it is a receipt.
    assert [c.kind for c in cmds] == ["send", "settle"]
    assert cmds[1].amount == consumed
    cmds = host.settle(s, T + 9_000, cmds[1])
    assert [c.kind for c in cmds] == ["send", "close", "finished"]
    ended = json.loads(cmds[0].text or "")
    assert (ended["type"], ended["settled"], ended["consumed"], ended["refund"]) == ("session_ended", str(consumed), str(consumed), "0")
    assert cmds[1].code == 1000
    st = finished(cmds)
    assert host.settled == [consumed]
    assert (st.plan, st.paid, st.consumed, st.refund_amount) == ("upto", maximum, consumed, None)
    assert (st.settlement_amount, st.settlement_status) == (consumed, "settled")


def test_no_proof_in_time_is_rejected_with_1008() -> None:
    server = pay402.Ws402Server([exact_offer(10_000)], {"url": WS_URL}, price_per_second=10, max_session_seconds=60, proof_timeout_ms=5_000)
    s = server.accept(T, bytes([3] * 16))
    assert s.timeout == T + 5_000
    assert s.timer(T + 4_999) == []
    cmds = s.timer(T + 5_000)
    assert [c.kind for c in cmds] == ["send", "close", "finished"]
    assert json.loads(cmds[0].text or "") == {"type": "payment_rejected", "reason": "payment_proof_timeout"}
    assert cmds[1].code == 1008
    st = finished(cmds)
    assert (st.ending, st.reason, st.at_ms, st.paid, st.settlement_status) == ("rejected", "payment_proof_timeout", T + 5_000, 0, None)


def test_a_replayed_proof_is_refused_and_never_settled() -> None:
    server = pay402.Ws402Server([exact_offer(10_000)], {"url": WS_URL}, price_per_second=10, max_session_seconds=60)
    host = Host()
    frame = proof(server, 3)
    first = server.accept(T, bytes([4] * 16))
    assert [c.kind for c in host.reserve(first, T + 6, first.handle_text(T + 5, frame))] == ["settle"]
    second = server.accept(T, bytes([5] * 16))
    cmds = host.reserve(second, T + 8, second.handle_text(T + 7, frame))
    assert json.loads(cmds[0].text or "") == {"type": "payment_rejected", "reason": "payment_already_used"}
    assert cmds[1].code == 1008
    assert finished(cmds).settlement_status is None
    assert host.settled == []


def test_double_close_gives_one_finished() -> None:
    server = pay402.Ws402Server([exact_offer(10_000)], {"url": WS_URL}, price_per_second=10, max_session_seconds=60)
    s = server.accept(T, bytes([6] * 16))
    cmds = s.closed(T + 1, 1001)
    assert [c.kind for c in cmds] == ["finished"]
    assert (finished(cmds).reason, finished(cmds).finished) == ("connection_closed", True)
    assert s.closed(T + 2) == []
    assert s.closed(T + 3, 1000) == []
    assert s.phase == "finished"


def test_bad_arguments_raise() -> None:
    server = pay402.Ws402Server([exact_offer(10_000)], {"url": WS_URL}, price_per_second=10, max_session_seconds=60)
    with pytest.raises(ValueError):
        server.accept(T, b"short")
    s = server.accept(T, bytes(16))
    with pytest.raises(ValueError):
        s.reserved(T, "maybe")  # type: ignore[arg-type]
    with pytest.raises(pay402.Ws402Error) as info:
        s.refunded(T, "confirmed")
    assert info.value.code == "session_out_of_order"
    with pytest.raises(pay402.Ws402Error) as info:
        pay402.Ws402Server([], {"url": WS_URL}, price_per_second=1, max_session_seconds=1)
    assert info.value.code == "no_offers"


async def _stored(store: Any, session: pay402.Ws402Session, at: int, cmds: List[pay402.Ws402Command]) -> List[pay402.Ws402Command]:
    """Does the store commands (`persist` as create or compare-and-swap, `load`) through `store`
    and answers them; returns the other commands, in order."""
    rest: List[pay402.Ws402Command] = []
    for c in cmds:
        if c.kind == "persist":
            assert c.session_id is not None and c.record is not None and c.generation is not None and c.ttl
            if c.expect is None:
                ok = await store.create(c.session_id, c.record, c.generation, c.ttl)
            else:
                ok = await store.swap(c.session_id, c.record, c.generation, c.expect, c.ttl)
            rest += await _stored(store, session, at, session.persisted(at, ok))
        elif c.kind == "load":
            assert c.session_id is not None
            found = await store.load(c.session_id)
            rest += await _stored(store, session, at, session.loaded(at, None if found is None else found.record))
        else:
            rest.append(c)
    return rest


def test_a_dropped_session_resumes_on_another_server_with_the_same_secret() -> None:
    from pay402.ws402.store import MemorySessionStore

    async def run() -> None:
        secret = bytes([0x5E] * 32)
        kw = dict(price_per_second=250, max_session_seconds=3600, update_interval_ms=1_000, resume_grace_ms=30_000, secret=secret)
        first = pay402.Ws402Server([exact_offer(1_000_000)], {"url": WS_URL}, **kw)  # type: ignore[arg-type]
        second = pay402.Ws402Server([exact_offer(1_000_000)], {"url": WS_URL}, **kw)  # type: ignore[arg-type]
        assert first.resumable
        store = MemorySessionStore()
        host = Host()
        sid = bytes([0xA1] * 16)
        s = first.accept(T, sid)
        cmds = host.reserve(s, T + 6, s.handle_text(T + 5, proof(first, 9)))
        cmds = await _stored(store, s, T + 10, host.settle(s, T + 10, cmds[0]))
        started = json.loads(cmds[0].text or "")
        token = started["resumeToken"]
        assert len(token) == 43 and (await store.load(sid.hex())) is not None
        await _stored(store, s, T + 1_010, s.timer(T + 1_010))
        # The socket drops 2.5 s in: 625 consumed; suspended and recorded.
        assert await _stored(store, s, T + 2_510, s.closed(T + 2_510)) == []
        assert s.phase == "suspended"
        # A new socket on the other server, 10 s later, presents the token.
        r = second.accept(T + 12_510, bytes([0xB2] * 16))
        frame = json.dumps({"type": "resume_session", "sessionId": sid.hex(), "resumeToken": token})
        cmds = await _stored(store, r, T + 12_510, r.handle_text(T + 12_510, frame))
        assert json.loads(cmds[0].text or "") == {
            "type": "session_resumed", "sessionId": sid.hex(), "balance": "1000000", "consumedAmount": "625", "remainingBalance": "999375",
        }
        assert (r.session_id, r.phase) == (sid.hex(), "running")
        # 2 s more, then the client closes: 625 + 500 consumed; the refund is recorded first.
        cmds = await _stored(store, r, T + 14_510, r.closed(T + 14_510, 1000))
        assert [c.kind for c in cmds] == ["refund"]
        order = cmds[0].refund
        assert order is not None and order.amount == 1_000_000 - 1_125
        assert order.key == hashlib.sha256(b"pay402 ws402 refund" + sid).digest()
        st = finished(await _stored(store, r, T + 15_000, r.refunded(T + 15_000, "confirmed")))
        assert (st.paid, st.consumed, st.refund_amount, st.refund_status) == (1_000_000, 1_125, 998_875, "confirmed")
        # The first server's session: its grace ends, its write loses, it refunds nothing.
        cmds = await _stored(store, s, T + 32_510, s.timer(T + 32_510))
        assert [c.kind for c in cmds] == ["abandoned"] and s.phase == "not_owner"
        # A restart finds the session done.
        stored = await store.load(sid.hex())
        assert stored is not None
        _, kind, _ = second.recover(stored.record, T + 40_000)
        assert kind == "done"

    asyncio.run(run())
