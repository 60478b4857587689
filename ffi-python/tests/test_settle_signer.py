"""pay402.settle's signer and nonce manager (pure parts; the chain tests are tests/chain/test_local_settlement.py).

Expected values: the published EIP-1559 vector (ethereumjs-monorepo packages/tx/test/json/eip1559.json,
entry 0: key, address, signed transaction), not pay402's own output.
"""

from __future__ import annotations

import pickle

import pay402
import pytest
from pay402.errors import LocalSettlementError
from pay402.settle import EvmSigner, NonceManager, PrivateKeySigner

KEY_HEX = "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63"
ADDRESS = "0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73"
TX0 = {"chainId": 7822, "nonce": 819, "maxPriorityFeePerGas": 75853, "maxFeePerGas": 121212, "gas": 35552,
       "to": "0x000000000000000000000000000000000000aaaa", "value": 43203529, "data": b""}
SIGNED0 = ("02f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0"
           "d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e")


def test_private_key_signer_signs_the_published_vector() -> None:
    for key in ("0x" + KEY_HEX, KEY_HEX, KEY_HEX.upper(), bytes.fromhex(KEY_HEX)):
        signer = PrivateKeySigner(key)
        assert signer.address == ADDRESS
        assert signer.sign_transaction(TX0).hex() == SIGNED0
        assert isinstance(signer, EvmSigner)


def test_the_key_never_shows() -> None:
    signer = PrivateKeySigner("0x" + KEY_HEX)
    for text in (repr(signer), str(signer), f"{signer}", repr([signer])):
        assert KEY_HEX not in text.lower() and ADDRESS in text
    assert not hasattr(signer, "__dict__")  # no vars() dump of the key
    with pytest.raises(TypeError):
        pickle.dumps(signer)


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAY402_SETTLER_KEY", "0x" + KEY_HEX)
    assert PrivateKeySigner().address == ADDRESS
    monkeypatch.setenv("MY_SETTLER", KEY_HEX)
    assert PrivateKeySigner(env="MY_SETTLER").address == ADDRESS
    monkeypatch.delenv("PAY402_SETTLER_KEY")
    with pytest.raises(LocalSettlementError) as e:
        PrivateKeySigner()
    assert e.value.code == "missing_settler_key" and "PAY402_SETTLER_KEY" in e.value.message
    assert isinstance(e.value, pay402.Error)


@pytest.mark.parametrize("bad", ["0x" + KEY_HEX[:-2], KEY_HEX[:-1] + "g", "0x" + "00" * 32, b"\x01" * 31])
def test_bad_keys_are_refused_without_echoing_them(bad: object) -> None:
    with pytest.raises(LocalSettlementError) as e:
        PrivateKeySigner(bad)  # type: ignore[arg-type]
    assert e.value.code == "invalid_settler_key"
    text = bad if isinstance(bad, str) else bad.hex()  # type: ignore[union-attr]
    assert text.removeprefix("0x")[:16] not in str(e.value) and KEY_HEX[:16] not in str(e.value)


def test_nonce_manager_seeds_once_counts_locally_and_resyncs() -> None:
    fetched = []

    def fetch() -> int:
        fetched.append(1)
        return 7

    m = NonceManager()
    with m.lock:
        assert m.take(fetch) == 7
        m.used(7)
        assert m.take(fetch) == 8
        m.used(8)
        assert m.take(fetch) == 9 and len(fetched) == 1
        m.reset()  # a failed send: the chain is asked again
        assert m.take(fetch) == 7 and len(fetched) == 2
