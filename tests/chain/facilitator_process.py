"""`pay402 facilitator` as a real subprocess for the chain tests: `python -m pay402.cli facilitator --config FILE`
(uvicorn) on a free 127.0.0.1 port, ready when `GET /health` answers 200, stopped with TERM, then KILL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping

import httpx
from pay402.facilitator import FacilitatorClient


def free_port() -> int:
    """A loopback port nothing listens on now (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FacilitatorProcess:
    """One facilitator: its TOML `config` written under `tmp` as `<name>.toml`, started with `env` (the
    variables its configuration names: keys, API keys, Redis URL) and `api_key` for its clients; its log
    (stderr) is `<name>.log`."""

    def __init__(self, tmp: Path, name: str, config: str, env: Mapping[str, str], api_key: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key = api_key
        path = tmp / f"{name}.toml"
        path.write_text(config)
        self.log = tmp / f"{name}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pay402.cli", "facilitator", "--config", str(path), "--port", str(self.port)],
            env=dict(env), stdout=subprocess.DEVNULL, stderr=self.log.open("wb"),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"facilitator {name} did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def client(self, key: str = "") -> FacilitatorClient:
        """pay402's client of it, sending `key` (default: the right one) as the bearer API key."""
        return FacilitatorClient(self.url, headers={"Authorization": f"Bearer {key or self.api_key}"}, timeout=60)

    def log_lines(self) -> List[Dict[str, Any]]:
        """Its JSON log lines."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
