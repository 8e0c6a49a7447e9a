"""Import products and SKUs from a spreadsheet (.xlsx) or a CSV file.

One row per SKU; rows sharing a 商品编码 are one product. The header (row 1) is matched by Chinese
name or English alias; see ``COLUMNS``. Every row is validated first and every problem is reported
with its spreadsheet row number (``ImportFileInvalid``); only a file without errors is written, in one
transaction, upserting products by 商品编码 and SKUs by SKU编码. Blank optional cells keep the
existing value of an existing product or SKU (new ones get "" / 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huitong.catalog import rules
from huitong.catalog.errors import ImportFileInvalid, ImportFileUnreadable
from huitong.catalog.models import Brand, Category, Product, Sku
from huitong.catalog.services.products import audit_price_change, get_or_create_category
from huitong.catalog.spreadsheets import cell_text, read_table
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.money import MoneyError, yuan_to_fen

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
_BATCH = 500
_IN_CHUNK = 900  # stays under SQLite's bound-parameter limit

# field → (label used in error reports, accepted header names)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "spu_code": ("商品编码", ("商品编码", "spu编码", "spu_code", "spu")),
    "name": ("商品名称", ("商品名称", "name", "product_name")),
    "brand": ("品牌", ("品牌", "brand")),
    "category": ("分类", ("分类", "类目", "category")),
    "description": ("描述", ("描述", "商品描述", "description")),
    "sku_code": ("SKU编码", ("sku编码", "商家编码", "sku_code", "sku")),
    "barcode": ("条码", ("条码", "条形码", "barcode")),
    "price": ("售价", ("售价", "价格", "price")),
    "cost": ("成本价", ("成本价", "成本", "cost")),
    "weight_g": ("重量(g)", ("重量(g)", "重量(克)", "重量", "weight_g", "weight")),
}
ATTRIBUTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "规格": ("规格", "spec"),
    "颜色": ("颜色", "color", "colour"),
    "尺码": ("尺码", "size"),
}
ATTRIBUTE_PREFIXES = ("属性:", "attr:")
REQUIRED = ("spu_code", "name", "sku_code", "price")

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)`` with stage "validate" (rows checked) or "write" (SKUs written)."""


@dataclass(frozen=True)
class ImportResult:
    created_products: int
    updated_products: int
    created_skus: int
    updated_skus: int


@dataclass
class _Row:
    number: int
    spu_code: str = ""
    name: str = ""
    brand: str = ""
    category: str = ""
    description: str = ""
    sku_code: str = ""
    barcode: str | None = None  # None: blank cell, keep what the SKU has
    attributes: dict[str, str] = field(default_factory=dict)
    price_fen: int = 0
    cost_fen: int | None = None
    weight_g: int | None = None


@dataclass
class _Columns:
    fields: dict[str, int]
    attributes: list[tuple[str, int]]


