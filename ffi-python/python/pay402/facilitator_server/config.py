"""The facilitator's configuration: a TOML or JSON file plus environment overrides.

Secrets never sit in the file: it names the environment variables that hold them (signer keys,
bearer API keys, the Redis URL). A configuration that could not fail closed raises
:class:`~pay402.errors.ConfigurationError` with a stable ``.code`` at startup:

``facilitator_config_unreadable``   the file cannot be read or parsed (TOML on Python < 3.11 needs
                                    ``tomli``; JSON needs nothing)
``facilitator_config_invalid``      a key has the wrong type, an unknown key, a bad number
``facilitator_no_networks``         no ``[[networks]]``
``facilitator_bad_network``         a network that is not an ``eip155:<chain id>`` CAIP-2 id, or twice
``facilitator_no_rpc``              a network without RPC URLs
``facilitator_bad_address``         an asset or factory that is not a 20-byte hex address
``facilitator_env_missing``         a variable the file names (signer key, API key, Redis URL) is unset
``facilitator_bad_signer_key``      a signer key the core refuses
``facilitator_no_api_keys``         no bearer key and ``public`` not set: every caller could settle
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .. import _native as p
from ..errors import ConfigurationError

__all__ = ["FacilitatorConfig", "NetworkConfig", "load_config", "parse_config", "env_suffix"]

_NETWORK = re.compile(r"^eip155:([1-9][0-9]{0,18})$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass(frozen=True)
class NetworkConfig:
    """One EVM network the facilitator verifies and settles on."""

    network: str
    chain_id: int
    rpc_urls: Tuple[str, ...]
    signer_key_env: str
    assets: Tuple[str, ...]  # EIP-55; empty = every asset
    smart_wallets: bool  # verify through RPC (EIP-1271, ERC-6492) instead of strict ECDSA only
    eip6492_allowed_factories: Tuple[str, ...]  # EIP-55; empty denies every counterfactual payer
    receipt_timeout: float
    signer_address: str = ""

    def __repr__(self) -> str:  # the variable's name only, never its value
        return (f"NetworkConfig(network={self.network!r}, rpc_urls={len(self.rpc_urls)} URL(s), "
                f"signer_key_env={self.signer_key_env!r}, signer_address={self.signer_address!r})")


@dataclass(frozen=True)
class FacilitatorConfig:
    networks: Tuple[NetworkConfig, ...]
    api_keys_env: Tuple[str, ...] = ()
    public: bool = False
    redis_url_env: Optional[str] = None
    redis_prefix: str = "pay402:facilitator:settle:"
    settle_wait: float = 30.0  # how long a concurrent /settle waits for the first one's result
    record_ttl_margin: int = 3600  # seconds a settlement record outlives the authorization
    valid_before_slack: int = 6
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def network(self, name: str) -> Optional[NetworkConfig]:
        for n in self.networks:
            if n.network == name:
                return n
        return None

    def api_keys(self) -> List[bytes]:
        return [self.env[name].encode("utf-8") for name in self.api_keys_env]

    def signer_key(self, net: NetworkConfig) -> str:
        return self.env[net.signer_key_env]

    def redis_url(self) -> Optional[str]:
        return None if self.redis_url_env is None else self.env[self.redis_url_env]


def env_suffix(network: str) -> str:
    """``eip155:31337`` → ``EIP155_31337``: the suffix of a network's override variables."""
    return re.sub(r"[^A-Za-z0-9]", "_", network).upper()


def _bad(message: str, code: str = "facilitator_config_invalid") -> ConfigurationError:
    return ConfigurationError(message, code=code)


def _get(table: Mapping[str, Any], key: str, kind: Any, where: str, default: Any = None) -> Any:
    value = table.get(key, default)
    if value is default:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is int and isinstance(value, bool):
        raise _bad(f"{where}.{key} must be an integer")
    if not isinstance(value, kind):
        raise _bad(f"{where}.{key} must be {getattr(kind, '__name__', kind)}, not {type(value).__name__}")
    return value


