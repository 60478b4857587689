"""Fixtures for the chain tests. Run through tests/chain/run.sh, which starts the node, deploys the
token, starts the facilitator and exports:

    PAY402_CHAIN_RPC        http://127.0.0.1:<port>   the Hardhat node (loopback only)
    PAY402_FACILITATOR_URL  http://127.0.0.1:<port>   the reference TS facilitator (facilitator.mjs)
    PAY402_CHAIN_DEPLOYMENT path of build/deployment.json written by deploy.mjs
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from chain import Chain  # noqa: E402
from pay402.facilitator import FacilitatorClient  # noqa: E402


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run tests/chain/run.sh (it starts the node and the facilitator)", 2)
    return value


@pytest.fixture(scope="session")
def deployment() -> dict:
    return json.loads(Path(_env("PAY402_CHAIN_DEPLOYMENT")).read_text())


@pytest.fixture(scope="session")
def chain(deployment) -> Chain:
    return Chain(_env("PAY402_CHAIN_RPC"), deployment["token"])


@pytest.fixture(scope="session")
def facilitator_url() -> str:
    return _env("PAY402_FACILITATOR_URL").rstrip("/")


@pytest.fixture(scope="session")
def facilitator(facilitator_url: str):
    """pay402's facilitator client (sync /verify, /settle, /supported) against the reference facilitator."""
    with FacilitatorClient(facilitator_url, timeout=30) as client:
        yield client
