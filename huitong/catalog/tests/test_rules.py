"""The pure input rules (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from huitong.catalog import rules
from huitong.catalog.errors import (
    BlankField,
    InvalidAmount,
    InvalidAttributes,
    InvalidBarcode,
    InvalidCategoryPath,
    InvalidCode,
)


@pytest.mark.parametrize("barcode", ["73513537", "036000291452", "6901234567892", " 6901234567892 ", ""])
def test_valid_barcodes_are_kept(barcode):
    assert rules.clean_barcode(barcode) == barcode.strip()


@pytest.mark.parametrize(
    ("barcode", "message"),
    [
        ("6901234567891", "应为 2"),
        ("690123456789", "校验位"),  # 12 digits read as UPC-A, wrong check digit
        ("12345", "8、12 或 13"),
        ("98412345678908", "8、12 或 13"),  # GTIN-14 is not a retail barcode
        ("69012345678x2", "只能包含数字"),
        ("６９０１２３４５６７８９２", "只能包含数字"),
    ],
)
def test_invalid_barcodes_are_refused_with_a_reason(barcode, message):
    with pytest.raises(InvalidBarcode) as caught:
        rules.clean_barcode(barcode, field="skus[0].barcode")
    assert caught.value.code == "invalid_barcode"
    assert message in caught.value.detail["fields"]["skus[0].barcode"]


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_ean13_with_its_check_digit_is_valid_and_any_other_digit_is_not(body):
    good = body + ean.calc_check_digit(body)
    assert rules.clean_barcode(good) == good
    wrong = body + str((int(good[-1]) + 1) % 10)
    with pytest.raises(InvalidBarcode):
        rules.clean_barcode(wrong)


@pytest.mark.parametrize("code", ["", "   ", "A B", "x" * 65, None])
def test_bad_codes(code):
    with pytest.raises(InvalidCode) as caught:
        rules.clean_code(code, field="spu_code")
    assert "spu_code" in caught.value.detail["fields"]


def test_code_is_stripped():
    assert rules.clean_code("  SKU-1 ") == "SKU-1"


@pytest.mark.parametrize("value", [-1, 1.5, "3", True])
def test_amounts_must_be_non_negative_ints(value):
    with pytest.raises(InvalidAmount):
        rules.clean_non_negative(value, field="price_fen")


def test_blank_name_is_refused():
    with pytest.raises(BlankField) as caught:
        rules.clean_text("  ", field="name")
    assert caught.value.detail == {"fields": {"name": "不能为空"}}


def test_attributes_are_stripped_and_empty_values_dropped():
    assert rules.clean_attributes({" 规格 ": " 250g ", "颜色": ""}) == {"规格": "250g"}


@pytest.mark.parametrize("value", [["250g"], {"": "x"}, {"规格": {"a": 1}}, {"规格": "x" * 101}])
def test_bad_attributes(value):
    with pytest.raises(InvalidAttributes):
        rules.clean_attributes(value)


def test_category_paths():
    assert rules.split_category_path(" 茶叶 / 绿茶 ") == ["茶叶", "绿茶"]
    for bad in ["", "茶叶//绿茶", "/茶叶", "茶叶/"]:
        with pytest.raises(InvalidCategoryPath):
            rules.split_category_path(bad)
