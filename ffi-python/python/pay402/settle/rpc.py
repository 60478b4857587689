"""Ethereum JSON-RPC over HTTP(S) with failover across several URLs (standard library only).

Failover rules:

* A read (every method but ``eth_sendRawTransaction``) moves on to the next URL when the
  connection cannot be made, times out, is lost, or answers HTTP 5xx. A JSON-RPC error object is
  an answer (the node decided), so it is raised as ``rpc_error`` without trying another URL.
* ``eth_sendRawTransaction`` moves on to the next URL **only when the connection could not be
  made** (TCP connect or TLS handshake failed: nothing left this process). Once the request may
  have been written, a failure raises ``rpc_send_unknown`` and nothing is re-sent elsewhere by
  this class. Re-sending the *same* signed bytes would be harmless (the same transaction hash,
  the same nonce: a node that has it answers "already known"), and
  :class:`pay402.settle.LocalEvmSettlement` relies on that: it keeps the signed bytes of a
  settlement whose outcome is unknown and re-broadcasts exactly them when it reconciles and no
  node knows the hash. It never signs a second transaction for the same payment.

The URL that answered last is tried first next time.
"""

from __future__ import annotations

import http.client
import itertools
import json
import ssl
import threading
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ..errors import ConfigurationError, RpcError

__all__ = ["EvmJsonRpc", "revert_text_of"]

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)


def _hex_data(data: Union[bytes, str]) -> str:
    if isinstance(data, (bytes, bytearray)):
        return "0x" + bytes(data).hex()
    return data if data.startswith("0x") else "0x" + data


def _quantity(value: Any, what: str) -> int:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise RpcError(f"{what}: not a hex quantity: {value!r}", code="rpc_malformed_response")
    try:
        return int(value, 16)
    except ValueError:
        raise RpcError(f"{what}: not a hex quantity: {value!r}", code="rpc_malformed_response") from None


def revert_text_of(error: Mapping[str, Any]) -> str:
    """The revert text of a JSON-RPC error object: the ``Error(string)`` reason when ``data``
    carries one (as ``data`` or ``data.data``), else the node's message."""
    data = error.get("data")
    if isinstance(data, Mapping):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            raw = bytes.fromhex(data[2:])
        except ValueError:
            raw = b""
        if raw[:4] == _ERROR_STRING and len(raw) >= 68:
            length = int.from_bytes(raw[36:68], "big")
            text = raw[68 : 68 + length]
            if len(text) == length:
                return text.decode("utf-8", "replace")
    return str(error.get("message", ""))


class _NotConnected(Exception):
    pass


