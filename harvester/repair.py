"""Safe repairs of harvested bytes before the strict parse: wrong encoding, forbidden characters.

Only repairs that cannot change what a page says are made, each one described so that the
caller can log it with the library and the request:

- text after the root element's end tag that XML does not allow there (PHP notices and warnings
  appended after ``</OAI-PMH>``) is removed: it was never part of the document;
- PHP notices, warnings and deprecation messages sent before the document (before ``<?xml`` or,
  without a declaration, the ``<OAI-PMH>`` start tag), in PHP's HTML form (``<br />
  <b>Warning</b>: … on line <b>12</b><br />``) or plain (``Deprecated: …``, ``PHP Notice: …``),
  and white space there, are removed. Anything else before the document (an HTML error page)
  is left for the parser to refuse;
- XML declarations repeated inside the document (``<?xml …?>`` at the top of each
  ``<metadata>``, as some DSpace/Dataverse versions write) are removed, as DPLA's ingestion
  does; a declaration says nothing but the encoding, which the page's own one already says;
- a page declared (or defaulting to) UTF-8 whose bytes are not UTF-8 and hold no UTF-8
  multi-byte sequence at all is single-byte text. If it reads as Vietnamese in windows-1258
  (the Vietnamese Windows code page: tone marks as combining characters, each after a
  Vietnamese vowel, and letters such as ơ, ư, ă, đ) it is read so and normalised to NFC;
  otherwise, unless it looks Vietnamese but not surely so (then it is left alone), it is read
  as windows-1252 (latin-1 for the five bytes windows-1252 leaves undefined). Either way it
  is re-encoded as UTF-8;
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
import unicodedata
from dataclasses import dataclass

from catalog.legacy import is_vietnamese_syllable

_DECLARATION = re.compile(
    rb"\A(\xef\xbb\xbf)?(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)([\"'])([A-Za-z0-9._:-]+)\3"
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The same bytes for bytes.translate, which tells a page without them (nearly every page) five
# times faster than the regular expression's search.
_CONTROL_BYTE_SET = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
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
_UTF8_BOM = b"\xef\xbb\xbf"
# Where the document starts: its declaration, else the root's start tag (``<oai:OAI-PMH``).
_DOCUMENT_START = re.compile(rb"<\?xml\s|<(?:[A-Za-z_][\w.-]*:)?OAI-PMH[\s/>]")
_MAX_PREAMBLE = 8192  # PHP messages are short; a page that starts later is not a PHP page
# A PHP diagnostic line, HTML tags removed: "Warning: Undefined variable $x in … on line 12",
# "PHP Deprecated: …". Fatal errors end the script, so they never come before a document.
_PHP_MESSAGE = re.compile(
    rb"(?:PHP\s+)?(?:Warning|Notice|Deprecated|Strict Standards|User (?:Warning|Notice|"
    rb"Deprecated))\s*:\s*\S"
)
# The tags PHP's html_errors wraps a message in: <br />, <b>, </b>.
_TAGS = re.compile(rb"</?(?:br|b)\s*/?>", re.IGNORECASE)
# The root's end tag, with or without a prefix (``</oai:OAI-PMH>``), found from the end.
_ROOT_NAME = b"OAI-PMH"
_ROOT_END_BEFORE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?\Z")
_ROOT_END_AFTER = re.compile(rb"\s*>")
# What XML allows after the root element: white space, comments, processing instructions.
_MISC = re.compile(rb"(?:\s|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)
# The document's own declaration; then an XML declaration anywhere after it, CDATA sections
# and comments being matched first so that a declaration inside them is kept.
_LEADING_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?\?>")
_INNER_DECLARATION = re.compile(rb"(<!\[CDATA\[.*?\]\]>|<!--.*?-->)|<\?xml\s[^>]*?\?>", re.DOTALL)

# Vietnamese in windows-1258: the five tone marks are combining characters (0xCC, 0xEC, 0xD2,
# 0xDE, 0xF2), which windows-1252 reads as Ì ì Ò Þ ò.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = "aăâeêioôơuưy"
_VOWELS_BOTH_CASES = frozenset(_VOWELS + _VOWELS.upper())
# Letters no Western European text has: ă ơ ư đ (any tone), â ê ô with a tone, a hook above.
_ONLY_VIETNAMESE = (
    frozenset(
        unicodedata.normalize("NFC", vowel + mark)
        for vowel in "ăơưĂƠƯ"
        for mark in ("", *_TONE_MARKS)
    )
    | frozenset(
        unicodedata.normalize("NFC", vowel + mark) for vowel in "âêôÂÊÔ" for mark in _TONE_MARKS
    )
    | frozenset(unicodedata.normalize("NFC", vowel + "\u0309") for vowel in _VOWELS_BOTH_CASES)
    | frozenset("đĐ")
)
_WORDS = re.compile(r"[^\W\d_]+")
# Share of the words with a non-ASCII letter that must be Vietnamese syllables (a French name
# such as "Société" may occur in a Vietnamese record).
_VIETNAMESE_SHARE = 0.9
# Fewer tone marks than this, and no letter only Vietnamese has: too little to be sure.
_FEW_MARKS = 3


@dataclass(frozen=True, slots=True)
class Repaired:
    """Bytes ready for the strict parser and what was changed to get them (empty: nothing)."""

    body: bytes
    repairs: tuple[str, ...] = ()
    # Repairs considered but not made because they were not safe, for the refusal's message.
    doubts: tuple[str, ...] = ()


def repair_xml(body: bytes) -> Repaired:
    """Return ``body`` with the safe repairs made, and a description of each."""
    if body.startswith(_BOMS):
        return Repaired(body)
    repairs: list[str] = []
    doubts: list[str] = []
    body = _strip_before_document(body, repairs, doubts)
    body = _strip_after_root(body, repairs)
    body = _remove_inner_declarations(body, repairs)
    declared = _declared_encoding(body)
    name = (declared or "utf-8").lower()
    if name in _UTF8_NAMES:
        body = _fix_non_utf8(body, declared, repairs, doubts)
    elif name in _SINGLE_BYTE_NAMES:
        body = _fix_false_single_byte(body, declared or name, repairs)
    else:
        # An encoding we do not second-guess (windows-1258, shift_jis…).
        return Repaired(body, tuple(repairs))
    body = _remove_controls(body, repairs)
    return Repaired(body, tuple(repairs), tuple(doubts))


def _strip_before_document(body: bytes, repairs: list[str], doubts: list[str]) -> bytes:
    """Cut PHP messages and white space sent before ``<?xml`` (or the root's start tag)."""
    bom = _UTF8_BOM if body.startswith(_UTF8_BOM) else b""
    start = _DOCUMENT_START.search(body, len(bom), len(bom) + _MAX_PREAMBLE)
    if start is None or start.start() == len(bom):
        return body
    preamble = body[len(bom) : start.start()]
    lines = [_TAGS.sub(b"", line).strip() for line in preamble.splitlines()]
    messages = [line for line in lines if line]
    preview = " ".join(preamble.decode("utf-8", "replace").split())[:80]
    if not all(_PHP_MESSAGE.match(line) for line in messages):
        doubts.append(
            f"{len(preamble)} byte(s) before the XML document are not PHP messages or white "
            f"space (they began {preview!r}), so they were not removed"
        )
        return body
    if not messages and not body.startswith(b"<?xml", start.start()):
        return body  # white space before the root element: XML allows it when undeclared
    if messages:
        repairs.append(
            f"removed {len(preamble)} byte(s) before the XML document: {len(messages)} PHP "
            f"message(s) the member's server printed first (they began {preview!r})"
        )
    else:
        repairs.append(
            f"removed {len(preamble)} byte(s) of white space before the XML declaration, "
            "which XML allows only at the very start"
        )
    return bom + body[start.start() :]


def _strip_after_root(body: bytes, repairs: list[str]) -> bytes:
    """Cut what follows ``</OAI-PMH>`` when XML does not allow it there (PHP notices)."""
    end = len(body)
    while True:
        found = body.rfind(_ROOT_NAME, 0, end)
        if found < 0:
            return body  # no end tag at all: a truncated page, which the parser refuses
        before = _ROOT_END_BEFORE.search(body, max(0, found - 64), found)
        after = _ROOT_END_AFTER.match(body, found + len(_ROOT_NAME))
        if before and after:
            break
        end = found  # "OAI-PMH" in the garbage itself, or in text: look further back
    cut = after.end()
    tail = body[cut:]
    if _MISC.fullmatch(tail):
        return body
    preview = " ".join(tail.decode("utf-8", "replace").split())[:80]
    repairs.append(
        f"removed {len(tail)} byte(s) after the closing </OAI-PMH> tag, which XML does not "
        f"allow there (they began {preview!r}; the member's server appends them, often PHP "
        "notices)"
    )
    return body[:cut] + b"\n"


def _remove_inner_declarations(body: bytes, repairs: list[str]) -> bytes:
    """Remove ``<?xml …?>`` declarations after the first, outside CDATA sections and comments."""
    leading = _LEADING_DECLARATION.match(body)
    start = leading.end() if leading else 0
    if body.find(b"<?xml", start) < 0:
        return body
    removed = 0

    def drop(match: re.Match[bytes]) -> bytes:
        nonlocal removed
        if match.group(1) is not None:
            return match.group(1)  # a CDATA section or comment, kept as it is
        removed += 1
        return b""

    rest = _INNER_DECLARATION.sub(drop, body[start:])
    if not removed:
        return body
    repairs.append(
        f"removed {removed} XML declaration(s) repeated inside the page (e.g. at the top of "
        "<metadata>), which XML allows only at its start"
    )
    return body[:start] + rest


def _declared_encoding(body: bytes) -> str | None:
    match = _DECLARATION.match(body[:200])
    return match.group(4).decode("ascii") if match else None


def _declare_utf8(body: bytes) -> bytes:
    return _DECLARATION.sub(rb"\1\2\3UTF-8\3", body, count=1)


def _fix_non_utf8(
    body: bytes, declared: str | None, repairs: list[str], doubts: list[str]
) -> bytes:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(body):
            return body  # UTF-8 mixed with other bytes: not safe to guess; the parser refuses
        what = f"declares {declared}" if declared else "has no encoding declaration (UTF-8)"
        where = f"byte {exc.start} (0x{body[exc.start]:02X}) is not UTF-8"
        verdict, text, why = _read_windows_1258(body)
        if verdict == "unsure":
            doubts.append(
                f"the page {what} but {where}; it looks like Vietnamese in windows-1258, but "
                f"not surely ({why}), so it was not repaired: ask the member to serve UTF-8"
            )
            return body
        if verdict == "vietnamese":
            repairs.append(
                f"the page {what} but {where} and no UTF-8 sequence occurs; it reads as "
                f"Vietnamese in windows-1258 ({why}): read it as windows-1258, normalised to NFC"
            )
            return _declare_utf8(text.encode("utf-8"))
        try:
            text = body.decode("cp1252")
            encoding = "windows-1252"
        except UnicodeDecodeError:
            text = body.decode("latin-1")
            encoding = "ISO-8859-1"
        repairs.append(
            f"the page {what} but {where} and no UTF-8 sequence occurs; read it as {encoding}"
        )
        return _declare_utf8(text.encode("utf-8"))
    return body


def _read_windows_1258(body: bytes) -> tuple[str, str, str]:
    """Judge whether single-byte ``body`` is Vietnamese in windows-1258.

    Returns the verdict ("vietnamese", "unsure" or "no"), the text read as windows-1258 and
    normalised to NFC (when "vietnamese"), and the reason for the verdict. "no" (read it as
    windows-1252, as before) when no tone mark follows a Vietnamese vowel; "vietnamese" when
    every tone mark does, nine words in ten with a non-ASCII letter are Vietnamese syllables
    and either three tone marks or a letter only Vietnamese has occur; "unsure" otherwise.
    """
    try:
        text = body.decode("cp1258")
    except UnicodeDecodeError:
        return "no", "", "bytes windows-1258 leaves undefined"
    marks = [at for at, char in enumerate(text) if char in _TONE_MARKS]
    on_vowels = sum(1 for at in marks if at > 0 and text[at - 1] in _VOWELS_BOTH_CASES)
    if not on_vowels:
        return "no", "", "no tone mark after a Vietnamese vowel"
    if on_vowels < len(marks):
        stray = len(marks) - on_vowels
        return "unsure", "", f"{stray} of {len(marks)} tone marks follow no Vietnamese vowel"
    text = unicodedata.normalize("NFC", text)
    words = [word for word in _WORDS.findall(text) if not word.isascii()]
    syllables = sum(1 for word in words if is_vietnamese_syllable(word))
    if syllables < _VIETNAMESE_SHARE * len(words):
        return (
            "unsure",
            "",
            f"only {syllables} of {len(words)} words with a non-ASCII letter are Vietnamese",
        )
    if len(marks) < _FEW_MARKS and not any(char in _ONLY_VIETNAMESE for w in words for char in w):
        return "unsure", "", "too little text: few tone marks, no letter only Vietnamese has"
    return (
        "vietnamese",
        text,
        f"{len(marks)} tone mark(s), each after a vowel; {syllables} of {len(words)} words are "
        "Vietnamese syllables",
    )


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
    has_controls = len(body.translate(None, _CONTROL_BYTE_SET)) != len(body)
    found = _CONTROL_BYTES.search(body) if has_controls else None
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
