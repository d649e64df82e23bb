"""Index generations: the index folder is a symlink to one complete build, switched atomically.

``var/index -> index.gen-000012/``. A rebuild fills ``index.new-<pid>-<tag>/`` beside it,
renames it to the next generation and replaces the symlink with ``os.replace`` (atomic on
POSIX), so a reader resolves the old build or the new one, never a half. Whoever uses a
folder holds a shared ``flock`` on it (a rebuild while it builds, each reading process while
it reads), and a folder is removed only when nobody holds it and it is neither the live
generation nor the one before it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from catalog.errors import SearchIndexError

log = logging.getLogger(__name__)

VERSION_FILE = "unioncat-schema"  # the schema version the generation was built with
# What an index folder from before generations may hold: Whoosh's files (temporary ones too)
# and ours. Anything else means index_dir points at a folder that is not only the index.
_INDEX_FILES = re.compile(r"^(_?MAIN_[\w.]+|unioncat-[\w-]+)$")
_OPEN_TRIES = 100  # a reader retries while a cleaner holds the folder it resolved: 2 s at most
_RENAME_EXCHANGE = 2  # linux/fs.h


def schema_version_of(index_dir: Path) -> str | None:
    """Return the schema version an index was built with, or None when unknown."""
    version = index_dir / VERSION_FILE
    return version.read_text().strip() if version.exists() else None


def live_directory(index_dir: Path) -> Path | None:
    """Return the folder the live index is in now, or None when there is none yet.

    That is the generation ``index_dir`` links to, or ``index_dir`` itself when it is still
    a plain folder (an index from before generations). Raises SearchIndexError when
    ``index_dir`` is a file.
    """
    if index_dir.is_symlink():
        target = index_dir.parent / os.readlink(index_dir)
        return target if target.is_dir() else None
    if index_dir.is_dir():
        return index_dir
    if index_dir.exists():
        raise SearchIndexError(f"{index_dir}: index_dir is a file; point it at a folder")
    return None


def check_folder(index_dir: Path) -> None:
    """Raise SearchIndexError when a plain ``index_dir`` holds files that are not the index.

    Such a folder is moved aside and later removed by a rebuild, so it must hold nothing else.
    """
    if index_dir.is_dir() and not index_dir.is_symlink():
        foreign = sorted(name for name in os.listdir(index_dir) if not _INDEX_FILES.match(name))
        if foreign:
            raise SearchIndexError(
                f"{index_dir}: the index folder also holds {', '.join(foreign[:5])}; move them "
                "out, or point index_dir at a folder of its own (the index is rebuilt there)"
            )


@contextlib.contextmanager
def building_beside(index_dir: Path) -> Iterator[Path]:
    """Yield a new empty folder beside ``index_dir`` to build a generation in.

    The folder is held while the block runs, so no cleaner removes it; it is removed when the
    block raises (a build stopped on request), and a build killed outright leaves it for
    ``clean`` to remove.
    """
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    build = index_dir.parent / f"{index_dir.name}.new-{os.getpid()}-{secrets.token_hex(3)}"
    build.mkdir()
    held = _hold(build)
    assert held is not None  # nobody else knows the folder yet
    try:
        yield build
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    finally:
        os.close(held)


def publish(index_dir: Path, build: Path) -> Path:
    """Make the complete index in ``build`` the live one; return its generation folder.

    Call it inside ``building_beside``. A plain ``index_dir`` (an index from before
    generations) becomes generation 0 and ``index_dir`` a symlink, swapped in one
    renameat2(RENAME_EXCHANGE) where the file system allows it.
    """
    check_folder(index_dir)
    plain = index_dir.is_dir() and not index_dir.is_symlink()
    live = live_directory(index_dir)
    if live is not None and whoosh_index.exists_in(str(live)):
        # Readers key their caches by Whoosh's generation number (index/cache.py): the new
        # build must count on from the old one, or a cache would take it for an old state.
        _lift_generation(build, above=whoosh_index.open_dir(str(live)).latest_generation())
    numbers = [number for number, _ in _siblings(index_dir, "gen")]
    generation = _rename_free(build, index_dir, max(numbers, default=0) + 1)
    link = index_dir.parent / f"{index_dir.name}.link-{os.getpid()}-{secrets.token_hex(3)}"
    os.symlink(generation.name, link)
    if plain:
        if not _exchange(link, index_dir):  # no RENAME_EXCHANGE: a moment without index_dir
            os.rename(index_dir, link.with_name(f"{index_dir.name}.old-{os.getpid()}"))
            os.rename(link, index_dir)
            link = link.with_name(f"{index_dir.name}.old-{os.getpid()}")
        # `link` is now the old plain folder; readers that hold it keep reading it.
        moved = _rename_free(link, index_dir, 0)
        log.info("%s: the index folder moved to %s; %s is now a link", index_dir, moved, index_dir)
    else:
        os.replace(link, index_dir)
    _sync(index_dir.parent)
    log.info("%s: switched to the new index %s", index_dir, generation.name)
    return generation


def clean(index_dir: Path) -> list[Path]:
    """Remove builds and generations nobody uses any more; return the folders removed.

    Kept: the live generation, the one before it (for processes that read the index without
    SearchIndex), and every folder a process holds. A removal that fails is logged and left
    for the next update.
    """
    live = live_directory(index_dir) if index_dir.is_symlink() else None
    numbers = {path: number for number, path in _siblings(index_dir, "gen")}
    live_number = numbers.get(live) if live is not None else None
    previous = max(
        (n for n in numbers.values() if live_number is not None and n < live_number), default=None
    )
    candidates = [path for _, path in _siblings(index_dir, "new")]
    if live_number is not None:
        candidates += [p for p, n in numbers.items() if n not in (live_number, previous)]
    removed = []
    for path in candidates:
        try:
            held = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # gone meanwhile
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(held)
            continue  # a build in progress, or a process still reading it
        try:
            shutil.rmtree(path)
        except OSError as exc:
            log.warning("%s: could not remove %s (%s); the next update tries again", index_dir,
                        path.name, exc)  # fmt: skip
        else:
            removed.append(path)
            if path.name.startswith(f"{index_dir.name}.new-"):
                log.warning("%s: removed %s, a rebuild that stopped before it finished",
                            index_dir, path.name)  # fmt: skip
            else:
                log.info("%s: removed the old index %s", index_dir, path.name)
        finally:
            os.close(held)
    return removed


class LiveIndex:
    """The live generation as one reading process sees it, opened again after a switch.

    Checking costs one stat of ``index_dir`` per call. The folder read now and the one
    before are held, so searches still running on the old one finish there.
    """

    def __init__(self, index_dir: Path, *, schema_version: str) -> None:
        self.index_dir = index_dir
        self.schema_version = schema_version
        self._ix: whoosh_index.Index | None = None
        self._identity: tuple[int, int] | None = None
        self._refused: tuple[int, int] | None = None  # a generation of another schema
        self._held: list[int] = []
        self._lock = threading.Lock()

    def index(self) -> whoosh_index.Index:
        """Return the open index of the live generation; raises SearchIndexError when absent."""
        with self._lock:
            if self._ix is not None:
                try:
                    status = os.stat(self.index_dir)
                except OSError:
                    return self._ix  # a moment between the two renames of a move: keep reading
                if (status.st_dev, status.st_ino) in (self._identity, self._refused):
                    return self._ix
            try:
                self._open()
            except SearchIndexError as exc:
                if self._ix is None:
                    raise
                log.warning("%s: %s; searching the index opened before", self.index_dir, exc)
            assert self._ix is not None
            return self._ix

    def close(self) -> None:
        with self._lock:
            for held in self._held:
                os.close(held)
            self._held.clear()
            self._ix = self._identity = self._refused = None

    def _open(self) -> None:
        directory, held = _open_live(self.index_dir)
        status = os.fstat(held)
        identity = (status.st_dev, status.st_ino)
        if schema_version_of(directory) != self.schema_version:
            os.close(held)
            self._refused = identity
            raise SearchIndexError(
                f"{self.index_dir}: the index was built by another version; "
                "run `unioncat index --rebuild`"
            )
        try:
            ix = whoosh_index.open_dir(str(directory))
        except Exception as exc:  # whoosh raises several unrelated types for a damaged index
            os.close(held)
            raise SearchIndexError(f"{directory}: cannot open the index: {exc}") from exc
        if self._ix is not None:
            log.info("%s: reading the new index %s", self.index_dir, directory.name)
        self._ix, self._identity, self._refused = ix, identity, None
        self._held.append(held)
        while len(self._held) > 2:
            os.close(self._held.pop(0))


def _open_live(index_dir: Path) -> tuple[Path, int]:
    """Return the live folder and a shared hold on it, retrying while a cleaner has it."""
    for _ in range(_OPEN_TRIES):
        directory = live_directory(index_dir)
        if directory is None or not whoosh_index.exists_in(str(directory)):
            raise SearchIndexError(f"{index_dir}: no search index yet; run `unioncat index`")
        held = _hold(directory)
        if held is not None:
            try:
                same = os.stat(directory).st_ino == os.fstat(held).st_ino
            except OSError:
                same = False
            if same and whoosh_index.exists_in(str(directory)):
                return directory, held
            os.close(held)  # removed or replaced between resolving and holding it
        time.sleep(0.02)
    raise SearchIndexError(f"{index_dir}: the live index kept changing while opening it")


def _hold(directory: Path) -> int | None:
    """Hold ``directory`` shared (released when the descriptor closes); None if a cleaner has it."""
    try:
        held = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(held, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(held)
        return None
    return held


def _siblings(index_dir: Path, kind: str) -> list[tuple[int, Path]]:
    """Return the ``gen`` or ``new`` folders beside ``index_dir`` with their numbers."""
    pattern = re.compile(
        re.escape(index_dir.name) + (r"\.gen-(\d{6,})$" if kind == "gen" else r"\.new-(\d+)-\w+$")
    )
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(index_dir.parent):
            matched = pattern.match(entry.name)
            if matched and entry.is_dir(follow_symlinks=False):
                found.append((int(matched.group(1)), Path(entry.path)))
    return sorted(found)


def _rename_free(source: Path, index_dir: Path, number: int) -> Path:
    """Rename ``source`` to the first free generation name from ``number`` on."""
    while True:
        target = index_dir.parent / f"{index_dir.name}.gen-{number:06d}"
        if not target.exists():
            try:
                os.rename(source, target)
                return target
            except OSError as exc:  # another build took the name meanwhile
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        number += 1


def _lift_generation(directory: Path, *, above: int) -> None:
    """Renumber the latest commit in ``directory`` to come after generation ``above``."""
    storage = FileStorage(str(directory))
    toc = whoosh_index.TOC.read(storage, "MAIN")
    if toc.generation > above:
        return
    old = toc.generation
    toc.generation = above + 1
    toc.write(storage, "MAIN")
    storage.delete_file(whoosh_index.TOC._filename("MAIN", old))


def _exchange(source: Path, target: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False when the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target),
                     _RENAME_EXCHANGE)  # fmt: skip
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(target))


def _sync(directory: Path) -> None:
    """Make the renames in ``directory`` durable before saying the switch is done."""
    held = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(held)
    finally:
        os.close(held)
