"""``pay402 facilitator``: an x402 facilitator server (ASGI, runs under uvicorn).

It serves the x402 facilitator API (``POST /verify``, ``POST /settle``, ``GET /supported``) plus
``GET /health`` and ``GET /metrics``, verifies through the core and settles with the operator's own
keys and RPC URLs: EVM ``exact`` (EIP-3009, Permit2) and ``upto`` (:class:`pay402.settle.LocalEvmSettlement`),
Solana ``exact`` with our fee payer (:class:`pay402.settle.svm.LocalSvmSettlement`), x402 v2 and,
when configured, v1. Settlement is idempotent per authorization (Solana: per transaction) across
processes when the processes share a Redis (``redis_url_env``). See the package README, "Run a facilitator".

    from pay402.facilitator_server import create_app, load_config
    app = create_app(load_config("facilitator.toml"))   # any ASGI server
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Dict, Mapping, Optional

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
    """The ASGI app for ``config``. By default each EVM network settles through
    ``pay402.settle.LocalEvmSettlement`` with its RPC URLs and the key its ``signer_key_env``
    names, and verifies smart-wallet payers through that backend's RPC; each Solana network
    through ``pay402.settle.svm.LocalSvmSettlement`` with the fee payer seed its
    ``fee_payer_key_env`` names. Settlement records, the EVM backends' pending settlements and the
    Solana duplicate-settlement cache live in Redis when ``redis_url_env`` is set, else in this
    process."""
    pending_store = None
    svm_cache = None
    if records is None:
        url = config.redis_url()
        if url is None:
            records = MemorySettlementRecords()
        else:
            redis_records = RedisSettlementRecords(url, prefix=config.redis_prefix)
            # the backends' pending settlements live next to the records: any process can await them
            pending_store = RedisPendingStore(redis_records.client, prefix=config.redis_prefix + "pending:")
            # one Solana transaction is sent once by whichever process settles it first
            from ..replay import RedisReplayStore

            svm_cache = RedisReplayStore(redis_records.client, prefix=config.redis_prefix + "svm-cache:")
            records = redis_records
    if settlers is None:
        from ..settle import LocalEvmSettlement, PrivateKeySigner
        from ..settle.svm import LocalSvmSettlement

        built: Dict[str, Settler] = {}
        for n in config.networks:
            if n.family == "solana":
                built[n.network] = LocalSvmSettlement(n.network, list(n.rpc_urls), fee_payer=config.signer_key(n),
                                                      cache=svm_cache)
            else:
                built[n.network] = LocalEvmSettlement(
                    n.network,
                    list(n.rpc_urls),
                    PrivateKeySigner(config.signer_key(n)),
                    receipt_timeout=n.receipt_timeout,
                    allowed_factories=list(n.eip6492_allowed_factories),
                    pending_store=pending_store,
                )
        settlers = built
    if rpcs is None:  # smart-wallet payers are verified through the backend's RPC (with its failover)
        evm = {n.network for n in config.networks if n.family == "eip155"}
        rpcs = {name: getattr(s, "rpc") for name, s in settlers.items() if name in evm and hasattr(s, "rpc")}
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
                            "x402_v1": config.x402_v1,
                            "records": "memory" if config.redis_url_env is None else "redis"}, separators=(",", ":")))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
