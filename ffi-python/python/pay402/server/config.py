"""Paywall configuration from a dict (Django ``settings.PAY402``, a TOML/JSON file) or from
``PAY402_*`` environment variables. Anything missing or invalid raises
:class:`~pay402.errors.ConfigurationError` with a stable ``.code``; nothing is guessed.

Keys (dict: lower or upper case; environment: ``PAY402_`` + upper case):

=========================  ====================================================================
``routes``                 ``{pattern: price}`` (dict), or in the environment
                           ``"GET /premium=$0.01; /api/*=5000"`` or a JSON object (required)
``network``                v1 name or CAIP-2, e.g. ``eip155:84532``, ``base``, ``solana-devnet``
``pay_to``                 the payee address
``facilitator_url``        settle through this facilitator (or ``settlement``): "remote", or
                           "hybrid" (verified here, settled there) — the same thing here, since
                           the paywall always verifies before the handler runs
``settlement``             ``local`` (settle with your own key and RPC: :mod:`pay402.settle`), or
                           ``none`` (tests and demos only: nothing is settled)
``rpc_urls``               ``local``: the chain's JSON-RPC URLs, comma-separated (failover order)
``settler_key_env``        ``local``: the environment variable holding the key (default
                           ``PAY402_SETTLER_KEY``; Solana: the fee payer's seed, default
                           ``PAY402_SVM_FEE_PAYER``). The key itself is never a setting.
``redis_url``              share the replay store through Redis (else one process, in memory)
``scheme``                 ``exact`` (default) or ``upto``
``asset``, ``decimals``    the token (default: the network's default asset)
``eip712_name``,           the token's EIP-712 domain (EIP-3009 tokens that are not defaults)
``eip712_version``
``transfer_method``        ``eip3009`` or ``permit2``
``fee_payer``              Solana: the facilitator's fee payer
``facilitator``            ``upto``: the facilitator address the authorization names
``max_timeout_seconds``    int
``description``,           of the resource, in the 402
``mime_type``
``settle_before_handler``  ``true``/``false``
=========================  ====================================================================
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional

from ..errors import ConfigurationError

__all__ = ["KEYS", "config_from_env", "paywall_kwargs", "parse_routes"]

_STR = ("network", "pay_to", "facilitator_url", "settlement", "rpc_urls", "settler_key_env", "redis_url", "scheme",
        "asset", "eip712_name", "eip712_version", "transfer_method", "fee_payer", "facilitator", "description",
        "mime_type")
_INT = ("decimals", "max_timeout_seconds")
_BOOL = ("settle_before_handler",)
KEYS = ("routes",) + _STR + _INT + _BOOL
# Python objects, not environment strings: ``page`` (False, True, a dict of
# :class:`~pay402.server.page.PageConfig` fields or a PageConfig) and ``paywall_html`` (a callable).
_OBJ = ("page", "paywall_html")


def parse_routes(text: str) -> Dict[str, str]:
    """``"GET /a=$0.01; /b=5000"`` (``;`` or newlines between routes) or a JSON object."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as e:
            raise ConfigurationError(f"PAY402_ROUTES is not valid JSON: {e}", code="invalid_routes") from e
        if not isinstance(value, dict) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value.values()):
            raise ConfigurationError("PAY402_ROUTES JSON must map patterns to prices", code="invalid_routes")
        return {str(k): str(v) for k, v in value.items()}
    routes: Dict[str, str] = {}
    for item in text.replace("\n", ";").split(";"):
        if not item.strip():
            continue
        pattern, sep, price = item.rpartition("=")
        if not sep or not pattern.strip() or not price.strip():
            raise ConfigurationError(f"PAY402_ROUTES entry {item.strip()!r} is not 'pattern=price'", code="invalid_routes")
        routes[pattern.strip()] = price.strip()
    return routes


