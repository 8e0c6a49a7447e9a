"""Platform order export files (.xlsx / .csv) into Huitong orders, through the same ingest path as the
platform APIs (``ingest.ingest_order``: raw rows kept, one transaction per order, idempotent per store
and platform order id, unmapped SKUs hold the order).

An export has one row per order LINE with the order's columns repeated; rows are grouped by order id.
Each platform has a column layout (Huitong field → the platform's Chinese header names, alternatives
in order of preference). Every row is checked first; if any row is bad, ``OrderFileInvalid`` lists
each problem with its spreadsheet row number (the header is row 1) and nothing is imported.

Exports carry no "modified" time, so an order's snapshot time is its latest event time in the file
(created, paid, shipped, finished) plus a few microseconds per step of status progress: the same file
twice is "unchanged", a later export with a further status is applied, and API pulls (whose real
modification times are later) still win over a file.
"""

from __future__ import annotations

import multiprocessing as mp
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, connections

from huitong.catalog.errors import ImportFileUnreadable
from huitong.catalog.spreadsheets import cell_text, read_table
from huitong.channels import selectors as channels
from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.money import MoneyError, format_yuan, yuan_to_fen
from huitong.integrations import ingest
from huitong.integrations.connectors.base import Address, OrderState, PlatformLine, PlatformOrder

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
SOURCE = "file"
BEIJING = ZoneInfo("Asia/Shanghai")

Layout = Mapping[str, tuple[str, ...]]

TAOBAO: Layout = {
    "order_id": ("订单编号", "订单号"),
    "buyer_nick": ("买家会员名", "买家昵称"),
    "total": ("总金额", "买家应付货款"),
    "line_amount": ("实付款", "买家实际支付金额"),
    "shipping": ("邮费", "运费", "买家应付邮费"),
    "status": ("订单状态",),
    "receiver_name": ("收货人姓名", "收货人"),
    "address": ("收货地址",),
    "receiver_phone": ("联系手机", "手机", "联系电话"),
    "placed_at": ("订单创建时间", "下单时间"),
    "paid_at": ("订单付款时间", "付款时间"),
    "shipped_at": ("发货时间",),
    "finished_at": ("确认收货时间", "交易结束时间"),
    "line_id": ("子订单编号",),
    "item_id": ("宝贝ID", "商品ID"),
    "title": ("宝贝标题", "商品标题"),
    "spec": ("宝贝属性", "商品属性"),
    "merchant_code": ("商家编码",),
    "quantity": ("购买数量", "宝贝数量"),
    "unit_price": ("价格", "单价"),
    "buyer_remark": ("买家留言",),
    "seller_remark": ("订单备注", "卖家备注"),
}
JD: Layout = {
    "order_id": ("订单号",),
    "buyer_nick": ("下单帐号", "下单账号"),
    "total": ("应付金额", "订单金额"),
    "shipping": ("运费金额", "运费"),
    "status": ("订单状态",),
    "receiver_name": ("客户姓名", "收货人"),
    "address": ("客户地址", "收货地址"),
    "receiver_phone": ("联系电话", "手机"),
    "placed_at": ("下单时间",),
    "paid_at": ("付款确认时间", "付款时间"),
    "shipped_at": ("出库时间",),
    "finished_at": ("订单完成时间", "完成时间"),
    "item_id": ("商品ID", "商品编号"),
    "title": ("商品名称",),
    "merchant_code": ("商家SKU", "商家编码"),
    "quantity": ("订购数量",),
    "unit_price": ("京东价",),
    "buyer_remark": ("订单备注",),
    "seller_remark": ("商家备注",),
}
PINDUODUO: Layout = {
    "order_id": ("订单号",),
    "status": ("订单状态",),
    "total": ("用户实付金额(元)", "用户实付金额"),
    "shipping": ("快递费", "快递费(元)"),
    "placed_at": ("订单成交时间", "成交时间"),
    "paid_at": ("支付时间",),
    "shipped_at": ("发货时间",),
    "finished_at": ("确认收货时间",),
    "receiver_name": ("收货人",),
    "receiver_phone": ("手机", "收货人手机号"),
    "province": ("省",),
    "city": ("市",),
    "district": ("区",),
    "street": ("街道",),
    "address_detail": ("详细地址",),
    "item_id": ("商品ID", "商品id"),
    "sku_id": ("样式ID", "样式id"),
    "title": ("商品",),
    "spec": ("商品规格",),
    "merchant_code": ("商家编码-SKU维度", "商家编码"),
    "quantity": ("商品数量(件)", "商品数量"),
    "line_gross": ("商品总价(元)", "商品总价"),
    "line_discount": ("店铺优惠折扣(元)", "店铺优惠折扣"),
    "buyer_remark": ("买家留言",),
    "seller_remark": ("商家备注",),
}
DOUYIN: Layout = {
    "order_id": ("主订单编号",),
    "line_id": ("子订单编号",),
    "status": ("订单状态",),
    "shipping": ("运费",),
    "placed_at": ("订单提交时间",),
    "paid_at": ("支付完成时间",),
    "shipped_at": ("发货时间",),
    "finished_at": ("订单完成时间", "完成时间"),
    "receiver_name": ("收件人",),
    "receiver_phone": ("收件人手机号", "收件人电话"),
    "province": ("省",),
    "city": ("市",),
    "district": ("区",),
    "street": ("街道",),
    "address_detail": ("详细地址",),
    "item_id": ("商品ID",),
    "title": ("选购商品", "商品名称"),
    "spec": ("商品规格",),
    "merchant_code": ("商家编码",),
    "quantity": ("商品数量",),
    "unit_price": ("商品单价",),
    "line_amount": ("订单应付金额",),
    "buyer_remark": ("买家留言",),
    "seller_remark": ("商家备注",),
}
GENERIC: Layout = TAOBAO  # youzan, shopify, woocommerce, web_mall: a sheet with Taobao's column names
LAYOUTS: dict[str, Layout] = {
    "taobao": TAOBAO, "jd": JD, "pinduoduo": PINDUODUO, "douyin": DOUYIN,
    "youzan": GENERIC, "shopify": GENERIC, "woocommerce": GENERIC, "web_mall": GENERIC,
}

