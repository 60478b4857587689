"""The facilitator's configuration: a TOML or JSON file plus environment overrides.

Secrets never sit in the file: it names the environment variables that hold them (signer keys,
bearer API keys, the Redis URL). A configuration that could not fail closed raises
:class:`~pay402.errors.ConfigurationError` with a stable ``.code`` at startup:

``facilitator_config_unreadable``   the file cannot be read or parsed (TOML on Python < 3.11 needs
                                    ``tomli``; JSON needs nothing)
``facilitator_config_invalid``      a key has the wrong type, an unknown key, a bad number
``facilitator_no_networks``         no ``[[networks]]``
``facilitator_bad_network``         a network that is not an ``eip155:<chain id>`` or known ``solana:…`` CAIP-2
                                    id, or twice; a ``v1_name`` that is not this network's x402 v1 name
``facilitator_no_rpc``              a network without RPC URLs
``facilitator_bad_address``         an asset or factory that is not a 20-byte hex address (Solana: a
                                    mint that is not a base58 public key)
``facilitator_env_missing``         a variable the file names (signer key, API key, Redis URL) is unset
``facilitator_bad_signer_key``      a signer key the core refuses (Solana: not a 32-byte ed25519 seed)
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
_SOLANA = re.compile(r"^solana:[1-9A-HJ-NP-Za-km-z]{32}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass(frozen=True)
class NetworkConfig:
    """One network the facilitator verifies and settles on: EVM (``eip155:…``, ``exact`` and,
    with ``upto``, Permit2 ``upto``) or Solana (``solana:…``, ``exact``)."""

    network: str
    chain_id: int  # 0 on Solana
    rpc_urls: Tuple[str, ...]
    signer_key_env: str  # EVM: the settler's key; Solana: the fee payer's ed25519 seed
    assets: Tuple[str, ...]  # EIP-55 (Solana: base58 mints); empty = every asset
    smart_wallets: bool  # verify through RPC (EIP-1271, ERC-6492) instead of strict ECDSA only
    eip6492_allowed_factories: Tuple[str, ...]  # EIP-55; empty denies every counterfactual payer
    receipt_timeout: float
    signer_address: str = ""  # EVM: the settler's address; Solana: the fee payer's public key
    family: str = "eip155"  # "eip155" or "solana"
    upto: bool = False  # Permit2 `upto` served; `witness.facilitator` must be signer_address
    v1_name: str = ""  # the x402 v1 name this network is also served under (x402_v1)

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
    x402_v1: bool = False  # also serve x402 v1 payloads on the networks with a v1_name
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def network(self, name: str, version: int = 2) -> Optional[NetworkConfig]:
        """The network a payment names: a CAIP-2 id (x402 v2) or, with ``x402_v1``, the v1 name
        of a network configured with that ``v1_name`` (v1)."""
        for n in self.networks:
            if version == 2 and n.network == name:
                return n
            if version == 1 and self.x402_v1 and n.v1_name and n.v1_name == name:
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
        "record_ttl_margin_seconds", "valid_before_slack", "x402_v1"}
_NET = {"network", "rpc_urls", "signer_key_env", "assets", "smart_wallets", "eip6492_allowed_factories",
        "receipt_timeout_seconds", "upto", "v1_name"}
_SOLANA_NET = {"network", "rpc_urls", "fee_payer_key_env", "assets", "v1_name"}


def _fee_payer(seed: str, key_env: str, where: str) -> str:
    """The fee payer's base58 public key from its 32-byte ed25519 seed (hex, ``0x`` optional)."""
    try:
        raw = bytes.fromhex(seed.strip().removeprefix("0x"))
        if len(raw) != 32:
            raise ValueError
        return str(p.svm_public_key(raw))
    except (p.Error, ValueError, TypeError):  # the message names the variable, never the seed
        raise _bad(f"{where}: the value of {key_env} is not a 32-byte ed25519 seed (64 hex digits)",
                   "facilitator_bad_signer_key") from None


def _v1_name(raw: Mapping[str, Any], name: str, where: str) -> str:
    v1 = _get(raw, "v1_name", str, where, "")
    if v1:
        resolved = p.resolve_network(v1)
        if v1 == name or resolved is None or resolved[0] != name:
            raise _bad(f"{where}.v1_name {v1!r} is not the x402 v1 name of {name}", "facilitator_bad_network")
    return str(v1)


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
        name = _get(raw, "network", str, where, "")
        m = _NETWORK.match(name)
        solana = bool(_SOLANA.match(name))
        if solana and p.resolve_network(name) != (name, None):
            raise _bad(f"{where}.network {name!r} is not a Solana cluster pay402 knows", "facilitator_bad_network")
        if not m and not solana:
            raise _bad(f"{where}.network {name!r} is not an eip155:<chain id> or solana:<genesis hash> CAIP-2 id",
                       "facilitator_bad_network")
        if name in seen:
            raise _bad(f"{where}.network {name} is configured twice", "facilitator_bad_network")
        seen.add(name)
        unknown = sorted(set(raw) - (_SOLANA_NET if solana else _NET))
        if unknown:
            raise _bad(f"{where} ({name}): unknown key(s) for this network: {', '.join(unknown)}")
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
        if solana:
            key_env = env.get("PAY402_FACILITATOR_SIGNER_KEY_ENV_" + suffix) or _get(raw, "fee_payer_key_env", str, where, "")
            if not key_env:
                raise _bad(f"{where} ({name}) names no fee_payer_key_env")
            mints = _strings(raw, "assets", where)
            for mint in mints:
                try:
                    p.svm_parse_pubkey(mint)
                except (p.Error, ValueError, TypeError):
                    raise _bad(f"{where}.assets: {mint!r} is not a base58 public key", "facilitator_bad_address") from None
            networks.append(NetworkConfig(
                network=name, chain_id=0, rpc_urls=rpc_urls, signer_key_env=key_env, assets=mints,
                smart_wallets=False, eip6492_allowed_factories=(), receipt_timeout=30.0,
                signer_address=_fee_payer(_env_var(env, key_env, f"{where} ({name}) fee payer seed"), key_env, where),
                family="solana", v1_name=_v1_name(raw, name, where),
            ))
            continue
        assert m is not None
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
            upto=_get(raw, "upto", bool, where, False),
            v1_name=_v1_name(raw, name, where),
        ))
    x402_v1 = _get(data, "x402_v1", bool, "config", False)
    if x402_v1 and not any(n.v1_name for n in networks):
        raise _bad("x402_v1 = true but no network has a v1_name: no x402 v1 payment could be served")
    if not x402_v1 and any(n.v1_name for n in networks):
        raise _bad("a network has a v1_name but x402_v1 is not true: set x402_v1 = true to serve x402 v1")
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
        x402_v1=x402_v1,
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
