"""The Python side of ws402-interop.mjs: pay402.ws402 in a child process, driven by JSON lines.

  python ws402_interop_peer.py server <exact|upto> <price_per_second> <estimated_duration> <start_ms>
      A ``Ws402Endpoint`` served by uvicorn on 127.0.0.1 (a recording settlement and refund, the
      clock injected). Prints ``{"url": ...}``; then answers each stdin line:
      ``{"clock": ms}`` sets the server clock (Unix ms) → ``{"at": ms}``;
      ``{"report": true}`` → ``{"report": {"statements": [...], "settled": [...], "refunds": [...]}}``.
  python ws402_interop_peer.py client <url> <budget> <now_ms>
      ``pay402.ws402.connect`` paying with ``X402Payer`` (signing at ``now_ms``). Prints
      ``{"started": {...}}``; then answers each stdin line:
      ``{"consumed": n}`` waits until the tracker's consumed reaches n → ``{"consumed": m}``;
      ``{"end": true}`` ends the session → ``{"ended": {...}}`` and exits.

Amounts are decimal strings. The key is the tests' 0x11 × 32, the network Base Sepolia.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import uvicorn
from pay402.client import Budget, X402Payer
from pay402.ws402 import Ws402Endpoint, Ws402ServerSession, connect

KEY = bytes([0x11] * 32)
NETWORK = "eip155:84532"
USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
SETTLER = "0x000000000000000000000000000000000000dEaD"


def say(obj: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


class Recorder:
    def __init__(self) -> None:
        self.settled: List[str] = []
        self.refunds: List[Dict[str, str]] = []
        self.lock = threading.Lock()

    def settle(self, request: Any) -> Dict[str, Any]:
        with self.lock:
            self.settled.append(str(request.requirements["amount"]))
        return {"success": True, "transaction": "0x" + "ab" * 32, "network": NETWORK, "payer": request.payer or ""}

    def refund(self, order: Any) -> Dict[str, Any]:
        with self.lock:
            self.refunds.append({"to": order.to, "asset": order.asset, "amount": str(order.amount), "network": order.network})
        return {"success": True, "transaction": "0x" + "cd" * 32, "network": order.network, "asset": order.asset,
                "to": order.to, "amount": str(order.amount)}


def num(v: Optional[int]) -> Optional[str]:
    return None if v is None else str(v)


def statement_json(st: Any) -> Dict[str, Any]:
    return {"sessionId": st.session_id, "ending": st.ending, "reason": st.reason, "atMs": st.at_ms, "plan": st.plan,
            "payer": st.payer, "paid": num(st.paid), "consumed": num(st.consumed),
            "settlementAmount": num(st.settlement_amount), "settlementStatus": st.settlement_status,
            "refundAmount": num(st.refund_amount), "refundStatus": st.refund_status, "finished": st.finished}


def server(scheme: str, price: int, estimated: int, start_ms: int) -> None:
    rec, clock = Recorder(), Clock(start_ms)
    terms: Dict[str, Any] = {"network": NETWORK, "pay_to": PAY_TO, "asset": USDC}
    if scheme == "upto":
        terms["facilitator"] = SETTLER
    else:
        terms.update(eip712_name="USDC", eip712_version="2")
    ep = Ws402Endpoint(scheme=scheme, price_per_second=price, estimated_duration=estimated, max_session_duration=600,
                       update_interval=1.0, settlement=rec, clock=clock, timer_poll=0.01, **terms)

    @ep.session
    async def echo(session: Ws402ServerSession) -> None:
        async for msg in session:
            await session.send_text("echo " + (msg if isinstance(msg, str) else msg.decode()))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(ep.asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    say({"url": f"http://127.0.0.1:{port}/ws402/video"})
    for line in sys.stdin:
        cmd = json.loads(line)
        if "clock" in cmd:
            clock.ms = int(cmd["clock"])
            time.sleep(0.1)  # the endpoint's timers poll every 10 ms
            say({"at": clock.ms})
        elif cmd.get("report"):
            with rec.lock:
                say({"report": {"statements": [statement_json(st) for st in ep.statements], "settled": list(rec.settled),
                                "refunds": list(rec.refunds)}})
    srv.should_exit = True
    thread.join(5)


async def client(url: str, budget: int, now_ms: int) -> None:
    payer = X402Payer(KEY, networks=[NETWORK], budget=Budget(per_request=budget, total=budget), clock=Clock(now_ms))
    loop = asyncio.get_running_loop()
    async with connect(url, payer) as session:
        say({"started": {"sessionId": session.session_id, "balance": str(session.balance), "payer": payer.address}})
        while True:
            cmd = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
            if "consumed" in cmd:
                deadline = time.monotonic() + 10
                while session.consumed < int(cmd["consumed"]) and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                say({"consumed": str(session.consumed)})
            elif cmd.get("end"):
                statement = await session.end()
                break
    stated = None if statement is None else {k: (str(v) if isinstance(v, int) else v) for k, v in statement.items()}
    say({"ended": {"closeCode": session.close_code, "ended": session.ended, "consumed": str(session.consumed),
                   "remaining": str(session.remaining), "balance": str(session.balance), "statement": stated,
                   "spent": str(payer.budget.spent)}})


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == "client":
        asyncio.run(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    else:
        raise SystemExit(f"unknown mode {sys.argv[1]!r}")
