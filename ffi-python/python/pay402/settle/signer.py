"""Who signs the settlement transactions.

:class:`EvmSigner` is the protocol: an ``address`` and ``sign_transaction(tx) -> raw bytes`` for
an EIP-1559 transaction dict (the keys of :func:`pay402.sign_eip1559_transaction`). A KMS or an
HSM can sit behind an object of your own. :class:`PrivateKeySigner` signs with a secp256k1 key
given in hex or read from an environment variable (default ``PAY402_SETTLER_KEY``), through the
core's :func:`pay402.sign_eip1559_transaction`; the key is held as bytes and never appears in
``repr``, ``str`` or logs.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Union

from .._native import Error, private_key_to_address, sign_eip1559_transaction
from ..errors import LocalSettlementError

try:  # Protocol is in typing from 3.8
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

__all__ = ["EvmSigner", "PrivateKeySigner", "DEFAULT_KEY_ENV"]

DEFAULT_KEY_ENV = "PAY402_SETTLER_KEY"


@runtime_checkable
class EvmSigner(Protocol):
    """Signs the settler's transactions."""

    @property
    def address(self) -> str:
        """The sender's address (EIP-55)."""
        ...

    def sign_transaction(self, tx: Mapping[str, Any]) -> bytes:
        """The signed raw type-2 transaction (``0x02 ‖ rlp(…)``) for ``tx`` (``chainId``,
        ``nonce``, ``maxPriorityFeePerGas``, ``maxFeePerGas``, ``gas``, ``to``, ``value``,
        ``data``)."""
        ...


class PrivateKeySigner:
    """An :class:`EvmSigner` on a private key: ``PrivateKeySigner("0x…")`` or
    ``PrivateKeySigner(env="MY_KEY")`` (default: the ``PAY402_SETTLER_KEY`` environment variable
    when no key is given). Raises :class:`~pay402.errors.LocalSettlementError`
    (``missing_settler_key``, ``invalid_settler_key``); the message never contains the key."""

    __slots__ = ("_key", "_address")

    def __init__(self, key: Union[str, bytes, None] = None, *, env: str = DEFAULT_KEY_ENV) -> None:
        if key is None:
            key = os.environ.get(env, "").strip()
            if not key:
                raise LocalSettlementError(f"no settler key: pass one or set ${env}", code="missing_settler_key")
        if isinstance(key, str):
            text = key.strip()
            text = text[2:] if text[:2].lower() == "0x" else text
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                raise LocalSettlementError("the settler key is not hex", code="invalid_settler_key") from None
        else:
            raw = bytes(key)
        if len(raw) != 32:
            raise LocalSettlementError("the settler key is not 32 bytes", code="invalid_settler_key")
        try:
            address = private_key_to_address(raw)
        except Error:
            raise LocalSettlementError("the settler key is not a valid secp256k1 key", code="invalid_settler_key") from None
        self._key = raw
        self._address = address

    @property
    def address(self) -> str:
        return self._address

    def sign_transaction(self, tx: Mapping[str, Any]) -> bytes:
        return bytes(sign_eip1559_transaction(tx, self._key).raw)

    def __repr__(self) -> str:
        return f"PrivateKeySigner(address={self._address!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickle the key into a cache, a queue or a log
        raise TypeError("a PrivateKeySigner is not picklable")


def _signer(signer: Optional[EvmSigner]) -> EvmSigner:
    return PrivateKeySigner() if signer is None else signer
