"""A small thread-safe LRU mapping for rendered fragments, keyed per database."""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app


class LRU:
    """Keeps the `size` most recently used entries; keys are prefixed with the database URI."""

    instances: list[LRU] = []

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        LRU.instances.append(self)

    @classmethod
    def clear_all(cls) -> None:
        """Empty every cache (tests roll back the data the keys' versions stand for)."""
        for cache in cls.instances:
            cache.clear()

    def _key(self, key):
        return (current_app.config["SQLALCHEMY_DATABASE_URI"], key)

    def get(self, key):
        with self._lock:
            full = self._key(key)
            value = self._data.get(full)
            if value is not None:
                self._data.move_to_end(full)
            return value

    def __setitem__(self, key, value) -> None:
        with self._lock:
            self._data[self._key(key)] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
