"""A minimal Solana JSON-RPC client (https://solana.com/docs/rpc/http) for local settlement and
on-chain proofs: one POST per call, several URLs tried in order (failover on transport errors
only; a JSON-RPC error answer is the node's verdict and is not retried elsewhere). Standard
library only."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from typing import Any, List, Optional, Sequence, Union

__all__ = ["SolanaRpc", "SolanaRpcError", "SolanaRpcUnavailable"]


class SolanaRpcError(Exception):
    """The node answered a JSON-RPC error: ``code``, ``message`` and ``data`` as received."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data


class SolanaRpcUnavailable(Exception):
    """No URL answered (connection refused, timeout, HTTP error, a body that is not JSON-RPC)."""


class SolanaRpc:
    """Calls ``method(params)`` on the first of ``urls`` that answers."""

    def __init__(self, urls: Union[str, Sequence[str]], *, timeout: float = 10.0) -> None:
        self.urls: List[str] = [urls] if isinstance(urls, str) else list(urls)
        if not self.urls:
            raise ValueError("at least one RPC URL is needed")
        self.timeout = timeout
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"SolanaRpc({self.urls!r})"

    def call(self, method: str, params: Optional[Sequence[Any]] = None) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params or [])})
        failures: List[str] = []
        for url in self.urls:
            req = urllib.request.Request(url, data=body.encode(), headers={"content-type": "application/json"}, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    answer = json.loads(resp.read())
            except (urllib.error.URLError, OSError, ValueError) as e:
                failures.append(f"{url}: {e}")
                continue
            if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
                failures.append(f"{url}: not a JSON-RPC answer")
                continue
            if "error" in answer and answer["error"] is not None:
                err = answer["error"]
                if not isinstance(err, dict):
                    raise SolanaRpcError(-32603, str(err))
                raise SolanaRpcError(int(err.get("code", -32603)), str(err.get("message", "")), err.get("data"))
            return answer["result"]
        raise SolanaRpcUnavailable(f"{method}: no RPC URL answered ({'; '.join(failures)})")