# Each entry: at least one of these fields must have a column.
REQUIRED_COLUMNS = (("order_id",), ("status",), ("placed_at",), ("title",), ("quantity",), ("unit_price", "line_gross"))
REQUIRED_CELLS = frozenset({"order_id", "status", "placed_at", "quantity", "unit_price", "line_gross"})
LINE_FIELDS = frozenset({"line_id", "item_id", "sku_id", "title", "spec", "merchant_code", "quantity", "unit_price",
                         "line_gross", "line_discount", "line_amount"})
MONEY_FIELDS = frozenset({"total", "shipping", "unit_price", "line_gross", "line_discount", "line_amount"})
TIME_FIELDS = frozenset({"placed_at", "paid_at", "shipped_at", "finished_at"})

STATUS_TEXTS: dict[OrderState, tuple[str, ...]] = {
    OrderState.PENDING_PAYMENT: ("等待买家付款", "待付款", "待支付", "等待付款", "未付款"),
    OrderState.PAID: ("买家已付款", "等待卖家发货", "待发货", "已付款", "等待出库", "备货中",
                      "买家已付款,等待卖家发货"),
    OrderState.SHIPPED: ("卖家已发货", "已发货", "等待买家确认收货", "等待确认收货", "已发货,待收货", "待收货",
                         "卖家已发货,等待买家确认"),
    OrderState.COMPLETED: ("交易成功", "已完成", "完成", "已签收", "已收货", "交易完成"),
    OrderState.CANCELLED: ("交易关闭", "已取消", "取消", "已关闭", "交易取消", "订单取消", "未发货,退款成功",
                           "已发货,退款成功"),
}
_STATUS_RANK = {OrderState.PENDING_PAYMENT: 0, OrderState.PAID: 1, OrderState.SHIPPED: 2, OrderState.COMPLETED: 3,
                OrderState.CANCELLED: 4}


