"""Interface text through gettext: every message translated, the compiled catalogue current."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "webapp" / "translations" / "vi" / "LC_MESSAGES"


def _vietnamese() -> Catalog:
    with (CATALOGUE / "messages.po").open("rb") as po:
        return read_po(po, locale="vi")


def _texts(value: object) -> tuple[str, ...]:
    """Return a message's id or string as a tuple: one text, or the plural forms."""
    return tuple(value) if isinstance(value, tuple | list) else (str(value or ""),)


def _extracted() -> set[tuple[str | None, str]]:
    """Return (context, msgid) of every gettext call in webapp/, as `make messages` finds them."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def test_every_message_in_templates_and_code_is_translated_into_vietnamese() -> None:
    catalog = _vietnamese()
    extracted = _extracted()
    assert len(extracted) > 100  # the extraction really ran over templates and code
    untranslated = []
    for context, msgid in sorted(extracted, key=lambda item: item[1]):
        message = catalog.get(msgid, context=context)
        if message is None or message.fuzzy or not all(_texts(message.string)):
            untranslated.append(msgid)
    assert untranslated == [], "run `make messages` and translate these in messages.po"


def test_translations_keep_the_placeholders_of_their_message() -> None:
    problems = [(message.id, errors) for message, errors in _vietnamese().check()]

    assert problems == []


def test_committed_mo_file_matches_the_po_file() -> None:
    """The app reads the committed .mo; a .po edited without `make messages` fails here."""
    with (CATALOGUE / "messages.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # Fuzzy entries are not compiled: readers see the English until a translator confirms them.
    translated = [message for message in _vietnamese() if message.id and not message.fuzzy]
    for message in translated:
        ids, expected = _texts(message.id), _texts(message.string)[0]
        if len(ids) == 1:
            got = (
                compiled.pgettext(message.context, ids[0])
                if message.context
                else (compiled.gettext(ids[0]))
            )
        else:
            got = (
                compiled.npgettext(message.context, ids[0], ids[1], 1)
                if message.context
                else (compiled.ngettext(ids[0], ids[1], 1))
            )
        assert got == expected, f"{ids[0]!r}: messages.mo is stale, run make messages"
    compiled_ids: set[tuple[str | None, str]] = set()
    for key in compiled._catalog:  # type: ignore[attr-defined]  # str, or (msgid, plural index)
        msgid = key[0] if isinstance(key, tuple) else key
        context, _sep, bare = msgid.rpartition("\x04")  # pgettext keys are "context\x04msgid"
        if bare:
            compiled_ids.add((context or None, bare))
    assert compiled_ids == {(m.context, _texts(m.id)[0]) for m in translated}


def test_pages_are_english_by_choice(client: FlaskClient) -> None:
    html = client.get("/?q=can+tho&lang=en").get_data(as_text=True)

    assert 'lang="en"' in html
    assert "Search the catalog" in html and "Held by 2 libraries" in html
    assert "Tìm tài liệu" not in html
    assert ">Tiếng Việt</a>" in html  # the way back, named in its own language


def test_vietnamese_is_the_default_and_an_unknown_language_falls_back_to_it(
    client: FlaskClient,
) -> None:
    html = client.get("/?q=&lang=fr").get_data(as_text=True)

    assert 'lang="vi"' in html and "Tìm tài liệu" in html and ">English</a>" in html


def test_kind_names_and_facet_headings_are_translated(client: FlaskClient) -> None:
    vietnamese = client.get("/?q=ban+do").get_data(as_text=True)
    english = client.get("/?q=ban+do&lang=en").get_data(as_text=True)

    assert "Bản đồ</span>" in vietnamese and "Loại tài liệu</legend>" in vietnamese
    assert "Map</span>" in english and "Type</legend>" in english


def test_error_pages_are_translated(client: FlaskClient) -> None:
    assert "Không tìm thấy trang này." in client.get("/records/x:y").get_data(as_text=True)
    english = client.get("/records/x:y?lang=en").get_data(as_text=True)
    assert "This page does not exist." in english
