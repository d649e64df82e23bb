"""The member-library registry: a TOML file of [[library]] tables, read into Library values."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalog.errors import ConfigError
from catalog.models import Library

# Formats the harvester can map; a member offering only others cannot be enabled.
MAPPED_PREFIXES = ("oai_dc", "marc21", "marcxml")
_CODE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
_FIELDS: dict[str, tuple[type, bool]] = {  # name: (type, required)
    "code": (str, True),
    "name_vi": (str, True),
    "name_en": (str, True),
    "province": (str, True),
    "kind": (str, False),
    "endpoint": (str, False),
    "metadata_prefix": (str, False),
    "set_spec": (str, False),
    "harvest_mode": (str, False),
    "enabled": (bool, False),
    "website": (str, False),
    "record_url_template": (str, False),
    "note": (str, False),
}


def load_registry(path: Path | str) -> tuple[Library, ...]:
    """Read the registry at ``path``; raise one ConfigError listing every bad entry."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the library registry: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: the library registry is not valid TOML: {exc}") from exc
    return parse_registry(data, source=str(path))


def parse_registry(data: dict[str, Any], *, source: str) -> tuple[Library, ...]:
    """Turn parsed registry TOML into Library values, checking every entry."""
    problems: list[str] = []
    extra = sorted(set(data) - {"library"})
    if extra:
        problems.append(f"{source}: unknown top-level key(s) {extra}; use [[library]] tables")
    entries = data.get("library", [])
    if not isinstance(entries, list) or not entries:
        problems.append(f"{source}: no [[library]] tables found")
        entries = []
    libraries: list[Library] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        name = f"library #{number}"
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            name = f"library '{entry['code']}'"
        found = list(_check_entry(entry, f"{source}: {name}"))
        problems.extend(found)
        if found:
            continue
        if entry["code"] in seen:
            problems.append(f"{source}: {name}: code is used twice; codes must be unique")
            continue
        seen.add(entry["code"])
        entry = {key: value for key, value in entry.items() if key != "note"}
        libraries.append(Library(**entry))
    if problems:
        raise ConfigError(
            f"{len(problems)} problem(s) in the library registry:\n  " + "\n  ".join(problems),
            tuple(problems),
        )
    return tuple(libraries)


def _check_entry(entry: object, where: str) -> Iterable[str]:
    if not isinstance(entry, dict):
        yield f"{where}: expected a table, got {type(entry).__name__}"
        return
    for key in sorted(set(entry) - set(_FIELDS)):
        yield f"{where}: unknown field {key!r}; known fields: {', '.join(_FIELDS)}"
    for key, (kind, required) in _FIELDS.items():
        if key not in entry:
            if required:
                yield f"{where}: field {key!r} is missing"
            continue
        value = entry[key]
        if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
            yield f"{where}: field {key!r} must be a non-empty {kind.__name__}, got {value!r}"
    code = entry.get("code")
    if isinstance(code, str) and not _CODE.match(code):
        yield (
            f"{where}: code must be 2-32 lower-case letters, digits, '-' or '_' starting with "
            f"a letter, got {code!r}"
        )
    if entry.get("kind", "provincial") not in ("provincial", "city"):
        yield f"{where}: kind must be 'provincial' or 'city', got {entry['kind']!r}"
    for key in ("endpoint", "website"):
        value = entry.get(key)
        if isinstance(value, str) and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc
        ):
            yield f"{where}: {key} must be an http(s) URL, got {value!r}"
    mode = entry.get("harvest_mode", "records")
    if mode not in ("records", "identifiers"):
        yield f"{where}: harvest_mode must be 'records' or 'identifiers', got {mode!r}"
    prefix = entry.get("metadata_prefix", "oai_dc")
    if isinstance(prefix, str) and prefix not in MAPPED_PREFIXES:
        yield (
            f"{where}: metadata_prefix must be one of {', '.join(MAPPED_PREFIXES)} "
            f"(the formats the harvester maps), got {prefix!r}"
        )
    template = entry.get("record_url_template")
    if isinstance(template, str) and "{oai_id}" not in template:
        yield f"{where}: record_url_template must contain '{{oai_id}}', got {template!r}"
    if entry.get("enabled") is True and not entry.get("endpoint"):
        yield f"{where}: enabled is true but there is no endpoint; add the OAI-PMH base URL"