FILE_PAGE = 100


class OrderFileInvalid(InvalidInput):
    """Rows of an order file failed validation; nothing was imported.

    ``detail == {"rows": [{"row": 3, "field": "实付款", "message": "..."}], "error_count": N}``."""

    code = "order_file_invalid"
    default_message = "订单文件有错误,未导入任何订单"
    max_rows_listed = 1000

    def __init__(self, rows: list[dict[str, Any]], message: Any = None):
        super().__init__(message, detail={"rows": rows[: self.max_rows_listed], "error_count": len(rows)})


class OrderFileUnreadable(InvalidInput):
    """The file as a whole cannot be read: wrong type, corrupt, too large, empty, or the store has no layout."""

    code = "order_file_unreadable"
    default_message = "无法读取订单文件"


class _CellError(ValueError):
    pass


class _Problems:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.bad_rows: set[int] = set()

    def add(self, row: int, label: str, message: str) -> None:
        self.rows.append({"row": row, "field": label, "message": message})
        self.bad_rows.add(row)

    def raise_if_any(self) -> None:
        if self.rows:
            raise OrderFileInvalid(sorted(self.rows, key=lambda r: r["row"]))


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)  # Huitong field → parsed value (blank cells absent)
    cells: dict[str, str] = field(default_factory=dict)  # header → cell text, kept as the raw payload


Columns = dict[str, tuple[int, str]]  # Huitong field → (column index, header as written in the file)


def import_order_file(*, store_id: int, file_name: str, content: bytes, actor: Actor, workers: int = 1,
                      progress: Callable[[int], None] | None = None) -> list[ingest.IngestOutcome]:
    """Check the whole export, then ingest its orders page by page (``FILE_PAGE`` orders a transaction, like a
    pull); raises OrderFileInvalid (nothing imported) if any row is bad. Outcomes come in file order.

    ``workers`` > 1 ingests the pages in that many processes at once (PostgreSQL, outside a transaction: a
    Double-11 export of 100,000 orders; SQLite has one writer, so there the pages go one after another).
    Each page is still its own transaction, so an interrupted import leaves whole pages and can simply be run
    again (orders already in are "unchanged"). ``progress`` is called with each page's order count."""
    store = channels.get_store(store_id)
    pages = _checked_pages(store, file_name, content)
    if workers > 1 and len(pages) > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _ingest_in_processes(store.pk, pages, actor, workers, progress)
    outcomes: list[ingest.IngestOutcome] = []
    for page in pages:
        outcomes += ingest.ingest_orders(store_id=store.pk, orders=page, source=SOURCE, actor=actor)
        if progress:
            progress(len(page))
    return outcomes


def _checked_pages(store, file_name: str, content: bytes) -> list[list[PlatformOrder]]:
    layout = LAYOUTS.get(store.platform)
    if layout is None:
        raise OrderFileUnreadable(file=f"{store.get_platform_display()} 店铺不支持导入订单文件")
    header_row, header, body = _read(file_name, content)
    columns = match_columns(header, layout, header_row=header_row)
    problems = _Problems()
    groups: dict[str, list[_Row]] = {}
    keys = [cell_text(h) for h in header]
    for number, values in body:
        row = _parse_row(number, values, keys, columns, problems)
        groups.setdefault(row.values.get("order_id", f"#{number}"), []).append(row)
    orders = [_assemble(order_id, rows, columns, problems, file_name) for order_id, rows in groups.items()
              if not problems.bad_rows.intersection(r.number for r in rows)]
    problems.raise_if_any()
    found = [o for o in orders if o]
    return [found[start:start + FILE_PAGE] for start in range(0, len(found), FILE_PAGE)]


_pages: list[list[PlatformOrder]] = []  # what forked workers ingest (inherited memory, nothing pickled)


def _ingest_page(store_id: int, index: int, actor: Actor) -> tuple[int, list[ingest.IngestOutcome]]:
    return index, ingest.ingest_orders(store_id=store_id, orders=_pages[index], source=SOURCE, actor=actor)


