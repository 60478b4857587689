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
from .records import MemorySettlementRecords, RedisSettlementRecords, SettlementRecords

__all__ = [
    "FacilitatorApp",
    "FacilitatorConfig",
    "NetworkConfig",
    "Metrics",
    "MemorySettlementRecords",
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
    names, and verifies smart-wallet payers through ``pay402.settle.EvmJsonRpc``; records live in
    Redis when ``redis_url_env`` is set, else in this process."""
    if settlers is None or (rpcs is None and any(n.smart_wallets for n in config.networks)):
        from ..settle import EvmJsonRpc, LocalEvmSettlement, PrivateKeySigner

        if rpcs is None:
            rpcs = {n.network: EvmJsonRpc(list(n.rpc_urls)) for n in config.networks}
        if settlers is None:
            settlers = {
                n.network: LocalEvmSettlement(
                    network=n.network,
                    rpc_urls=list(n.rpc_urls),
                    signer=PrivateKeySigner(config.signer_key(n)),
                    receipt_timeout=n.receipt_timeout,
                )
                for n in config.networks
            }
    if records is None:
        url = config.redis_url()
        records = MemorySettlementRecords() if url is None else RedisSettlementRecords(url, prefix=config.redis_prefix)
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
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
