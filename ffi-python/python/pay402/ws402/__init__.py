"""WS402: pay-as-you-go WebSocket sessions.

:class:`Ws402Endpoint` serves a paid, metered WebSocket endpoint on ASGI (Starlette, FastAPI, any
raw ASGI server) on the core's session machine (with :class:`ChainProof`, clients written for the original
WS402 pay on chain themselves and send the transaction hash); :func:`connect` is the paying client (the
``websockets`` package, extra ``pay402[ws402]``); the stores keep session records between events,
processes and restarts.
"""

from .client import Ws402Client, Ws402ClientError, connect
from .server import ChainProof, Handler, SessionEnded, Ws402Endpoint, Ws402ServerSession
from .store import MemorySessionStore, RedisSessionStore, SessionStore, SessionStoreError, StoredSession

__all__ = [
    "ChainProof",
    "connect",
    "Handler",
    "MemorySessionStore",
    "RedisSessionStore",
    "SessionEnded",
    "SessionStore",
    "SessionStoreError",
    "StoredSession",
    "Ws402Client",
    "Ws402ClientError",
    "Ws402Endpoint",
    "Ws402ServerSession",
]