def _strings(table: Mapping[str, Any], key: str, where: str) -> Tuple[str, ...]:
    value = _get(table, key, list, where, [])
    if not all(isinstance(v, str) and v for v in value):
        raise _bad(f"{where}.{key} must be a list of non-empty strings")
    return tuple(value)


def _address(value: str, where: str) -> str:
    if not _ADDRESS.match(value):
        raise _bad(f"{where}: {value!r} is not a 0x-prefixed 20-byte hex address", "facilitator_bad_address")
    return p.checksum_address(value)


def _env_var(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name)
    if not value:
        raise _bad(f"{what}: the environment variable {name} is not set", "facilitator_env_missing")
    return value


_TOP = {"networks", "api_keys_env", "public", "redis_url_env", "redis_prefix", "settle_wait_seconds",
        "record_ttl_margin_seconds", "valid_before_slack"}
_NET = {"network", "rpc_urls", "signer_key_env", "assets", "smart_wallets", "eip6492_allowed_factories",
        "receipt_timeout_seconds"}


def parse_config(data: Mapping[str, Any], env: Optional[Mapping[str, str]] = None) -> FacilitatorConfig:
    """Checks a parsed configuration (the file's tables) against ``env`` (default ``os.environ``).

    Environment overrides, applied before the checks: ``PAY402_FACILITATOR_RPC_URLS_<NET>`` (comma
    separated) replaces a network's ``rpc_urls``, ``PAY402_FACILITATOR_SIGNER_KEY_ENV_<NET>`` its
    ``signer_key_env`` (``<NET>`` is :func:`env_suffix` of the network), and
    ``PAY402_FACILITATOR_REDIS_URL_ENV`` the ``redis_url_env``.
    """
    env = dict(os.environ if env is None else env)
    if not isinstance(data, Mapping):
        raise _bad("the configuration must be a table (object)")
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise _bad(f"unknown key(s): {', '.join(unknown)}")
    raw_networks = _get(data, "networks", list, "config", [])
    if not raw_networks:
        raise _bad("no [[networks]]: the facilitator would serve nothing", "facilitator_no_networks")
    networks: List[NetworkConfig] = []
    seen = set()
    for i, raw in enumerate(raw_networks):
        where = f"networks[{i}]"
        if not isinstance(raw, Mapping):
            raise _bad(f"{where} must be a table")
        unknown = sorted(set(raw) - _NET)
        if unknown:
            raise _bad(f"{where}: unknown key(s): {', '.join(unknown)}")
        name = _get(raw, "network", str, where, "")
        m = _NETWORK.match(name)
        if not m:
            raise _bad(f"{where}.network {name!r} is not an eip155:<chain id> CAIP-2 id", "facilitator_bad_network")
        if name in seen:
            raise _bad(f"{where}.network {name} is configured twice", "facilitator_bad_network")
        seen.add(name)
        suffix = env_suffix(name)
        rpc_urls = _strings(raw, "rpc_urls", where)
        override = env.get("PAY402_FACILITATOR_RPC_URLS_" + suffix)
        if override:
            rpc_urls = tuple(u.strip() for u in override.split(",") if u.strip())
        if not rpc_urls:
            raise _bad(f"{where} ({name}) has no rpc_urls", "facilitator_no_rpc")
        for url in rpc_urls:
            if not url.startswith(("http://", "https://")):
                raise _bad(f"{where} ({name}): an RPC URL must be http(s)", "facilitator_no_rpc")
        key_env = env.get("PAY402_FACILITATOR_SIGNER_KEY_ENV_" + suffix) or _get(raw, "signer_key_env", str, where, "")
        if not key_env:
            raise _bad(f"{where} ({name}) names no signer_key_env")
        key = _env_var(env, key_env, f"{where} ({name}) signer key")
        try:
            signer_address = p.private_key_to_address(key)
        except (p.Error, ValueError, TypeError):  # the message names the variable, never the key
            raise _bad(f"{where} ({name}): the key in {key_env} is not a secp256k1 private key",
                       "facilitator_bad_signer_key") from None
        timeout = _get(raw, "receipt_timeout_seconds", float, where, 30.0)
        if not 0 < timeout <= 600:
            raise _bad(f"{where}.receipt_timeout_seconds must be in (0, 600]")
        networks.append(NetworkConfig(
            network=name,
            chain_id=int(m.group(1)),
            rpc_urls=rpc_urls,
            signer_key_env=key_env,
            assets=tuple(_address(a, f"{where}.assets") for a in _strings(raw, "assets", where)),
            smart_wallets=_get(raw, "smart_wallets", bool, where, False),
            eip6492_allowed_factories=tuple(_address(a, f"{where}.eip6492_allowed_factories")
                                            for a in _strings(raw, "eip6492_allowed_factories", where)),
            receipt_timeout=timeout,
            signer_address=signer_address,
        ))
    api_keys_env = _strings(data, "api_keys_env", "config")
    for name in api_keys_env:
        _env_var(env, name, "bearer API key")
    public = _get(data, "public", bool, "config", False)
    if not api_keys_env and not public:
        raise _bad("no api_keys_env: set bearer API keys, or public = true to serve anyone",
                   "facilitator_no_api_keys")
    redis_url_env = env.get("PAY402_FACILITATOR_REDIS_URL_ENV") or _get(data, "redis_url_env", str, "config", None)
    if redis_url_env is not None:
        _env_var(env, redis_url_env, "Redis URL")
    settle_wait = _get(data, "settle_wait_seconds", float, "config", 30.0)
    margin = _get(data, "record_ttl_margin_seconds", int, "config", 3600)
    slack = _get(data, "valid_before_slack", int, "config", 6)
    if not 0 <= settle_wait <= 600 or not 60 <= margin <= 30 * 86400 or not 0 <= slack <= 600:
        raise _bad("settle_wait_seconds must be in [0, 600], record_ttl_margin_seconds in [60, 2592000], "
                   "valid_before_slack in [0, 600]")
    return FacilitatorConfig(
        networks=tuple(networks),
        api_keys_env=api_keys_env,
        public=public,
        redis_url_env=redis_url_env,
        redis_prefix=_get(data, "redis_prefix", str, "config", "pay402:facilitator:settle:"),
        settle_wait=settle_wait,
        record_ttl_margin=margin,
        valid_before_slack=slack,
        env={k: v for k, v in env.items() if k in set(api_keys_env) | {n.signer_key_env for n in networks}
             | ({redis_url_env} if redis_url_env else set())},
    )


def _read_toml(text: str) -> Dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        try:
            import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
        except ModuleNotFoundError:
            raise ConfigurationError("a TOML configuration on Python < 3.11 needs tomli: pip install tomli "
                                     "(or write the configuration as JSON, in a file ending in .json)",
                                     code="facilitator_config_unreadable") from None
    result: Dict[str, Any] = tomllib.loads(text)
    return result


def load_config(path: str, env: Optional[Mapping[str, str]] = None) -> FacilitatorConfig:
    """Reads ``path`` (``.json``: JSON; anything else: TOML) and checks it with :func:`parse_config`."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ConfigurationError(f"cannot read the configuration {path}: {e.strerror}",
                                 code="facilitator_config_unreadable") from None
    try:
        data = json.loads(text) if path.endswith(".json") else _read_toml(text)
    except ConfigurationError:
        raise
    except ValueError as e:  # json.JSONDecodeError and tomllib.TOMLDecodeError are ValueErrors
        raise ConfigurationError(f"cannot parse the configuration {path}: {e}",
                                 code="facilitator_config_unreadable") from None
    return parse_config(data, env)