def _ingest_in_processes(store_id: int, pages: list[list[PlatformOrder]], actor: Actor, workers: int,
                         progress: Callable[[int], None] | None) -> list[ingest.IngestOutcome]:
    """The pages over forked worker processes, each with its own database connection. Concurrent pages of one
    store reserve stock in the one (SKU, location) lock order, so they queue on shared rows, never deadlock."""
    global _pages
    _pages = pages
    connections.close_all()  # each child opens its own; a connection must never cross a fork
    done: list[list[ingest.IngestOutcome] | None] = [None] * len(pages)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(pages)), mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_ingest_page, store_id, i, actor) for i in range(len(pages))]
            for future in as_completed(futures):
                index, outcomes = future.result()
                done[index] = outcomes
                if progress:
                    progress(len(pages[index]))
    finally:
        _pages = []
    return [outcome for page in done if page for outcome in page]


# --- reading and columns ------------------------------------------------------------------------


def _read(file_name: str, content: bytes) -> tuple[int, list[Any], list[tuple[int, list[Any]]]]:
    try:
        table = read_table(file_name, content, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    except ImportFileUnreadable as exc:
        raise OrderFileUnreadable(detail=exc.detail) from exc
    if len(table) < 2:
        raise OrderFileUnreadable(file="文件中没有订单行")
    (header_row, header), body = table[0], table[1:]
    return header_row, header, body


def _normalise_header(value: Any) -> str:
    text = cell_text(value).replace("\uff08", "(").replace("\uff09", ")").replace("\ufeff", "")
    return "".join(text.split()).casefold()


def match_columns(header: list[Any], layout: Layout, *, header_row: int = 1) -> Columns:
    """Which column holds each field (first matching alternative wins); raises OrderFileInvalid naming
    the required columns the header lacks."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(_normalise_header(name), index)
    columns: Columns = {}
    for name, alternatives in layout.items():
        index = next((positions[k] for k in map(_normalise_header, alternatives) if k in positions), None)
        if index is not None:
            columns[name] = (index, cell_text(header[index]))
    missing = [[f for f in group if f in layout] for group in REQUIRED_COLUMNS if not any(f in columns for f in group)]
    if missing:
        raise OrderFileInvalid([
            {"row": header_row, "field": layout[group[0]][0],
             "message": "缺少列: " + " 或 ".join(name for f in group for name in layout[f])}
            for group in missing])
    return columns


# --- cells --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """Cell text without the wrappers exports put around long numbers (="123", '123, a leading tab)."""
    text = value.strip() if type(value) is str else cell_text(value)  # CSV cells are text already
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.lstrip("'\t").strip()


def parse_money(text: str) -> int:
    cleaned = text.lstrip("¥￥").strip()
    try:
        fen = yuan_to_fen(cleaned)
    except MoneyError as exc:
        try:
            finite = Decimal(cleaned.replace(",", "")).is_finite()
        except InvalidOperation:
            finite = False
        raise _CellError(f"金额最多两位小数(精确到分): {text}" if finite else f"不是金额: {text}") from exc
    if fen < 0:
        raise _CellError(f"金额不能为负: {text}")
    return fen


_QUANTITY = re.compile(r"(\d+)(\.0*)?")


def _quantity(text: str) -> int:
    found = _QUANTITY.fullmatch(text)
    if not found or int(found.group(1)) <= 0:
        raise _CellError(f"数量须为正整数: {text}")
    return int(found.group(1))


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d")
_FULL_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # the first format, zero-padded: read without strptime


def parse_time(value: Any) -> datetime:
    """Beijing local time, as a datetime cell or text (2026-11-11 10:00:00, 2026/11/11 10:00, ...)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BEIJING)
    text = _text(value).replace("/", "-").replace("T", " ")
    if _FULL_TIME.fullmatch(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=BEIJING)
        except ValueError:
            pass  # the right shape, not a time: refused below
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    raise _CellError(f"不是时间(应为 2026-11-11 10:00:00 的格式): {_text(value)}")


_STATUS_LOOKUP = {text: state for state, texts in STATUS_TEXTS.items() for text in texts}
_PARENTHESES = re.compile(r"[(（].*[)）]$")


def parse_status(text: str) -> OrderState:
    key = "".join(text.replace("，", ",").split())
    state = _STATUS_LOOKUP.get(key) or _STATUS_LOOKUP.get(_PARENTHESES.sub("", key))
    if state is None and key in {s.value for s in OrderState}:
        state = OrderState(key)
    if state is None:
        raise _CellError(f"未知的订单状态: {text}")
    return state


_SCIENTIFIC = re.compile(r"\d(\.\d+)?e\+?\d+", re.IGNORECASE)


def _order_id(text: str) -> str:
    if _SCIENTIFIC.fullmatch(text):
        raise _CellError(f"订单号被 Excel 改成了科学计数法: {text}(请将该列设为文本后重新导出)")
    return text


def _parser(name: str) -> Callable[[Any, str], Any]:
    if name in MONEY_FIELDS:
        return lambda value, text: parse_money(text)
    if name in TIME_FIELDS:
        return lambda value, text: parse_time(value)
    if name == "quantity":
        return lambda value, text: _quantity(text)
    if name == "status":
        return lambda value, text: (parse_status(text), text)
    if name == "order_id":
        return lambda value, text: _order_id(text)
    return lambda value, text: text


def _parse_row(number: int, values: list[Any], keys: list[str], columns: Columns, problems: _Problems) -> _Row:
    """One row: its cells by header text (``keys``: the header's texts, worked out once) and the parsed values."""
    texts = [_text(v) for v in values]
    row = _Row(number, cells={key: text for key, text in zip(keys, texts, strict=False) if key})
    for name, (index, label) in columns.items():
        value = values[index] if index < len(values) else None
        text = texts[index] if index < len(texts) else ""
        if not text or (name in TIME_FIELDS and text.lower() in ("-", "null", "none")):
            if name in REQUIRED_CELLS:
                problems.add(number, label, "必填")
            continue
        try:
            row.values[name] = _parser(name)(value, text)
        except _CellError as exc:
            problems.add(number, label, str(exc))
    return row


# --- orders -------------------------------------------------------------------------------------


def _order_values(rows: list[_Row], columns: Columns, problems: _Problems) -> dict[str, Any]:
    """The order's columns: the first non-blank value; a different value on a later row is an error."""
    merged: dict[str, tuple[Any, int]] = {}
    for row in rows:
        for name, value in row.values.items():
            if name in LINE_FIELDS:
                continue
            first = merged.setdefault(name, (value, row.number))
            if first[0] != value:
                problems.add(row.number, columns[name][1], f"与第 {first[1]} 行同一订单的值不一致")
    return {name: value for name, (value, _number) in merged.items()}


def _line(row: _Row, columns: Columns, problems: _Problems) -> PlatformLine:
    v = row.values
    quantity = v["quantity"]
    gross = v["line_gross"] if "line_gross" in v else v.get("unit_price", 0) * quantity
    unit = v["unit_price"] if "unit_price" in v else -(-gross // quantity)  # ceil: unit × quantity ≥ gross
    amount = v["line_amount"] if "line_amount" in v else gross - v.get("line_discount", 0)
    if amount < 0:
        problems.add(row.number, columns["line_discount"][1], "优惠超过了商品金额")
    title = " ".join(t for t in (v.get("title", ""), v.get("spec", "")) if t) or v.get("merchant_code", "")
    if not title:
        problems.add(row.number, columns["title"][1], "必填(或填商家编码)")
    return PlatformLine(line_id=v.get("line_id", ""), item_id=v.get("item_id", ""), sku_id=v.get("sku_id", ""),
                        merchant_code=v.get("merchant_code", ""), title=title, quantity=quantity,
                        unit_price_fen=unit, amount_fen=max(amount, 0))


def _check_total(lines: list[PlatformLine], order: dict[str, Any], row: int, columns: Columns,
                 problems: _Problems) -> int:
    """The order total (goods plus shipping when the layout has no total column). With line 实付 amounts
    it must lie between their sum and their sum plus shipping; it never exceeds goods plus shipping."""
    goods, shipping = sum(ln.amount_fen for ln in lines), order.get("shipping", 0)
    total = order.get("total", goods + shipping)
    low = goods if "line_amount" in columns else 0
    if not low <= total <= goods + shipping:
        problems.add(row, columns["total"][1],
                     f"订单金额 {format_yuan(total)} 与商品实付合计 {format_yuan(goods)}(运费 {format_yuan(shipping)})不一致")
    return total


def _assemble(order_id: str, rows: list[_Row], columns: Columns, problems: _Problems,
              file_name: str) -> PlatformOrder | None:
    errors_before = len(problems.rows)
    order = _order_values(rows, columns, problems)
    lines = [_line(row, columns, problems) for row in rows]
    if len(problems.rows) > errors_before:
        return None
    total = _check_total(lines, order, rows[0].number, columns, problems)
    if len(problems.rows) > errors_before:
        return None
    state, status_text = order["status"]
    placed = order["placed_at"]
    paid = order.get("paid_at") or (placed if state in (OrderState.PAID, OrderState.SHIPPED,
                                                         OrderState.COMPLETED) else None)
    latest = max(t for t in (placed, paid, order.get("shipped_at"), order.get("finished_at")) if t)
    return PlatformOrder(
        order_id=order_id, state=state, platform_status=status_text[:40], created_at=placed,
        updated_at=latest + timedelta(microseconds=_STATUS_RANK[state]), lines=tuple(lines), total_fen=total,
        shipping_fen=order.get("shipping", 0), paid_at=paid, buyer_nick=order.get("buyer_nick", ""),
        receiver=_receiver(order), buyer_remark=order.get("buyer_remark", ""),
        seller_remark=order.get("seller_remark", ""),
        raw={"file": file_name, "rows": [{"row": r.number, "cells": r.cells} for r in rows]},
    )


def _receiver(order: dict[str, Any]) -> Address:
    name, phone = order.get("receiver_name", ""), order.get("receiver_phone", "")  # masked values stay masked
    if order.get("address"):
        province, city, district, detail = split_address(order["address"])
    else:
        province, city, district = (order.get(k, "") for k in ("province", "city", "district"))
        detail = "".join(order.get(k, "") for k in ("street", "address_detail"))
    return Address(name=name, phone=phone, province=province, city=city, district=district, detail=detail)


# --- addresses ----------------------------------------------------------------------------------

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
_POSTCODE = re.compile(r"\s*[(（]\s*\d{6}\s*[)）]\s*$")
_PROVINCE = re.compile(r"[^\s\d]{2,7}?(?:省|自治区|特别行政区)")
_CITY = re.compile(r"[^\s\d]{1,10}?(?:自治州|地区|盟|市)")
_DISTRICT = re.compile(r"[^\s\d路街号]{1,10}?(?:区|县|旗|市)")


def split_address(text: str) -> tuple[str, str, str, str]:
    """``(province, city, district, detail)`` from one address string, by the suffixes 省/自治区/市/
    自治州/区/县/旗 and the four municipalities. Without a recognisable province, all of it is detail."""
    rest = _POSTCODE.sub("", text.strip())
    province = city = ""
    municipality = next((m for m in MUNICIPALITIES if rest.startswith(m)), None)
    if municipality:
        province = city = municipality + "市"
        rest = rest[len(municipality):].removeprefix("市").lstrip()
        for repeated in (city, "市辖区", "县"):
            if rest.startswith(repeated):
                rest = rest[len(repeated):].lstrip()
                break
    elif found := _PROVINCE.match(rest):
        province, rest = found.group(), rest[found.end():].lstrip()
        if found := _CITY.match(rest):
            city, rest = found.group(), rest[found.end():].lstrip()
    district = ""
    if province and (found := _DISTRICT.match(rest)):
        district, rest = found.group(), rest[found.end():].lstrip()
    return province, city, district, rest.strip()
