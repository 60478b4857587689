"""pytest side of the litesvm RPC server (rpc.mjs next to this file): a session fixture that starts
it as a subprocess on a free loopback port and stops it (by its own pid) at the end, a tiny
JSON-RPC caller, and uvicorn serving an ASGI app on a loopback socket from a thread. The server needs `npm ci` in this directory (tests/chain/run.sh does it)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent


class SvmRpc:
    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, params: Optional[List[Any]] = None) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            answer = json.loads(resp.read())
        if answer.get("error"):
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def token_balance(self, account: str) -> int:
        return int(self.call("getTokenAccountBalance", [account])["value"]["amount"])


@pytest.fixture(scope="session")
def svm_rpc() -> Iterator[SvmRpc]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "litesvm").is_dir():
        pytest.fail("the litesvm RPC server needs node and `npm ci` in tests/chain/svm (tests/chain/run.sh does both)")
    proc = subprocess.Popen([node, str(HERE / "rpc.mjs"), "0"], cwd=HERE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening "):
            pytest.fail(f"rpc.mjs did not start: {line!r}")
        yield SvmRpc(line.split()[1])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def uvicorn_on_loopback(app: Any) -> Iterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-svm", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
