"""Pure input rules for catalog data (no database): codes, names, barcodes, amounts, attributes,
category paths. Each ``clean_*`` returns the normalised value or raises a 422 error whose
``detail.fields`` is keyed by ``field`` (``"skus[1].barcode"``), so the API and the importer share them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import InvalidChecksum, ValidationError

from huitong.catalog.errors import (
    BlankField,
    InvalidAmount,
    InvalidAttributes,
    InvalidBarcode,
    InvalidCategoryPath,
    InvalidCode,
)
from huitong.catalog.models import CATEGORY_PATH_SEPARATOR, CODE_MAX_LENGTH

BARCODE_LENGTHS = (8, 12, 13)  # EAN-8, UPC-A, EAN-13
NAME_MAX_LENGTH = 200
BRAND_MAX_LENGTH = 100
CATEGORY_NAME_MAX_LENGTH = 100
CATEGORY_PATH_MAX_LENGTH = 255
ATTRIBUTE_MAX_LENGTH = 100
MAX_WEIGHT_G = 2_147_483_647


def clean_code(value: Any, *, field: str = "code") -> str:
    code = str(value if value is not None else "").strip()
    if not code:
        raise InvalidCode(**{field: _("编码不能为空")})
    if len(code) > CODE_MAX_LENGTH:
        raise InvalidCode(**{field: _("编码不能超过 %(n)d 个字符") % {"n": CODE_MAX_LENGTH}})
    if any(ch.isspace() for ch in code):
        raise InvalidCode(**{field: _("编码不能包含空白字符")})
    return code


def clean_text(value: Any, *, field: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """A required single-line text (a name): stripped, not blank, not too long."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise BlankField(**{field: _("不能为空")})
    if len(text) > max_length:
        raise BlankField(**{field: _("不能超过 %(n)d 个字符") % {"n": max_length}})
    return text


def clean_barcode(value: Any, *, field: str = "barcode") -> str:
    """ "" stays "" (no barcode); otherwise EAN-8, UPC-A (12) or EAN-13 digits with a valid check digit."""
    barcode = str(value if value is not None else "").strip()
    if not barcode:
        return ""
    if not barcode.isdigit() or not barcode.isascii():
        raise InvalidBarcode(**{field: _("条码只能包含数字")})
    if len(barcode) not in BARCODE_LENGTHS:
        raise InvalidBarcode(**{field: _("条码须为 8、12 或 13 位数字")})
    try:
        ean.validate(barcode)
    except InvalidChecksum:
        expected = ean.calc_check_digit(barcode[:-1])
        raise InvalidBarcode(**{field: _("条码校验位错误(应为 %(d)s)") % {"d": expected}}) from None
    except ValidationError:
        raise InvalidBarcode(**{field: _("条码格式错误")}) from None
    return barcode


def clean_non_negative(value: Any, *, field: str, maximum: int | None = None) -> int:
    """An integer amount (fen, grams) that must be >= 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(**{field: _("必须是整数")})
    if value < 0:
        raise InvalidAmount(**{field: _("不能为负数")})
    if maximum is not None and value > maximum:
        raise InvalidAmount(**{field: _("数值过大")})
    return value


def clean_attributes(value: Any, *, field: str = "attributes") -> dict[str, str]:
    """A flat dict of text → text (``{"规格": "250g"}``); keys and values stripped, empty values dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidAttributes(**{field: _("规格属性必须是键值对")})
    cleaned: dict[str, str] = {}
    for key, raw in value.items():
        name = str(key).strip()
        if not name or isinstance(raw, dict | list | tuple | set):
            raise InvalidAttributes(**{field: _("属性名不能为空,属性值必须是文本")})
        text = "" if raw is None else str(raw).strip()
        if len(name) > ATTRIBUTE_MAX_LENGTH or len(text) > ATTRIBUTE_MAX_LENGTH:
            raise InvalidAttributes(**{field: _("属性不能超过 %(n)d 个字符") % {"n": ATTRIBUTE_MAX_LENGTH}})
        if text:
            cleaned[name] = text
    return cleaned


def split_category_path(path: Any, *, field: str = "category_path") -> list[str]:
    """ "茶叶 / 绿茶" → ["茶叶", "绿茶"]; empty segments and overlong names are refused."""
    text = str(path if path is not None else "").strip()
    parts = [part.strip() for part in text.split(CATEGORY_PATH_SEPARATOR)]
    if not text or any(not part for part in parts):
        raise InvalidCategoryPath(**{field: _("分类路径不能为空,也不能有空的层级(例如 “茶叶/绿茶”)")})
    if any(len(part) > CATEGORY_NAME_MAX_LENGTH for part in parts) or len(join_category_path(parts)) > (
        CATEGORY_PATH_MAX_LENGTH
    ):
        raise InvalidCategoryPath(**{field: _("分类路径过长")})
    return parts


def join_category_path(parts: list[str]) -> str:
    return CATEGORY_PATH_SEPARATOR.join(parts)


def clean_category_name(value: Any, *, field: str = "name") -> str:
    name = clean_text(value, field=field, max_length=CATEGORY_NAME_MAX_LENGTH)
    if CATEGORY_PATH_SEPARATOR in name:
        raise InvalidCategoryPath(**{field: _("分类名称不能包含 “/”")})
    return name
