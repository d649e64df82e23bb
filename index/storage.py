"""Read compound segment files in place instead of copying each into memory per searcher.

Whoosh memory-maps a compound segment file, then opens each file inside it as a
``BufferFile``, whose ``BytesIO`` copies the bytes. Every searcher (one per server thread)
thus ended up holding its own copy of the whole index: measured at 100,000 records, 8
threads grew a server to 5.4 GiB. ``ViewFile`` reads the same bytes through a memoryview of
the map, so all readers share the page cache. :func:`install` puts it in place once;
``index`` calls it on import, so nothing outside this package sees Whoosh.
"""

from __future__ import annotations

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class _View:
    """The file-like interface StructFile and pickle use, over a memoryview, without copies."""

    __slots__ = ("_pos", "_view")

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)
        return self._view[start:end].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else self._pos + size
        line = bytearray()
        while self._pos < min(limit, len(self._view)):
            chunk = self._view[self._pos : min(self._pos + 256, limit)].tobytes()
            cut = chunk.find(b"\n")
            if cut >= 0:
                line += chunk[: cut + 1]
                self._pos += cut + 1
                break
            line += chunk
            self._pos += len(chunk)
        return bytes(line)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class ViewFile(BufferFile):  # type: ignore[misc]  # whoosh has no type hints
    """A ``BufferFile`` that reads its buffer in place."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose: object = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _View(memoryview(buf))


def install() -> None:
    """Make compound storages open their files as ``ViewFile`` (idempotent)."""
    compound.BufferFile = ViewFile  # type: ignore[attr-defined]
