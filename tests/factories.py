"""Builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from catalog.models import Library, Record


def make_record(**overrides: Any) -> Record:
    values: dict[str, Any] = dict(
        library="cantho",
        oai_id="oai:test:1",
        datestamp=datetime(2025, 1, 1, 8, 0, tzinfo=UTC),
        title="Cần Thơ xưa và nay",
        creators=("Huỳnh Minh",),
        subjects=("Địa chí",),
        kind="book",
        date="1966",
        year_from=1966,
        year_to=1966,
        languages=("vie",),
    )
    values.update(overrides)
    return Record(**values)


def make_library(**overrides: Any) -> Library:
    values: dict[str, Any] = dict(
        code="good",
        name_vi="Thư viện thử nghiệm",
        name_en="Test library",
        province="Cần Thơ",
        endpoint="http://127.0.0.1:9/oai",
        enabled=True,
    )
    values.update(overrides)
    return Library(**values)
