"""Highlights: the query's words marked in a record's own text, Vietnamese-aware."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from index.highlight import Highlighter, mark, snippet


def marked(segments: tuple[tuple[str, bool], ...]) -> list[str]:
    return [text for text, matched in segments if matched]


def test_query_without_marks_marks_ca_mau_in_the_title() -> None:
    segments = Highlighter.for_text("ca mau").title("Địa chí Cà Mau")

    assert segments == (("Địa chí ", False), ("Cà Mau", True))


def test_query_with_marks_marks_the_same_words() -> None:
    assert marked(Highlighter.for_text("Cà Mau").title("Địa chí Cà Mau")) == ["Cà Mau"]


def test_nfd_title_is_marked_and_kept_as_the_member_wrote_it() -> None:
    title = unicodedata.normalize("NFD", "Địa chí Cà Mau")

    segments = Highlighter.for_text("ca mau").title(title)

    assert "".join(text for text, _ in segments) == title  # offsets into the original
    assert marked(segments) == [unicodedata.normalize("NFD", "Cà Mau")]


def test_d_with_stroke_matches_d() -> None:
    assert marked(Highlighter.for_text("dong thap").title("Đồng Tháp")) == ["Đồng Tháp"]
    assert marked(Highlighter.for_text("Đồng").title("dong, Đông, đồng")) == [
        "dong",
        "Đông",
        "đồng",
    ]


def test_either_tone_placement_marks_both() -> None:
    highlighter = Highlighter.for_text("Thanh Hoà")

    assert marked(highlighter.title("Thanh Hóa và Thanh Hoà")) == ["Thanh Hóa", "Thanh Hoà"]


def test_phrase_and_field_prefixed_queries_mark_their_words() -> None:
    assert marked(Highlighter.for_text('"địa chí"').title("Địa chí Bạc Liêu")) == ["Địa chí"]
    assert marked(Highlighter.for_text("nhan đề:bac lieu").title("Địa chí Bạc Liêu")) == [
        "Bạc Liêu"
    ]


def test_author_query_does_not_mark_the_title() -> None:
    assert marked(Highlighter.for_text('tác giả:"sơn nam"').title("Sơn Nam và Nam Bộ")) == []


def test_excluded_words_are_not_marked() -> None:
    segments = Highlighter.for_text("cà mau -bản").title("Bản đồ Cà Mau")

    assert marked(segments) == ["Cà Mau"]


def test_words_of_several_clauses_overlapping_mark_each_word_once() -> None:
    highlighter = Highlighter.for_text('ca "ca mau" mau OR "mau ca"')

    segments = highlighter.title("Ca Mau, ca mau ca")

    assert "".join(text for text, _ in segments) == "Ca Mau, ca mau ca"
    assert marked(segments) == ["Ca Mau", "ca mau ca"]


def test_stopword_like_syllables_are_marked() -> None:
    assert marked(Highlighter.for_text("và").title("Cần Thơ xưa và nay")) == ["và"]


def test_part_of_a_word_is_not_marked() -> None:
    assert marked(Highlighter.for_text("ca").title("Cái Răng, cao")) == []


def test_untrusted_markup_stays_text_in_the_segments() -> None:
    title = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> Cà Mau'

    segments = Highlighter.for_text("script ca mau").title(title)

    assert "".join(text for text, _ in segments) == title
    assert marked(segments) == ["script", "script", "Cà Mau"]
    assert ("<", False) in segments  # the markup is a piece of text, for the template to escape


def test_empty_query_marks_nothing() -> None:
    assert Highlighter.for_text("").title("Cà Mau") == (("Cà Mau", False),)
    assert Highlighter.for_text("ca mau").title("") == ()


def test_snippet_is_a_window_around_the_first_match_cut_at_words() -> None:
    before = " ".join(f"từ{n}" for n in range(60))
    after = " ".join(f"chữ{n}" for n in range(60))
    text = f"{before} Vùng đất Cà Mau ở cực nam. {after}"

    segments = snippet(text, Highlighter.for_text("ca mau").description_words, length=120)

    shown = "".join(piece for piece, _ in segments)
    assert shown.startswith("…") and shown.endswith("…")
    assert marked(segments) == ["Cà Mau"]
    assert len(shown) <= 122
    inner = shown.strip("…")
    assert inner.split()[0] in before.split() and inner.split()[-1] in after.split()


def test_snippet_without_a_match_is_the_start() -> None:
    text = "Đất và người Nam Bộ. " * 30

    segments = snippet(text, frozenset({"hue"}), length=60)

    shown = "".join(piece for piece, _ in segments)
    assert shown.startswith("Đất và người") and shown.endswith("…")
    assert not marked(segments)


def test_snippet_near_the_end_keeps_the_full_length() -> None:
    text = "mở đầu " * 40 + "kết thúc ở Cà Mau"

    shown = "".join(t for t, _ in snippet(text, frozenset({"ca", "mau"}), length=80))

    assert shown.endswith("Cà Mau") and shown.startswith("…") and len(shown) > 60


def test_short_description_is_shown_whole_with_line_breaks_collapsed() -> None:
    assert snippet("Cà Mau\n  đất mũi", frozenset({"mau"})) == (
        ("Cà ", False),
        ("Mau", True),
        (" đất mũi", False),
    )


@settings(max_examples=150, deadline=None)
@given(text=st.text(), words=st.frozensets(st.sampled_from(["ca", "mau", "d", "a", ""])))
def test_segments_join_back_to_the_text_and_never_raise(text: str, words: frozenset[str]) -> None:
    segments = mark(text, words)

    assert "".join(piece for piece, _ in segments) == text
    assert all(piece for piece, _ in segments)
    assert snippet(text, words) is not None
