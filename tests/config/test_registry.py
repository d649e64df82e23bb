"""The registry and settings: bad files fail once, naming every bad entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.errors import ConfigError
from config.registry import load_registry
from config.settings import DEFAULT_REGISTRY, describe, load_settings


def test_shipped_registry_lists_fourteen_members_none_with_an_invented_endpoint() -> None:
    libraries = load_registry(DEFAULT_REGISTRY)

    assert len(libraries) == 14
    assert sum(library.kind == "city" for library in libraries) == 2
    assert sum(library.kind == "provincial" for library in libraries) == 12
    assert len({library.code for library in libraries}) == 14
    for library in libraries:
        assert library.endpoint is None and not library.enabled, library.code


def test_registry_with_several_errors_reports_all_of_them_at_once(tmp_path: Path) -> None:
    path = tmp_path / "libraries.toml"
    path.write_text(
        """
[[library]]
code = "cantho"
name_vi = "Thư viện thành phố Cần Thơ"
name_en = "Can Tho City Library"
province = "Cần Thơ"
endpoint = "htp://x.vn"

[[library]]
code = "Bad Code"
name_en = "No Vietnamese name"
province = "Cà Mau"
metadata_prefix = "ead"
harvest_mode = "fast"
colour = "blue"

[[library]]
code = "cantho"
name_vi = "Trùng mã"
name_en = "Duplicate"
province = "Cần Thơ"
enabled = true
""",
        encoding="utf-8",
    )

    with pytest.raises(ConfigError) as caught:
        load_registry(path)

    message = str(caught.value)
    problems = caught.value.problems
    assert "library 'cantho': endpoint must be an http(s) URL, got 'htp://x.vn'" in message
    assert "library 'Bad Code': field 'name_vi' is missing" in message
    assert "library 'Bad Code': code must be" in message
    assert "metadata_prefix must be one of oai_dc, marc21, marcxml, oai_qdc, qdc, mods" in message
    assert "unknown field 'colour'" in message
    assert "harvest_mode must be 'records' or 'identifiers', got 'fast'" in message
    assert "enabled is true but there is no endpoint" in message
    assert all(str(path) in problem for problem in problems)
    assert len(problems) >= 6


def test_registry_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "libraries.toml"
    path.write_text("[[library]\ncode = ", encoding="utf-8")

    with pytest.raises(ConfigError, match="libraries.toml: the library registry is not valid TOML"):
        load_registry(path)


def test_settings_sources_later_ones_win(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('harvest_timeout = 5\nport = 6000\ncatalog_path = "x.sqlite"\n')

    settings = load_settings(path, environ={"UNIONCAT_PORT": "7000"})

    assert settings.harvest_timeout == 5.0
    assert settings.port == 7000
    assert settings.catalog_path == Path("x.sqlite")


def test_bad_settings_list_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('harvest_timeout = "soon"\nno_such_thing = 1\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"UNIONCAT_PORT": "eighty"})

    message = str(caught.value)
    assert "harvest_timeout: expected a number, got 'soon'" in message
    assert "unknown setting 'no_such_thing'" in message
    assert "$UNIONCAT_PORT: expected a whole number, got 'eighty'" in message


def test_every_setting_has_help_text() -> None:
    for name, _default, text in describe():
        assert text and len(text) > 10, name
