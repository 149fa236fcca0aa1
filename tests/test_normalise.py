"""Match keys for IDs, names and certificate names."""

import pytest

from certreview.rules.normalise import is_blank, name_key, normalise_id, text_key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("B10912345", "B10912345"),
        (" b10912345 ", "B10912345"),
        ("Ｂ１０９１２３４５", "B10912345"),
        ("ｂ１０９１２３４５\u3000", "B10912345"),
        ("B109\u200b12345", "B10912345"),
        ("0912345678", "0912345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_id(typed, key):
    assert normalise_id(typed) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("王小明", "王 小明"),
        ("王小明", "王\u3000小明"),
        ("王小明", "王\u00a0小明"),
        ("王小明", "王\u200b小明"),
        ("王小明", " 王小明 "),
        ("台大明", "臺大明"),
        ("郭峰堃", "郭峯堃"),
        ("李啟明", "李啓明"),
        ("陳彥廷", "陳彦廷"),
        ("溫家豪", "温家豪"),
        ("瓦旦·達道", "瓦旦‧達道"),
        ("瓦旦·達道", "瓦旦・達道"),
        ("瓦旦·達道", "瓦旦．達道"),
        ("Ukah·Pusing", "ukah · pusing"),
    ],
)
def test_names_that_match(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("王小明", "王小銘"), ("瓦旦·達道", "瓦旦達道"), ("李明", "李明明")]
)
def test_names_that_differ(a, b):
    assert name_key(a) != name_key(b)


def test_name_key_keeps_characters_outside_big5():
    assert name_key("郭峯堃") == "郭峰堃"
    assert name_key("陳喆") == "陳喆"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("TQC  Excel 進階", "tqc excel 進階"),
        ("ＴＱＣ Excel\u3000進階", "tqc excel 進階"),
        ("  CCNA\n", "ccna"),
    ],
)
def test_text_key(typed, key):
    assert text_key(typed) == key


@pytest.mark.parametrize(
    ("value", "blank"), [("", True), ("  \u3000\u200b", True), (None, True), ("x", False)]
)
def test_is_blank(value, blank):
    assert is_blank(value) is blank
