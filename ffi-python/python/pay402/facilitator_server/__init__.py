"""``pay402 facilitator``: an x402 facilitator server (ASGI, runs under uvicorn).

It serves the x402 facilitator API (``POST /verify``, ``POST /settle``, ``GET /supported``) plus
``GET /health`` and ``GET /metrics``, verifies through the core and settles on EVM networks with the
operator's own key and RPC URLs (:class:`pay402.settle.LocalEvmSettlement`). Settlement is
idempotent per authorization across processes when the processes share a Redis
(``redis_url_env``). See the package README, "Run a facilitator".

    from pay402.facilitator_server import create_app, load_config
    app = create_app(load_config("facilitator.toml"))   # any ASGI server
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Mapping, Optional

from .app import FacilitatorApp, Settler
from .config import FacilitatorConfig, NetworkConfig, env_suffix, load_config, parse_config
from .metrics import Metrics
from .records import MemorySettlementRecords, RedisPendingStore, RedisSettlementRecords, SettlementRecords

__all__ = [
    "FacilitatorApp",
    "FacilitatorConfig",
    "NetworkConfig",
    "Metrics",
    "MemorySettlementRecords",
    "RedisPendingStore",
    "RedisSettlementRecords",
    "SettlementRecords",
    "Settler",
    "create_app",
    "env_suffix",
    "load_config",
    "parse_config",
    "serve",
]


def create_app(
    config: FacilitatorConfig,
    *,
    settlers: Optional[Mapping[str, Settler]] = None,
    rpcs: Optional[Mapping[str, Any]] = None,
    records: Optional[SettlementRecords] = None,
) -> FacilitatorApp:
    """The ASGI app for ``config``. By default each network settles through
    ``pay402.settle.LocalEvmSettlement`` with its RPC URLs and the key its ``signer_key_env``
    names, and verifies smart-wallet payers through that backend's RPC; settlement records (and
    the backends' pending settlements) live in Redis when ``redis_url_env`` is set, else in this
    process."""
    pending_store = None
    if records is None:
        url = config.redis_url()
        if url is None:
            records = MemorySettlementRecords()
        else:
            redis_records = RedisSettlementRecords(url, prefix=config.redis_prefix)
            # the backends' pending settlements live next to the records: any process can await them
            pending_store = RedisPendingStore(redis_records.client, prefix=config.redis_prefix + "pending:")
            records = redis_records
    if settlers is None:
        from ..settle import LocalEvmSettlement, PrivateKeySigner

        settlers = {
            n.network: LocalEvmSettlement(
                n.network,
                list(n.rpc_urls),
                PrivateKeySigner(config.signer_key(n)),
                receipt_timeout=n.receipt_timeout,
                allowed_factories=list(n.eip6492_allowed_factories),
                pending_store=pending_store,
            )
            for n in config.networks
        }
    if rpcs is None:  # smart-wallet payers are verified through the backend's RPC (with its failover)
        rpcs = {name: getattr(s, "rpc") for name, s in settlers.items() if hasattr(s, "rpc")}
    return FacilitatorApp(config, settlers=settlers, rpcs=rpcs, records=records)


class _JsonLines(logging.Formatter):
    """Request lines are JSON already; anything else is wrapped as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if message.startswith("{") and not record.exc_info:
            return message
        out = {"level": record.levelname.lower(), "logger": record.name, "message": message}
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
        return json.dumps(out, separators=(",", ":"))


def serve(config_path: str, *, host: str = "127.0.0.1", port: int = 8402) -> None:
    """Loads ``config_path`` and runs the app under uvicorn until interrupted (one JSON log line
    per request on stderr)."""
    from ..errors import require_extra

    uvicorn = require_extra("uvicorn", "facilitator", "pay402 facilitator")
    config = load_config(config_path)
    app = create_app(config)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines())
    logger = logging.getLogger("pay402.facilitator")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.info(json.dumps({"event": "start", "host": host, "port": port,
                            "networks": [n.network for n in config.networks],
                            "signers": sorted({n.signer_address for n in config.networks}),
                            "records": "memory" if config.redis_url_env is None else "redis"}, separators=(",", ":")))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
