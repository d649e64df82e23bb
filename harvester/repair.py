"""Safe repairs of harvested bytes before the strict parse: wrong encoding, forbidden characters.

Only repairs that cannot change what a page says are made, each one described so that the
caller can log it with the library and the request:

- a page declared (or defaulting to) UTF-8 whose bytes are not UTF-8 and hold no UTF-8
  multi-byte sequence at all is single-byte text: it is read as windows-1252 (latin-1 for
  the five bytes windows-1252 leaves undefined) and re-encoded as UTF-8;
- a page declared ISO-8859-1/windows-1252/ASCII whose non-ASCII bytes are all valid UTF-8
  sequences is UTF-8 with a wrong declaration: the declaration is corrected;
- control characters XML 1.0 forbids (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F), raw or
  as character references, are removed.

A page mixing UTF-8 and other bytes is left alone: guessing would garble one part, so the strict
parser refuses it and the page goes to quarantine. UTF-16/32 pages (with a byte-order mark) are
never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DECLARATION = re.compile(
    rb"\A(\xef\xbb\xbf)?(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)([\"'])([A-Za-z0-9._:-]+)\3"
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Character references to the same forbidden code points (&#11; &#x1A; &#0;).
_CONTROL_REFS = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"
)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_SINGLE_BYTE_NAMES = frozenset(
    {
        "iso-8859-1",
        "iso8859-1",
        "iso_8859-1",
        "latin-1",
        "latin1",
        "l1",
        "windows-1252",
        "cp1252",
        "us-ascii",
        "ascii",
    }
)
_BOMS = (b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff")


@dataclass(frozen=True, slots=True)
class Repaired:
    """Bytes ready for the strict parser and what was changed to get them (empty: nothing)."""

    body: bytes
    repairs: tuple[str, ...] = ()


def repair_xml(body: bytes) -> Repaired:
    """Return ``body`` with the safe repairs made, and a description of each."""
    if body.startswith(_BOMS):
        return Repaired(body)
    repairs: list[str] = []
    declared = _declared_encoding(body)
    name = (declared or "utf-8").lower()
    if name in _UTF8_NAMES:
        body = _fix_non_utf8(body, declared, repairs)
    elif name in _SINGLE_BYTE_NAMES:
        body = _fix_false_single_byte(body, declared or name, repairs)
    else:
        return Repaired(body)  # an encoding we do not second-guess (windows-1258, shift_jis…)
    body = _remove_controls(body, repairs)
    return Repaired(body, tuple(repairs))


def _declared_encoding(body: bytes) -> str | None:
    match = _DECLARATION.match(body[:200])
    return match.group(4).decode("ascii") if match else None


def _declare_utf8(body: bytes) -> bytes:
    return _DECLARATION.sub(rb"\1\2\3UTF-8\3", body, count=1)


def _fix_non_utf8(body: bytes, declared: str | None, repairs: list[str]) -> bytes:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(body):
            return body  # UTF-8 mixed with other bytes: not safe to guess; the parser refuses
        try:
            text = body.decode("cp1252")
            encoding = "windows-1252"
        except UnicodeDecodeError:
            text = body.decode("latin-1")
            encoding = "ISO-8859-1"
        what = f"declares {declared}" if declared else "has no encoding declaration (UTF-8)"
        repairs.append(
            f"the page {what} but byte {exc.start} (0x{body[exc.start]:02X}) is not UTF-8 and "
            f"no UTF-8 sequence occurs; read it as {encoding}"
        )
        return _declare_utf8(text.encode("utf-8"))
    return body


def _fix_false_single_byte(body: bytes, declared: str, repairs: list[str]) -> bytes:
    if body.isascii() or not _UTF8_MULTIBYTE.search(body):
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body  # really single-byte text that happens to hold a UTF-8-looking pair
    repairs.append(
        f"the page declares {declared} but its non-ASCII bytes are all UTF-8; read it as UTF-8"
    )
    return _declare_utf8(body)


def _remove_controls(body: bytes, repairs: list[str]) -> bytes:
    found = _CONTROL_BYTES.search(body)
    if found:
        count = len(_CONTROL_BYTES.findall(body))
        repairs.append(
            f"removed {count} control character(s) XML 1.0 forbids (the first, "
            f"U+{body[found.start()]:04X}, at byte {found.start()})"
        )
        body = _CONTROL_BYTES.sub(b"", body)
    found = _CONTROL_REFS.search(body)
    if found:
        count = len(_CONTROL_REFS.findall(body))
        repairs.append(
            f"removed {count} character reference(s) to control characters XML 1.0 forbids "
            f"(the first, {found.group().decode('ascii')}, at byte {found.start()})"
        )
        body = _CONTROL_REFS.sub(b"", body)
    return body
