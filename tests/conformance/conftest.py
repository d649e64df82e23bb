"""Conformance fixtures: the union's sample catalog served over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.union import Union, sample_records, serve_union
from webapp.provider import province_spec


@pytest.fixture(scope="session")
def union(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Union]:
    with serve_union(tmp_path_factory.mktemp("union")) as served:
        expected = served.expected
        assert len(expected["oai_dc", None]) == 710 and served.deleted["oai_dc", None] == 20
        # The province filter runs in SQL over JSON; check it against the records themselves.
        everything = {f"oai:{served.namespace}:{r.key}": r for r in sample_records()}
        for name in ("Cần Thơ", "Tây Ninh"):
            assert expected["oai_dc", province_spec(name)] == [
                identifier
                for identifier in expected["oai_dc", None]
                if name in everything[identifier].provinces_today
            ]
        assert len(expected["oai_dc", "province"]) == 710 - 22
        yield served
