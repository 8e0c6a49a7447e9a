"""Catalog errors. 404s for missing objects, 409s for codes already taken, 422s for bad input
(field messages in ``detail.fields``), and ``ImportFileInvalid`` listing every bad row of a file."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from huitong.core.errors import Conflict, InvalidInput, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
    default_message = _("商品不存在")


class SkuNotFound(NotFound):
    code = "sku_not_found"
    default_message = _("SKU 不存在")


class BrandNotFound(NotFound):
    code = "brand_not_found"
    default_message = _("品牌不存在")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    default_message = _("分类不存在")


class DuplicateCode(Conflict):
    """A product code, SKU code, brand or category that already exists (or repeats in one request)."""

    code = "duplicate_code"
    default_message = _("编码已存在")


class DuplicateBarcode(Conflict):
    code = "duplicate_barcode"
    default_message = _("条码已被其他 SKU 使用")


class InvalidCode(InvalidInput):
    code = "invalid_code"
    default_message = _("编码无效")


class InvalidBarcode(InvalidInput):
    code = "invalid_barcode"
    default_message = _("条码无效(需为 EAN-8、EAN-13 或 UPC-A,校验位正确)")


class InvalidAmount(InvalidInput):
    """A negative price, cost or weight."""

    code = "invalid_amount"
    default_message = _("数值无效")


class InvalidAttributes(InvalidInput):
    code = "invalid_attributes"
    default_message = _("规格属性无效")


class InvalidCategoryPath(InvalidInput):
    code = "invalid_category_path"
    default_message = _("分类路径无效")


class BlankField(InvalidInput):
    code = "blank_field"
    default_message = _("必填项不能为空")


class SkuListEmpty(InvalidInput):
    code = "sku_list_empty"
    default_message = _("商品至少需要一个 SKU")


class ImportFileUnreadable(InvalidInput):
    """The file as a whole cannot be read: wrong type, corrupt, too large, no header."""

    code = "import_file_unreadable"
    default_message = _("无法读取导入文件")


class ImportFileInvalid(InvalidInput):
    """Rows of an import file failed validation; nothing was written.

    ``detail == {"rows": [{"row": 3, "field": "条码", "message": "..."}], "error_count": N}``
    (``row`` is the spreadsheet row number; the header is row 1).
    """

    code = "import_file_invalid"
    default_message = _("导入文件有错误,未导入任何数据")
    max_rows_listed = 1000

    def __init__(self, rows: list[dict[str, Any]], message: Any = None):
        listed = rows[: self.max_rows_listed]
        super().__init__(message, detail={"rows": listed, "error_count": len(rows)})

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.detail["rows"]


class DuplicateName(Conflict):
    """A brand, or a category under the same parent, with that name already exists."""

    code = "duplicate_name"
    default_message = _("名称已存在")


class ConflictingFields(InvalidInput):
    """Two arguments that name the same thing differently (``brand_id`` and ``brand_name``)."""

    code = "conflicting_fields"
    default_message = _("只能指定其中一个字段")
