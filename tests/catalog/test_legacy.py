"""Legacy 8-bit Vietnamese (TCVN3, VNI) read as CP1252: detection and repair."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.legacy import detect_legacy, fix_legacy, is_vietnamese_syllable

LABELLED = Path(__file__).parent / "data" / "legacy_labelled.tsv"


def labelled_rows() -> list[tuple[str, str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return [(label, text, expected) for label, text, expected in reader]


@pytest.mark.parametrize(
    ("mojibake", "encoding", "expected"),
    [
        ("ViÖt Nam §ång b»ng s«ng Cöu Long", "tcvn3", "Việt Nam Đồng bằng sông Cửu Long"),
        ("LÞch sö Sãc Tr¨ng", "tcvn3", "Lịch sử Sóc Trăng"),
        ("Ch©u §èc", "tcvn3", "Châu Đốc"),
        ("Tôc ng÷ ca dao Nam Bé", "tcvn3", "Tục ngữ ca dao Nam Bộ"),
        ("™ rõng U Minh Th\xadîng", "tcvn3", "Ở rừng U Minh Thượng"),
        ("Xin chaøo caùc baïn", "vni", "Xin chào các bạn"),
        ("Ñoàng Thaùp", "vni", "Đồng Tháp"),
        ("ÑOÀNG THAÙP", "vni", "ĐỒNG THÁP"),
        ("Aán Ñoä", "vni", "Ấn Độ"),
        ("Vieät Nam", "vni", "Việt Nam"),
    ],
)
def test_mojibake_is_converted(mojibake: str, encoding: str, expected: str) -> None:
    assert detect_legacy(mojibake) == encoding
    assert fix_legacy(mojibake) == expected


@pytest.mark.parametrize(
    "clean",
    [
        "Cà Mau",  # only Latin-1 letters, and valid Vietnamese: TCVN3 would read "CỔ Mau"
        "Cá tra",
        "Sài Gòn",
        "Société des études indochinoises",
        "Saïgon - La rue Catinat",
        "« Le Mékong »",
        "Hôtel de ville",
        "Côte",
        "Nguyễn Văn An",
        "Đồng Tháp",
        "The Mekong Delta: a history",
        "© 1998",
        "45° N",
        "Müller & Söhne",
        "",
        "   ",
    ],
)
def test_clean_text_is_left_alone(clean: str) -> None:
    assert detect_legacy(clean) is None
    assert fix_legacy(clean) == clean


def test_labelled_set_has_both_encodings_and_clean_text() -> None:
    labels = [label for label, _, _ in labelled_rows()]
    assert labels.count("tcvn3") >= 140 and labels.count("vni") >= 140
    assert labels.count("clean") >= 150


def test_labelled_set_precision_and_recall() -> None:
    rows = labelled_rows()
    clean = [(text, expected) for label, text, expected in rows if label == "clean"]
    assert all(fix_legacy(text) == expected for text, expected in clean), "a clean value changed"
    for encoding in ("tcvn3", "vni"):
        cases = [(text, expected) for label, text, expected in rows if label == encoding]
        fixed = [fix_legacy(text) for text, _ in cases]
        wrong = [got for got, (text, expected) in zip(fixed, cases, strict=True)
                 if got not in (expected, text)]  # fmt: skip
        right = sum(got == expected for got, (_, expected) in zip(fixed, cases, strict=True))
        assert not wrong, f"{encoding}: converted to the wrong text: {wrong}"
        assert right / len(cases) >= 0.95, encoding


@pytest.mark.parametrize(
    ("word", "valid"),
    [
        ("nghiêng", True),
        ("Thơ", True),
        ("CẦN", True),
        ("quỳnh", True),
        ("khuỷu", True),
        ("bắc", True),
        ("bàc", False),  # a stopped ending takes only the acute or dot-below tone
        ("Mékong", False),
        ("thaùp", False),
        ("ViÖt", False),
    ],
)
def test_is_vietnamese_syllable(word: str, valid: bool) -> None:
    assert is_vietnamese_syllable(word) is valid


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fix_legacy_never_raises_and_is_idempotent(text: str) -> None:
    once = fix_legacy(text)
    assert fix_legacy(once) == once
    assert unicodedata.is_normalized("NFC", once)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF)))
def test_fix_legacy_on_latin1_text_never_raises_and_is_idempotent(text: str) -> None:
    once = fix_legacy(text)
    assert fix_legacy(once) == once


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([row for row in labelled_rows()]))
def test_nfc_and_nfd_inputs_give_the_same_result(row: tuple[str, str, str]) -> None:
    _, text, _ = row
    assert fix_legacy(unicodedata.normalize("NFD", text)) == fix_legacy(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ abc"))
def test_text_with_vietnamese_letters_beyond_latin1_is_never_touched(text: str) -> None:
    if any(ord(ch) > 0xFF for ch in text):
        assert fix_legacy(text) == unicodedata.normalize("NFC", text)