class _Problems:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, row: int, field_name: str, message: Any) -> None:
        label = COLUMNS[field_name][0] if field_name in COLUMNS else field_name
        self.rows.append({"row": row, "field": label, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.rows:
            raise ImportFileInvalid(sorted(self.rows, key=lambda r: r["row"]))


class _CellError(ValueError):
    pass


def import_products(
    *, file_name: str, content: bytes, actor: Actor, progress: Progress | None = None
) -> ImportResult:
    """Validate the whole file, then upsert its products and SKUs in one transaction (or write nothing)."""
    report = progress or (lambda stage, done, total: None)
    header, body = _split_header(read_table(file_name, content, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS))
    columns = _map_columns(header)
    problems = _Problems()
    rows = _parse_rows(body, columns, problems, report)
    _check_across_rows(rows, problems)
    existing_skus = _existing_skus({row.sku_code for row in rows if row.sku_code})
    _check_against_database(rows, existing_skus, problems)
    problems.raise_if_any()
    with transaction.atomic():
        return _write(rows, existing_skus, actor=actor, report=report)


# --- header -------------------------------------------------------------------------------------


def _split_header(table: list[tuple[int, list[Any]]]) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    if not table or table[0][0] != 1:
        raise ImportFileUnreadable(file=_("第 1 行必须是表头"))
    if len(table) == 1:
        raise ImportFileUnreadable(file=_("文件中没有数据行"))
    return table[0][1], table[1:]


def _normalise_header(value: Any) -> str:
    text = cell_text(value).replace("\uff08", "(").replace("\uff09", ")").replace("\uff1a", ":")
    return "".join(text.split()).casefold()


def _map_columns(header: list[Any]) -> _Columns:
    aliases = {_normalise_header(a): f for f, (_label, names) in COLUMNS.items() for a in names}
    attribute_aliases = {
        _normalise_header(a): name for name, names in ATTRIBUTE_COLUMNS.items() for a in names
    }
    problems = _Problems()
    columns = _Columns(fields={}, attributes=[])
    for index, raw in enumerate(header):
        key = _normalise_header(raw)
        prefix = next((p for p in ATTRIBUTE_PREFIXES if key.startswith(p)), None)
        if key in aliases:
            if aliases[key] in columns.fields:
                problems.add(1, aliases[key], _("列重复"))
            columns.fields[aliases[key]] = index
        elif key in attribute_aliases:
            columns.attributes.append((attribute_aliases[key], index))
        elif prefix and cell_text(raw)[len(prefix) :].strip():
            columns.attributes.append((cell_text(raw)[len(prefix) :].strip(), index))
    for required in REQUIRED:
        if required not in columns.fields:
            problems.add(1, required, _("缺少必需的列"))
    problems.raise_if_any()
    return columns


# --- cells --------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _CellError(_("不是数字"))
    text = cell_text(value).lstrip("¥￥").replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _CellError(_("不是数字: %(v)s") % {"v": cell_text(value)}) from None
    if not number.is_finite():
        raise _CellError(_("不是数字: %(v)s") % {"v": cell_text(value)})
    return number


def _money(value: Any) -> int:
    try:
        fen = yuan_to_fen(_decimal(value))
    except MoneyError:
        raise _CellError(_("金额最多两位小数: %(v)s") % {"v": cell_text(value)}) from None
    if fen < 0:
        raise _CellError(_("金额不能为负数"))
    return fen


def _whole_number(value: Any) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise _CellError(_("必须是整数"))
    return rules.clean_non_negative(int(number), field="weight_g", maximum=rules.MAX_WEIGHT_G)


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: parse(value) if cell_text(value) else None


# field → (attribute of _Row, parser of a non-blank cell); parsers raise _CellError or a DomainError
_PARSERS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "spu_code": ("spu_code", lambda v: rules.clean_code(cell_text(v), field="spu_code")),
    "name": ("name", lambda v: rules.clean_text(cell_text(v), field="name")),
    "sku_code": ("sku_code", lambda v: rules.clean_code(cell_text(v), field="sku_code")),
    "price": ("price_fen", _money),
    "brand": (
        "brand",
        lambda v: rules.clean_text(cell_text(v), field="brand", max_length=rules.BRAND_MAX_LENGTH),
    ),
    "category": ("category", lambda v: rules.join_category_path(rules.split_category_path(cell_text(v)))),
    "description": ("description", cell_text),
    "barcode": ("barcode", lambda v: rules.clean_barcode(cell_text(v))),
    "cost": ("cost_fen", _money),
    "weight_g": ("weight_g", _whole_number),
}


def _error_message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        fields = exc.detail.get("fields") or {}
        return next(iter(fields.values()), exc.message)
    return str(exc)


def _parse_row(number: int, values: list[Any], columns: _Columns, problems: _Problems) -> _Row:
    row = _Row(number=number)
    for field_name, index in columns.fields.items():
        attr, parse = _PARSERS[field_name]
        value = values[index] if index < len(values) else None
        if not cell_text(value):
            if field_name in REQUIRED:
                problems.add(number, field_name, _("必填"))
            continue
        try:
            setattr(row, attr, parse(value))
        except (_CellError, DomainError) as exc:
            problems.add(number, field_name, _error_message(exc))
    for name, index in columns.attributes:
        value = cell_text(values[index] if index < len(values) else None)
        if len(value) > rules.ATTRIBUTE_MAX_LENGTH:
            problems.add(number, name, _("不能超过 %(n)d 个字符") % {"n": rules.ATTRIBUTE_MAX_LENGTH})
        elif value:
            row.attributes[name] = value
    return row


def _parse_rows(
    body: list[tuple[int, list[Any]]], columns: _Columns, problems: _Problems, report: Progress
) -> list[_Row]:
    rows = []
    for done, (number, values) in enumerate(body, start=1):
        rows.append(_parse_row(number, values, columns, problems))
        if done % _BATCH == 0 or done == len(body):
            report("validate", done, len(body))
    return rows


# --- checks across rows and against the database ------------------------------------------------

_PRODUCT_FIELDS = ("name", "brand", "category", "description")


def _check_across_rows(rows: list[_Row], problems: _Problems) -> None:
    first_of_product: dict[str, _Row] = {}
    first_of_sku: dict[str, int] = {}
    first_of_barcode: dict[str, int] = {}
    for row in rows:
        if row.spu_code:
            first = first_of_product.setdefault(row.spu_code, row)
            for name in _PRODUCT_FIELDS:
                ours, theirs = getattr(row, name), getattr(first, name)
                if ours and theirs and ours != theirs:
                    problems.add(row.number, name, _("与第 %(n)d 行同一商品的值不一致") % {"n": first.number})
        if row.sku_code:
            seen = first_of_sku.setdefault(row.sku_code, row.number)
            if seen != row.number:
                problems.add(row.number, "sku_code", _("与第 %(n)d 行的 SKU 编码重复") % {"n": seen})
        if row.barcode:
            seen = first_of_barcode.setdefault(row.barcode, row.number)
            if seen != row.number:
                problems.add(row.number, "barcode", _("与第 %(n)d 行的条码重复") % {"n": seen})


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = sorted(values)
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _existing_skus(codes: set[str]) -> dict[str, Sku]:
    found: dict[str, Sku] = {}
    for chunk in _chunks(codes):
        found.update({sku.code: sku for sku in Sku.objects.select_related("product").filter(code__in=chunk)})
    return found


def _check_against_database(rows: list[_Row], existing_skus: dict[str, Sku], problems: _Problems) -> None:
    barcode_owner: dict[str, str] = {}
    for chunk in _chunks({row.barcode for row in rows if row.barcode}):
        barcode_owner.update(Sku.objects.filter(barcode__in=chunk).values_list("barcode", "code"))
    for row in rows:
        sku = existing_skus.get(row.sku_code)
        if sku is not None and row.spu_code and sku.product.spu_code != row.spu_code:
            problems.add(
                row.number, "sku_code", _("SKU 编码已属于商品 %(spu)s") % {"spu": sku.product.spu_code}
            )
        owner = barcode_owner.get(row.barcode or "")
        if owner is not None and owner != row.sku_code:
            problems.add(row.number, "barcode", _("条码已被 SKU %(code)s 使用") % {"code": owner})


# --- writing ------------------------------------------------------------------------------------


def _write(
    rows: list[_Row], existing_skus: dict[str, Sku], *, actor: Actor, report: Progress
) -> ImportResult:
    products, created_products, updated_products = _upsert_products(rows)
    created_skus, updated_skus = _upsert_skus(rows, products, existing_skus, actor=actor, report=report)
    return ImportResult(
        created_products=created_products,
        updated_products=updated_products,
        created_skus=created_skus,
        updated_skus=updated_skus,
    )


def _brands(names: set[str]) -> dict[str, Brand]:
    brands = {b.name: b for b in Brand.objects.filter(name__in=names)} if names else {}
    missing = [Brand(name=name) for name in sorted(names - brands.keys())]
    brands.update({b.name: b for b in Brand.objects.bulk_create(missing)})
    return brands


def _categories(paths: set[str]) -> dict[str, Category]:
    categories = {c.path: c for c in Category.objects.filter(path__in=paths)} if paths else {}
    for path in sorted(paths - categories.keys()):
        categories[path] = get_or_create_category(path=path)
    return categories


def _product_values(rows: list[_Row]) -> dict[str, dict[str, str]]:
    """Per 商品编码: the first non-blank value of each product field over its rows."""
    merged: dict[str, dict[str, str]] = {}
    for row in rows:
        values = merged.setdefault(row.spu_code, {})
        for name in _PRODUCT_FIELDS:
            if getattr(row, name) and name not in values:
                values[name] = getattr(row, name)
    return merged


def _upsert_products(rows: list[_Row]) -> tuple[dict[str, Product], int, int]:
    merged = _product_values(rows)
    brands = _brands({v["brand"] for v in merged.values() if "brand" in v})
    categories = _categories({v["category"] for v in merged.values() if "category" in v})
    products: dict[str, Product] = {}
    for chunk in _chunks(merged):
        products.update({p.spu_code: p for p in Product.objects.filter(spu_code__in=chunk)})
    now = timezone.now()
    changed = []
    for spu_code, product in products.items():
        values = merged[spu_code]
        before = (product.name, product.brand_id, product.category_id, product.description)
        product.name = values["name"]
        product.brand = brands[values["brand"]] if "brand" in values else product.brand
        product.category = categories[values["category"]] if "category" in values else product.category
        product.description = values.get("description", product.description)
        if before != (product.name, product.brand_id, product.category_id, product.description):
            product.updated_at = now
            changed.append(product)
    Product.objects.bulk_update(
        changed, ["name", "brand", "category", "description", "updated_at"], batch_size=_BATCH
    )
    new = [
        Product(
            spu_code=spu_code,
            name=values["name"],
            description=values.get("description", ""),
            brand=brands.get(values.get("brand", "")),
            category=categories.get(values.get("category", "")),
        )
        for spu_code, values in merged.items()
        if spu_code not in products
    ]
    products.update({p.spu_code: p for p in Product.objects.bulk_create(new, batch_size=_BATCH)})
    return products, len(new), len(changed)


def _apply_row(sku: Sku, row: _Row) -> None:
    sku.price_fen = row.price_fen
    sku.attributes = {**(sku.attributes or {}), **row.attributes}
    if row.barcode is not None:
        sku.barcode = row.barcode
    if row.cost_fen is not None:
        sku.cost_fen = row.cost_fen
    if row.weight_g is not None:
        sku.weight_g = row.weight_g


_SKU_FIELDS = ("price_fen", "cost_fen", "barcode", "attributes", "weight_g")


def _bulk_update_skus(skus: list[Sku]) -> None:
    Sku.objects.bulk_update(skus, [*_SKU_FIELDS, "updated_at"])


def _upsert_skus(
    rows: list[_Row],
    products: dict[str, Product],
    existing: dict[str, Sku],
    *,
    actor: Actor,
    report: Progress,
) -> tuple[int, int]:
    now = timezone.now()
    new, changed = [], []
    for row in rows:
        sku = existing.get(row.sku_code)
        if sku is None:
            sku = Sku(product=products[row.spu_code], code=row.sku_code, barcode="", cost_fen=0, weight_g=0)
            _apply_row(sku, row)
            new.append(sku)
            continue
        before = [getattr(sku, name) for name in _SKU_FIELDS]
        _apply_row(sku, row)
        if before != [getattr(sku, name) for name in _SKU_FIELDS]:
            sku.updated_at = now
            changed.append(sku)
            audit_price_change(
                actor=actor,
                sku=sku,
                old_price_fen=before[0],
                old_cost_fen=before[1],
                reason="import_products",
            )
    total, done = len(new) + len(changed), 0
    for batch, write in [(changed, _bulk_update_skus), (new, Sku.objects.bulk_create)]:
        for start in range(0, len(batch), _BATCH):
            write(batch[start : start + _BATCH])
            done += len(batch[start : start + _BATCH])
            report("write", done, total)
    return len(new), len(changed)
