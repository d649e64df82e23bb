"""Help the reader type: completions, diacritic restoration and typo correction.

All three read term lexicons only (no stored fields, no scoring), so they stay fast as the
index grows: type-ahead expands a prefix in the `suggest` field, restoration maps a folded
word to its most frequent accented form, and correction asks Whoosh's corrector for a
folded word within edit distance 1 or 2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from catalog.normalize import fold
from index.schema import SUGGEST_KINDS, SUGGEST_SEPARATOR
from index.text import prepare

_WORDS = re.compile(r"\w+")
_SCAN = 3000  # lexicon terms read per kind and prefix: a one-letter prefix matches thousands
_ACCENT_FIELDS = ("title", "subjects", "places", "creators")
_CORRECT_FIELDS = ("title_f", "main_f")  # the folded fields a plain word searches
# Edit distance on Vietnamese syllables (2 to 7 letters) reaches many real words: short
# words get distance 1 only, and words under 3 letters are never corrected.
_MIN_CORRECT = 3
_SHORT = 5


def folded_prefix(text: str) -> str:
    """Return the typed text as the folded words type-ahead terms are made of."""
    return " ".join(_WORDS.findall(fold(prepare(text))))


def complete(
    reader: IndexReader, prefix: str, *, kinds: Iterable[str], limit: int
) -> tuple[str, ...]:
    """Return up to ``limit`` values (as displayed) whose words start with ``prefix``.

    Values that begin with the prefix come first, then by how many records hold them.
    """
    typed = folded_prefix(prefix)
    if not typed:
        return ()
    # Typed with marks ("Đồng"): values written that way ("Đồng Tháp") before "Dòng họ".
    marked = prepare(prefix).strip().lower() if folded_prefix(prefix) != prefix.strip() else ""
    found: dict[str, tuple[bool, int]] = {}
    for kind in kinds:
        code = SUGGEST_KINDS[kind]
        for scanned, term in enumerate(reader.expand_prefix("suggest", code + typed)):
            if scanned >= _SCAN:
                break
            text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            words, _, display = text[1:].partition(SUGGEST_SEPARATOR)
            count = reader.doc_frequency("suggest", term)
            if marked:
                opens = display.lower().startswith(marked)
            else:
                opens = folded_prefix(display).startswith(typed)
            before = found.get(display, (False, 0))
            found[display] = (before[0] or opens, max(before[1], count))
    ranked = sorted(
        found.items(),
        key=lambda item: (
            bool(marked) and marked not in item[0].lower(),
            not item[1][0],
            -item[1][1],
            len(item[0]),
            item[0],
        ),
    )
    return tuple(display for display, _ in ranked[:limit])


def complete_facet(reader: IndexReader, field: str, prefix: str, *, limit: int) -> tuple[str, ...]:
    """Return facet values of ``field`` with a word starting with ``prefix``, most used first.

    Facet lexicons are short (one term per value), so they are read whole.
    """
    typed = folded_prefix(prefix)
    found = []
    for term in reader.lexicon(field):
        value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
        words = folded_prefix(value)
        if not typed or words.startswith(typed) or f" {typed}" in f" {words}":
            found.append((not words.startswith(typed), -reader.doc_frequency(field, term), value))
    return tuple(value for _, _, value in sorted(found)[:limit])


def accent_map(reader: IndexReader) -> dict[str, str]:
    """Map each folded word of titles, subjects, places and creators to its commonest form."""
    best: dict[str, tuple[int, str]] = {}
    for name in _ACCENT_FIELDS:
        for term in reader.lexicon(name):
            word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            folded = fold(word)
            if folded == word:
                continue
            frequency = reader.doc_frequency(name, term)
            if frequency > best.get(folded, (0, ""))[0]:
                best[folded] = (frequency, word)
    return {key: word for key, (_, word) in best.items()}


def restore(words: tuple[str, ...], accents: dict[str, str]) -> str | None:
    """Restore diacritics to words typed without them ("dia chi" → "địa chí")."""
    if any(fold(word) != word.lower() for word in words):
        return None  # the reader typed marks: trust them
    restored = [accents.get(fold(word), word) for word in words]
    return " ".join(restored) if restored != list(words) else None


def correct(searcher: Searcher, words: tuple[str, ...], accents: dict[str, str]) -> str | None:
    """Return ``words`` with unknown ones replaced by the nearest indexed word, or None.

    Only for queries that found nothing: on short syllables the nearest word is often a
    different real word, which is noise when the query already has results.
    """
    reader = searcher.reader()
    corrected = []
    for word in words:
        folded = fold(word)
        known = any((name, folded) in reader for name in _CORRECT_FIELDS)
        if known or len(folded) < _MIN_CORRECT or not folded.isalpha():
            corrected.append(accents.get(folded, word) if folded == word.lower() else word)
            continue
        best = _nearest(searcher, folded)
        corrected.append(accents.get(best, best) if best else word)
    if [fold(word) for word in corrected] == [fold(word) for word in words]:
        return None
    return " ".join(corrected)


def _nearest(searcher: Searcher, folded: str) -> str | None:
    """Return the indexed folded word nearest ``folded``; ties go to the commoner word."""
    reader = searcher.reader()
    maxdist = 1 if len(folded) < _SHORT else 2
    candidates: dict[str, tuple[int, int]] = {}
    for name in _CORRECT_FIELDS:
        for found in searcher.corrector(name).suggest(folded, limit=5, maxdist=maxdist):
            distance = _distance(folded, found)
            frequency = reader.doc_frequency(name, found)
            before = candidates.get(found, (distance, 0))
            candidates[found] = (distance, before[1] + frequency)
    if not candidates:
        return None
    return min(candidates, key=lambda word: (candidates[word][0], -candidates[word][1], word))


def _distance(first: str, second: str) -> int:
    """Return the Damerau-Levenshtein distance (adjacent swaps count 1), as Whoosh measures."""
    rows = [list(range(len(second) + 1))]
    for i, a in enumerate(first, 1):
        row = [i]
        for j, b in enumerate(second, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]
