"""A WS402 endpoint on Redis run as its own process (``python ws402_restart_app.py``) by
test_ws402_resume.py, which kills it with SIGKILL and starts it again with the same secret.

Environment: ``PORT``, ``REDIS_PORT``, ``SECRET`` (hex), ``CLOCK_FILE`` (the server's clock: Unix
ms as text, moved by the test), ``LOG_FILE`` (one JSON line per settlement and refund, appended),
``GRACE_MS``. The settlement and the refund answer like a facilitator and
``LocalEvmSettlement.refund`` and only record."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uvicorn  # noqa: E402

from pay402.ws402 import RedisSessionStore, Ws402Endpoint, Ws402ServerSession  # noqa: E402
from web_support import PAY_TO, USDC_BASE_SEPOLIA  # noqa: E402

NETWORK = "eip155:84532"
LOG = os.environ["LOG_FILE"]
CLOCK = os.environ["CLOCK_FILE"]


def clock() -> float:
    with open(CLOCK) as f:
        return int(f.read().strip()) / 1000


def record(line: Dict[str, Any]) -> None:
    with open(LOG, "a") as f:
        f.write(json.dumps(line) + "\n")
        f.flush()
        os.fsync(f.fileno())


class Recorder:
    def settle(self, request: Any) -> Dict[str, Any]:
        record({"pid": os.getpid(), "settle": int(request.requirements["amount"])})
        return {"success": True, "transaction": "0x" + "ab" * 32, "network": NETWORK, "payer": request.payer or ""}

    def refund(self, order: Any) -> Dict[str, Any]:
        record({"pid": os.getpid(), "refund": int(order.amount), "to": order.to, "key": bytes(order.key).hex()})
        return {"success": True, "transaction": "0x" + "cd" * 32, "network": order.network, "asset": order.asset,
                "to": order.to, "amount": str(order.amount)}


def main() -> None:
    store = RedisSessionStore.from_url(f"redis://127.0.0.1:{os.environ['REDIS_PORT']}/0", socket_timeout=5)
    ep = Ws402Endpoint(
        network=NETWORK, pay_to=PAY_TO, asset=USDC_BASE_SEPOLIA, eip712_name="USDC", eip712_version="2",
        price_per_second=int(os.environ.get("PRICE", "300")), estimated_duration=40, update_interval=1.0,
        settlement=Recorder(), clock=clock, timer_poll=0.01, resource="ws://127.0.0.1/",
        secret=bytes.fromhex(os.environ["SECRET"]), store=store, resume_grace=int(os.environ["GRACE_MS"]) / 1000,
    )

    @ep.session
    async def echo(session: Ws402ServerSession) -> None:
        async for msg in session:
            await session.send_text(f"echo {msg}")

    uvicorn.run(ep.asgi, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