class _Failed(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class EvmJsonRpc:
    """JSON-RPC client for one EVM chain over one or several HTTP(S) URLs (see the module
    docstring for failover). ``timeout`` (seconds) bounds each HTTP exchange. Thread-safe: each
    call opens its own connection.

    It is also an RPC for :func:`pay402.verify_payment_with_rpc` (``get_code``, ``call``)."""

    def __init__(self, urls: Union[str, Sequence[str]], *, timeout: float = 10.0) -> None:
        url_list = [urls] if isinstance(urls, str) else list(urls)
        if not url_list:
            raise ConfigurationError("EvmJsonRpc needs at least one URL", code="missing_rpc_url")
        self._urls: List[urllib.parse.SplitResult] = []
        for url in url_list:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigurationError(f"RPC URL {url!r} is not http(s)://host…", code="invalid_rpc_url")
            self._urls.append(parts)
        self.urls = tuple(url_list)
        self.timeout = float(timeout)
        self._first = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def __repr__(self) -> str:  # URLs may carry an API key in their path: show the hosts only
        return f"EvmJsonRpc(hosts={[u.hostname for u in self._urls]!r})"

    # --- transport -------------------------------------------------------------------------------

    def _post(self, index: int, body: bytes) -> Any:
        parts = self._urls[index]
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        try:
            try:
                conn.connect()
            except OSError as e:
                raise _NotConnected(f"{type(e).__name__}: {e}") from e
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            try:
                conn.request("POST", path, body=body, headers={"content-type": "application/json", "accept": "application/json"})
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as e:
                raise _Failed(f"{type(e).__name__}: {e}", "rpc_unavailable") from e
            if response.status >= 500:
                raise _Failed(f"HTTP {response.status}", "rpc_unavailable")
            if response.status >= 300:
                raise RpcError(f"HTTP {response.status}", code="rpc_http_error", url=self.urls[index])
            try:
                return json.loads(payload)
            except ValueError:
                raise RpcError("the answer is not JSON", code="rpc_malformed_response", url=self.urls[index]) from None
        finally:
            conn.close()

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """Calls ``method`` with ``params``; the ``result``. Raises :class:`~pay402.errors.RpcError`."""
        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}).encode()
        is_send = method == "eth_sendRawTransaction"
        start = self._first
        n = len(self._urls)
        connected = False
        last = ""
        for step in range(n):
            index = (start + step) % n
            try:
                answer = self._post(index, body)
            except _NotConnected as e:
                last = f"{self._urls[index].hostname}: {e}"
                continue
            except _Failed as e:
                connected = True
                last = f"{self._urls[index].hostname}: {e}"
                if is_send:
                    raise RpcError(
                        f"{method}: the transaction may have arrived ({last}); not re-sent elsewhere",
                        code="rpc_send_unknown", url=self.urls[index],
                    ) from e
                continue
            with self._lock:
                self._first = index
            if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
                raise RpcError(f"{method}: not a JSON-RPC answer", code="rpc_malformed_response", url=self.urls[index])
            error = answer.get("error")
            if error is not None:
                if not isinstance(error, dict):
                    raise RpcError(f"{method}: malformed error", code="rpc_malformed_response", url=self.urls[index])
                raise RpcError(
                    f"{method}: {error.get('message', '')}",
                    code="rpc_error",
                    url=self.urls[index],
                    rpc_code=error.get("code") if isinstance(error.get("code"), int) else None,
                    data=error.get("data"),
                    revert_text=revert_text_of(error),
                )
            return answer["result"]
        if connected:
            raise RpcError(f"{method}: every RPC URL failed (last: {last})", code="rpc_unavailable")
        raise RpcError(f"{method}: no RPC URL could be reached, nothing was sent (last: {last})", code="rpc_unreachable")

    # --- typed calls -----------------------------------------------------------------------------

    def chain_id(self) -> int:
        return _quantity(self.request("eth_chainId"), "eth_chainId")

    def get_transaction_count(self, address: str, block: str = "pending") -> int:
        return _quantity(self.request("eth_getTransactionCount", [address, block]), "eth_getTransactionCount")

    def max_priority_fee_per_gas(self) -> int:
        return _quantity(self.request("eth_maxPriorityFeePerGas"), "eth_maxPriorityFeePerGas")

    def base_fee_per_gas(self) -> Optional[int]:
        """The latest block's ``baseFeePerGas``; None on a chain without EIP-1559."""
        block = self.request("eth_getBlockByNumber", ["latest", False])
        if not isinstance(block, dict):
            raise RpcError("eth_getBlockByNumber: no latest block", code="rpc_malformed_response")
        fee = block.get("baseFeePerGas")
        return None if fee is None else _quantity(fee, "baseFeePerGas")

    def estimate_gas(self, tx: Mapping[str, Any]) -> int:
        """``eth_estimateGas``; a revert raises ``rpc_error`` with ``.revert_text``."""
        return _quantity(self.request("eth_estimateGas", [dict(tx)]), "eth_estimateGas")

    def send_raw_transaction(self, raw: Union[bytes, str]) -> str:
        result = self.request("eth_sendRawTransaction", [_hex_data(raw)])
        if not isinstance(result, str):
            raise RpcError("eth_sendRawTransaction: no hash", code="rpc_malformed_response")
        return result

    def get_transaction_receipt(self, tx_hash: str) -> Optional[Dict[str, Any]]:
        receipt = self.request("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None and not isinstance(receipt, dict):
            raise RpcError("eth_getTransactionReceipt: not an object", code="rpc_malformed_response")
        return receipt

    def get_transaction_by_hash(self, tx_hash: str) -> Optional[Dict[str, Any]]:
        tx = self.request("eth_getTransactionByHash", [tx_hash])
        if tx is not None and not isinstance(tx, dict):
            raise RpcError("eth_getTransactionByHash: not an object", code="rpc_malformed_response")
        return tx

    # --- the RPC of verify_payment_with_rpc ----------------------------------------------------

    def get_code(self, address: str, /) -> bytes:
        code = self.request("eth_getCode", [address, "latest"])
        if not isinstance(code, str) or not code.startswith("0x"):
            raise RpcError("eth_getCode: not hex", code="rpc_malformed_response")
        return bytes.fromhex(code[2:])

    def call(self, to: str, data: bytes, /) -> Optional[bytes]:
        """``eth_call`` at the latest block; None when the call reverted (a JSON-RPC error whose
        code is 3 or whose message says it reverted). Other failures raise."""
        try:
            out = self.request("eth_call", [{"to": to, "data": _hex_data(data)}, "latest"])
        except RpcError as e:
            if e.code == "rpc_error" and (e.rpc_code == 3 or "revert" in e.message.lower()):
                return None
            raise
        if not isinstance(out, str) or not out.startswith("0x"):
            raise RpcError("eth_call: not hex", code="rpc_malformed_response")
        return bytes.fromhex(out[2:])
