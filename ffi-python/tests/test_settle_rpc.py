"""pay402.settle.EvmJsonRpc's failover rules, over real HTTP on loopback (standard-library servers).

Each server stands for one RPC URL: `down` (nothing listens: the connection is refused), `busy`
(HTTP 503), `drops` (reads the request, then closes without answering) and `node` (answers JSON-RPC
2.0). The rules (pay402/settle/rpc.py): reads move on after refused / 5xx / dropped; a raw
transaction moves on only when the connection could not be made; a JSON-RPC error is an answer.
The chain itself is in tests/chain/test_local_settlement.py.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List

import pytest
from pay402.errors import RpcError
from pay402.settle import EvmJsonRpc

TX_HASH = "0x" + "ab" * 32
# Error(string) "Eip3009Token: authorization is used or canceled", ABI-encoded as a node returns it
REASON = "Eip3009Token: authorization is used or canceled"
REVERT_DATA = "0x08c379a0" + (32).to_bytes(32, "big").hex() + len(REASON).to_bytes(32, "big").hex() \
    + REASON.encode().hex().ljust(64 * ((len(REASON) + 31) // 32), "0")


class Server:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.methods: List[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                outer.methods.append(body["method"])
                if outer.kind == "drops":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if outer.kind == "busy":
                    self.send_response(503)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                answer: Dict[str, Any] = {"jsonrpc": "2.0", "id": body["id"]}
                m = body["method"]
                if m == "eth_chainId":
                    answer["result"] = "0x7a69"
                elif m == "eth_sendRawTransaction":
                    answer["result"] = TX_HASH
                elif m == "eth_call":
                    answer["error"] = {"code": 3, "message": "execution reverted: " + REASON, "data": REVERT_DATA}
                else:
                    answer["error"] = {"code": -32601, "message": f"method {m} not found"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/rpc/secret-api-key"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def down() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def servers() -> Iterator[Callable[[str], Server]]:
    made: List[Server] = []

    def make(kind: str) -> Server:
        made.append(Server(kind))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_reads_fail_over_past_refused_busy_and_dropped(servers: Callable[[str], Server]) -> None:
    busy, drops, node = servers("busy"), servers("drops"), servers("node")
    rpc = EvmJsonRpc([down(), busy.url, drops.url, node.url], timeout=5)
    assert rpc.chain_id() == 31337
    assert (busy.methods, drops.methods, node.methods) == (["eth_chainId"], ["eth_chainId"], ["eth_chainId"])
    assert rpc.chain_id() == 31337 and busy.methods == ["eth_chainId"]  # the URL that answered goes first


def test_a_send_moves_on_only_when_the_connection_was_refused(servers: Callable[[str], Server]) -> None:
    node = servers("node")
    assert EvmJsonRpc([down(), node.url]).send_raw_transaction(b"\x02\xc0") == TX_HASH
    assert node.methods == ["eth_sendRawTransaction"]
    for kind in ("busy", "drops"):
        maybe, other = servers(kind), servers("node")
        with pytest.raises(RpcError) as e:
            EvmJsonRpc([maybe.url, other.url], timeout=5).send_raw_transaction(b"\x02\xc0")
        assert e.value.code == "rpc_send_unknown"
        assert maybe.methods == ["eth_sendRawTransaction"] and other.methods == []  # never re-sent elsewhere


def test_nothing_reachable_or_every_url_failing(servers: Callable[[str], Server]) -> None:
    with pytest.raises(RpcError) as e:
        EvmJsonRpc([down(), down()]).chain_id()
    assert e.value.code == "rpc_unreachable"
    with pytest.raises(RpcError) as e:
        EvmJsonRpc([down(), servers("busy").url]).chain_id()
    assert e.value.code == "rpc_unavailable"


def test_a_json_rpc_error_is_an_answer(servers: Callable[[str], Server]) -> None:
    node, second = servers("node"), servers("node")
    rpc = EvmJsonRpc([node.url, second.url])
    with pytest.raises(RpcError) as e:
        rpc.estimate_gas({"to": "0x" + "11" * 20, "data": "0x"})
    assert (e.value.code, e.value.rpc_code) == ("rpc_error", -32601) and second.methods == []
    # eth_call reverting: None for verify_payment_with_rpc; the reason decoded from Error(string)
    assert rpc.call("0x" + "11" * 20, b"\x12\x34\x56\x78") is None
    with pytest.raises(RpcError) as e:
        rpc.request("eth_call", [{"to": "0x" + "11" * 20, "data": "0x"}, "latest"])
    assert e.value.revert_text == REASON


def test_repr_shows_hosts_not_url_paths(servers: Callable[[str], Server]) -> None:
    rpc = EvmJsonRpc([servers("node").url])
    assert "secret-api-key" not in repr(rpc) and "127.0.0.1" in repr(rpc)