def config_from_env(environ: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The ``PAY402_*`` variables of ``environ`` (default ``os.environ``) as a config dict.
    Other ``PAY402_`` variables (the CLI's key, test settings) are not paywall settings and are
    left alone."""
    env = os.environ if environ is None else environ
    config: Dict[str, Any] = {}
    for key in KEYS:
        value = env.get("PAY402_" + key.upper())
        if value is not None:
            config[key] = parse_routes(value) if key == "routes" else value
    return config


def _int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigurationError(f"{key} must be an integer, not {value!r}", code="invalid_" + key)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ConfigurationError(f"{key} must be an integer, not {value!r}", code="invalid_" + key)


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise ConfigurationError(f"{key} must be true or false, not {value!r}", code="invalid_" + key)


def paywall_kwargs(config: Mapping[str, Any], *, require_routes: bool = True) -> Dict[str, Any]:
    """A config dict as keyword arguments of :class:`~pay402.server.X402Paywall`. Unknown keys,
    missing routes, bad values raise :class:`ConfigurationError`."""
    if not isinstance(config, Mapping):
        raise ConfigurationError("the pay402 configuration must be a dict", code="invalid_config")
    normalized: Dict[str, Any] = {}
    for key, value in config.items():
        k = str(key).lower()
        if k in _OBJ:
            normalized[k] = value
            continue
        if k not in KEYS:
            raise ConfigurationError(f"unknown pay402 setting {key!r} (known: {', '.join(KEYS)})", code="unknown_option")
        normalized[k] = value
    routes = normalized.pop("routes", None)
    if isinstance(routes, str):
        routes = parse_routes(routes)
    if routes is None and not require_routes:
        routes = {}
    elif not routes or not isinstance(routes, Mapping):
        raise ConfigurationError("no routes: set routes (PAY402_ROUTES) to {pattern: price}", code="missing_routes")
    kwargs: Dict[str, Any] = {"routes": dict(routes)}
    _page_kwargs(normalized, kwargs)
    for key, value in normalized.items():
        if key in _INT:
            kwargs[key] = _int(key, value)
        elif key in _BOOL:
            kwargs[key] = _bool(key, value)
        elif not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"{key} must be a non-empty string, not {value!r}", code="invalid_" + key)
        else:
            kwargs[key] = value.strip()
    redis_url = kwargs.pop("redis_url", None)
    if redis_url is not None:
        from ..replay import RedisReplayStore

        kwargs["replay_store"] = RedisReplayStore.from_url(redis_url)
    _local_settlement(kwargs)
    return kwargs


def _page_kwargs(normalized: Dict[str, Any], kwargs: Dict[str, Any]) -> None:
    from .page import PageConfig

    if "page" in normalized:
        page = normalized.pop("page")
        if isinstance(page, Mapping):
            try:
                page = PageConfig(**page)
            except TypeError as e:
                raise ConfigurationError(f"page: {e}", code="unknown_option") from None
        elif not isinstance(page, (bool, PageConfig)):
            raise ConfigurationError(f"page must be False, True or a dict of page options, not {page!r}", code="invalid_page")
        kwargs["page"] = page
    if "paywall_html" in normalized:
        hook = normalized.pop("paywall_html")
        if hook is not None and not callable(hook):
            raise ConfigurationError("paywall_html must be a callable (info, request) -> HTML", code="invalid_paywall_html")
        kwargs["paywall_html"] = hook


def _local_settlement(kwargs: Dict[str, Any]) -> None:
    """``settlement = "local"``: the backend of :mod:`pay402.settle` for the network, with its key
    read from the environment variable ``settler_key_env`` names."""
    rpc_urls = kwargs.pop("rpc_urls", None)
    key_env = kwargs.pop("settler_key_env", None)
    if kwargs.get("settlement") != "local":
        if rpc_urls is not None or key_env is not None:
            raise ConfigurationError("rpc_urls and settler_key_env apply to settlement = local only", code="invalid_settlement")
        return
    if kwargs.get("facilitator_url") is not None:
        raise ConfigurationError("settlement = local settles without a facilitator: drop facilitator_url",
                                 code="invalid_settlement")
    urls = [u.strip() for u in (rpc_urls or "").split(",") if u.strip()]
    if not urls:
        raise ConfigurationError("settlement = local needs rpc_urls (PAY402_RPC_URLS)", code="missing_rpc_url")
    network = str(kwargs.get("network") or "")
    if network.startswith("solana"):
        from ..settle.svm import LocalSvmSettlement

        kwargs["settlement"] = LocalSvmSettlement(network, urls, fee_payer_env=key_env or "PAY402_SVM_FEE_PAYER")
    else:
        from ..settle import LocalEvmSettlement, PrivateKeySigner

        kwargs["settlement"] = LocalEvmSettlement(network, urls, PrivateKeySigner(env=key_env or "PAY402_SETTLER_KEY"))
