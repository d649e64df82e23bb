"""What a request needs: settings, the registry, the store (a connection per thread), the index."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app

from catalog.models import Library
from catalog.store import Store
from config.settings import Settings
from index.search import SearchIndex


@dataclass(slots=True)
class Services:
    """Shared by every request of one app; lives in ``app.extensions["unioncat"]``."""

    settings: Settings
    libraries: dict[str, Library]
    search_index: SearchIndex
    _local: threading.local = field(default_factory=threading.local)

    def store(self) -> Store:
        """Return this thread's catalog connection (SQLite connections are per thread)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.settings.catalog_path)
            self._local.store = store
        return store

    def library_name(self, code: str, lang: str = "vi") -> str:
        library = self.libraries.get(code)
        if library is None:
            return code
        return library.name_vi if lang == "vi" else library.name_en


def services() -> Services:
    service: Services = current_app.extensions["unioncat"]
    return service
