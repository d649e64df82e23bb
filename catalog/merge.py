"""Group the records of one work held by several libraries: a cluster key, and a pairwise check.

After NatLibFi's RecordManager (DedupHandler: ISBN keys, then a title key with the main
author; matchRecords vetoes): the key is the ISBN-13, else the kind, the folded title proper
and the first creator's full name. ``same_work`` verifies a pair and vetoes differing kinds,
years more than two apart, differing ISBNs and differing creators.
"""

from __future__ import annotations

import re
import unicodedata

from catalog.models import Record
from catalog.normalize import fold

# Articles that open French and English titles, matched before folding so that Vietnamese
# words that fold alike ("Lê", "Lá", "Thế") stay; "An" is left out (An Giang, An Xuyên).
# Matched on the title's words (punctuation gone: "L'Annam" is "L Annam").
_ARTICLE = re.compile(r"^(?:the|a|les?|la|une?|l)\s+", re.IGNORECASE)
# What separates a title proper from its subtitle, parallel title or statement (ISBD).
_TITLE_PROPER = re.compile(r"\s+[:;=/](?:\s|$)|[:;]\s")
# Life dates after a MARC name ("Sơn Nam, 1926-2008.", "Trương Vĩnh Ký (1837-1898)").
_DATES = re.compile(r",?\s*\(?\s*(?:[bs]\.\s*|d\.\s*|ca?\.\s*)?\d{3,4}\??\s*-\s*(?:\d{3,4}\??)?\)?")
# Roles cataloguers append to names, folded ("chủ biên" → "chu bien").
# Matched as whole words at the end of the name, after punctuation became spaces.
_ROLES = (
    "chu bien", "ch b", "bien soan", "b s", "bien tap", "dich", "hieu dinh", "tac gia",
    "suu tam", "s t", "gioi thieu", "tuyen chon", "hieu chu", "minh hoa", "chup anh", "ed",
    "eds", "editor", "edited by", "trans", "translator", "photographer", "author", "auteur",
    "dir", "sous la direction de",
)  # fmt: skip
_ROLE = re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(role) for role in _ROLES) + r")$")
_YEARS_APART = 2  # RecordManager rejects any year difference; catalogues disagree by one or two


def _words(value: str) -> str:
    return " ".join(re.sub(r"[^\w]+|_", " ", value).split())


def title_key(title: str | None) -> str:
    """Fold a title proper for matching: no subtitle, ISBD marks, leading article, diacritics.

    "Địa chí Cần Thơ : tập 1 /" → "dia chi can tho"; "Le delta du Mékong" → "delta du mekong".
    """
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", title or "")).strip()
    proper = _TITLE_PROPER.split(text, maxsplit=1)[0]
    return fold(_ARTICLE.sub("", _words(proper))) or fold(_words(proper)) or fold(_words(text))


def creator_key(name: str | None) -> str:
    """Normalise a name for matching: no life dates, roles or punctuation; inversion undone.

    "Sơn Nam, 1926-2008." and "Sơn Nam" → "nam son"; "Nguyễn, Văn An" and "Nguyễn Văn An" →
    "an nguyen van". The whole name is kept: a family name alone (Nguyễn) says almost nothing.
    """
    text = _words(_DATES.sub(" ", fold(unicodedata.normalize("NFC", name or ""))))
    previous = None
    while previous != text:
        previous = text
        text = _ROLE.sub("", text).strip()
    # Token order is dropped so "Dupont, Jean" meets "Jean Dupont" and "Nguyễn, Văn A" meets
    # "Nguyễn Văn A"; the full set of tokens stays, so "Nguyễn Văn An" ≠ "Nguyễn Văn Anh".
    return " ".join(sorted(text.split()))


def work_key(
    title: str | None,
    creators: tuple[str, ...],
    isbns: tuple[str, ...],
    *,
    kind: str | None = None,
) -> str:
    """Return the key that groups the records of one work held by several libraries.

    The smallest ISBN-13 when there is one; otherwise the kind (when given), the folded title
    proper and the first creator's normalised full name. Differing kinds never share a key;
    years can't go into an exact key without splitting "1998" from "[199-?]", so ``same_work``
    checks them.
    """
    if isbns:
        return "isbn:" + min(isbns)
    creator = creator_key(creators[0]) if creators else ""
    prefix = f"tc:{kind}:" if kind else "tc:"
    return f"{prefix}{title_key(title)}|{creator}"


def _years_apart(a: Record, b: Record) -> int | None:
    if a.year_from is None or b.year_from is None:
        return None
    a_to = a.year_to if a.year_to is not None else a.year_from
    b_to = b.year_to if b.year_to is not None else b.year_from
    return max(0, a.year_from - b_to, b.year_from - a_to)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, for titles that differ by a typo."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ch_a in enumerate(a, 1):
        current = [i]
        for j, ch_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ch_a != ch_b))
            )
        previous = current
    return previous[-1]


def _same_creator(a: str, b: str) -> bool:
    """Full names match, token for token; an initial ("v") may stand for one word ("van")."""
    words_a, words_b = a.split(), b.split()
    if words_a == words_b:
        return True
    if len(words_a) != len(words_b) or not words_a:
        return False
    # Pair the words after sorting full words first; an initial matches one word it starts.
    rest_b = list(words_b)
    for word in sorted(words_a, key=len, reverse=True):
        if word in rest_b:
            rest_b.remove(word)
            continue
        partner = next(
            (
                other
                for other in rest_b
                if (len(word) == 1 and other.startswith(word))
                or (len(other) == 1 and word.startswith(other))
            ),
            None,
        )
        if partner is None:
            return False
        rest_b.remove(partner)
    return True


def same_work(a: Record, b: Record) -> bool:
    """Tell whether two records describe the same work (RecordManager-style verification).

    A shared ISBN is enough once the kinds agree; otherwise the title proper must match (up to
    a typo in a long title), the first creators must be the same full name (or both absent),
    and the years, when both are known, at most two apart. Different ISBNs on both sides mean
    different editions.
    """
    if a.kind != b.kind:
        return False
    if a.isbns and b.isbns:
        return bool(set(a.isbns) & set(b.isbns))
    apart = _years_apart(a, b)
    if apart is not None and apart > _YEARS_APART:
        return False
    title_a, title_b = title_key(a.title), title_key(b.title)
    if not title_a or not title_b:
        return False
    if title_a != title_b:
        # Numbers name a volume, an issue or a year: "Niên giám 2018" is not "Niên giám 2020".
        if re.findall(r"\d+", title_a) != re.findall(r"\d+", title_b):
            return False
        longest = max(len(title_a), len(title_b))
        if longest < 20 or _distance(title_a, title_b) * 10 >= longest:
            return False
    creator_a = creator_key(a.creators[0]) if a.creators else ""
    creator_b = creator_key(b.creators[0]) if b.creators else ""
    if not creator_a and not creator_b:
        # Anonymous photographs and maps share titles ("Chợ nổi Cái Răng"); without a creator
        # only the same year (both known) makes them one work.
        return apart == 0 if apart is not None else False
    return _same_creator(creator_a, creator_b)
