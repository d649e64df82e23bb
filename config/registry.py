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

# Formats the harvester can map (harvester.mapping); a member offering only others cannot be
# enabled. oai_qdc is CONTENTdm's qualified DC, qdc DSpace's and Omeka's.
MAPPED_PREFIXES = ("oai_dc", "marc21", "marcxml", "oai_qdc", "qdc", "mods")
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
    "sets": (list, False),
    "harvest_mode": (str, False),
    "enabled": (bool, False),
    "website": (str, False),
    "record_url_template": (str, False),
    "schedule_cron": (str, False),
    "note": (str, False),
}
# The five cron fields: name, lowest and highest value, names allowed for values.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], int], ...] = (  # ..., first name's value
    ("minute", 0, 59, (), 0),
    ("hour", 0, 23, (), 0),
    ("day of month", 1, 31, (), 0),
    ("month", 1, 12, _MONTHS, 1),
    ("day of week", 0, 7, _WEEKDAYS, 0),
)
_CRON_ITEM = re.compile(r"^(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/([0-9]+))?$")


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
        if "sets" in entry:
            entry["sets"] = tuple(entry["sets"])
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
    sets = entry.get("sets")
    if isinstance(sets, list):
        if not sets or not all(isinstance(name, str) and name.strip() for name in sets):
            yield (
                f'{where}: sets must be a list of set specs such as ["dia-chi", "anh"], '
                f"got {sets!r}"
            )
        elif len(set(sets)) != len(sets):
            yield f"{where}: sets names a set twice: {sets!r}"
        if "set_spec" in entry:
            yield f"{where}: give either set_spec (one set) or sets (several), not both"
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
    cron = entry.get("schedule_cron")
    if isinstance(cron, str) and cron.strip():
        try:
            parse_cron(cron)
        except ValueError as exc:
            yield (
                f"{where}: schedule_cron {cron!r}: {exc}; expected five cron fields (minute hour "
                "day month weekday) such as '0 3 * * *', or remove it to run on the schedule_cron "
                "setting"
            )


def parse_cron(expression: str) -> tuple[frozenset[int], ...]:
    """Return the values each of the five standard cron fields allows (Sunday is 0 and 7).

    Accepts ``*``, numbers, names (``jan``, ``mon``), ranges, lists and ``/step``; raises
    ValueError saying which field is wrong.
    """
    fields = expression.lower().split()
    if len(fields) != 5:
        raise ValueError(f"{len(fields)} field(s) instead of 5")
    return tuple(_cron_field(text, *spec) for text, spec in zip(fields, _CRON_FIELDS, strict=True))


def _cron_field(
    text: str, name: str, low: int, high: int, names: tuple[str, ...], first: int
) -> frozenset[int]:
    def value(word: str) -> int:
        if word in names:
            return names.index(word) + first
        if not word.isdigit():
            raise ValueError(f"{name} field {text!r}: unknown value {word!r}")
        if not low <= int(word) <= high:
            raise ValueError(f"{name} field {text!r}: {word} is not in {low}-{high}")
        return int(word)

    values: set[int] = set()
    for item in text.split(","):
        match = _CRON_ITEM.match(item)
        if not match or (match[1] == "*" and match[2] is not None):
            raise ValueError(f"{name} field {text!r}: cannot read {item!r}")
        start, end, step = match.groups()
        lo, hi = (low, high) if start == "*" else (value(start), value(end or start))
        if step and not end and start != "*":
            hi = high  # "5/15": from 5 to the end, as cron reads it
        if lo > hi or (step is not None and int(step) == 0):
            raise ValueError(f"{name} field {text!r}: empty range {item!r}")
        values.update(range(lo, hi + 1, int(step or 1)))
    return frozenset(values)
