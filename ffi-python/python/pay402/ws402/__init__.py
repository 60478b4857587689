"""WS402: pay-as-you-go WebSocket sessions (the session records' stores so far)."""

from .store import MemorySessionStore, RedisSessionStore, SessionStore, SessionStoreError, StoredSession

__all__ = ["MemorySessionStore", "RedisSessionStore", "SessionStore", "SessionStoreError", "StoredSession"]
