"""Compound segment files are read in place: the same bytes as Whoosh's copying reader."""

from __future__ import annotations

import io
import pickle

from hypothesis import given
from hypothesis import strategies as st
from whoosh.filedb import compound

import index  # noqa: F401  (installs the reader)
from index.storage import ViewFile, _View

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(-1, 40)),
        st.tuples(st.just("readline"), st.integers(-1, 40)),
        st.tuples(st.just("seek"), st.integers(0, 60)),
        st.tuples(st.just("seek_end"), st.integers(-60, 0)),
        st.tuples(st.just("seek_cur"), st.integers(-10, 10)),
    ),
    max_size=20,
)


@given(st.binary(max_size=50), OPS)
def test_a_view_reads_seeks_and_tells_like_bytesio(data: bytes, ops: list[tuple[str, int]]) -> None:
    view, copy = _View(memoryview(data)), io.BytesIO(data)
    for op, value in ops:
        if op == "read":
            assert view.read(value) == copy.read(value)
        elif op == "readline":
            assert view.readline(value) == copy.readline(value)
        elif op == "seek":
            assert view.seek(value) == copy.seek(value)
        elif op == "seek_end":
            assert view.seek(value, 2) == copy.seek(max(value, -len(data)), 2)
        elif copy.tell() + value >= 0:
            assert view.seek(value, 1) == copy.seek(value, 1)
        assert view.tell() == copy.tell()


def test_compound_segments_open_their_files_in_place() -> None:
    assert compound.BufferFile is ViewFile
    data = pickle.dumps({"tên": "Cà Mau"}, protocol=-1) + b"\x00\x01\x02\x03"
    view = ViewFile(memoryview(data), name="t")
    assert view.read_pickle() == {"tên": "Cà Mau"}
    assert view.read_byte() == 0 and view.get(len(data) - 2, 2) == b"\x02\x03"
