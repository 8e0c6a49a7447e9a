"""Reconcile a gateway statement (CSV) with Huitong's payments.

Two layouts: Alipay-like (header lines starting with ``#`` skipped; columns such as 支付宝交易号,
商户订单号, 完成时间/交易时间/创建时间, 订单金额（元）/金额, 交易状态/状态) and WeChat-like (交易时间,
微信订单号, 商户订单号, 交易状态, 订单金额/应结订单金额, values often prefixed with a backtick; the summary
block from 总交易单数 on is skipped). A file with any bad row is refused as a whole, rows reported by
number, nothing written. The report: rows in the statement but not in Huitong, payments paid in the
statement's period but missing from it, amount mismatches and status mismatches."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from huitong.core.actors import Actor
from huitong.core.errors import InvalidInput
from huitong.core.money import MoneyError, yuan_to_fen
from huitong.payments.models import (
    PAID_STATES,
    DiscrepancyKind,
    Payment,
    PaymentStatus,
    ReconciliationLine,
    ReconciliationRun,
    StatementGateway,
)

CHINA = ZoneInfo("Asia/Shanghai")
COLUMNS = {
    "out_trade_no": ("商户订单号", "商户单号", "out_trade_no"),
    "trade_no": ("支付宝交易号", "微信订单号", "交易号", "trade_no", "transaction_id"),
    "amount": (
        "订单金额（元）",
        "订单金额(元)",
        "订单金额",
        "应结订单金额",
        "交易金额",
        "金额",
        "金额（元）",
        "total_amount",
    ),
    "time": ("完成时间", "交易时间", "支付时间", "创建时间", "trade_time"),
    "status": ("交易状态", "状态", "trade_status"),
}
STATUSES = {
    "交易成功": "paid",
    "成功": "paid",
    "支付成功": "paid",
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "SUCCESS": "paid",
    "交易关闭": "closed",
    "已关闭": "closed",
    "TRADE_CLOSED": "closed",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "退款": "refunded",
    "已退款": "refunded",
    "REFUND": "refunded",
    "转入退款": "refunded",
}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")


class StatementInvalid(InvalidInput):
    code = "statement_invalid"
    default_message = "对账单有误,未导入"


@dataclass(frozen=True)
class StatementRow:
    row_no: int
    out_trade_no: str
    trade_no: str
    amount_fen: int
    at: datetime
    status: str  # "paid", "closed", "refunded"


def _clean(value: str | None) -> str:
    return (value or "").strip().lstrip("`").strip()


def _parse_time(text: str) -> datetime:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=CHINA)
        except ValueError:
            continue
    raise ValueError(text)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementInvalid.for_fields({"file": "无法识别的文件编码(应为 UTF-8 或 GBK)"})


def _header_map(header: list[str]) -> dict[str, int]:
    names = [_clean(h) for h in header]
    found = {}
    for key, aliases in COLUMNS.items():
        index = next((names.index(a) for a in aliases if a in names), None)
        if index is not None:
            found[key] = index
    return found


def _row(
    row_no: int, cells: list[str], columns: dict[str, int], errors: dict[str, str]
) -> StatementRow | None:
    value = {key: _clean(cells[i]) if i < len(cells) else "" for key, i in columns.items()}
    problems = []
    if not value["out_trade_no"]:
        problems.append("缺少商户订单号")
    try:
        amount = yuan_to_fen(value["amount"])
        if amount < 0:
            raise MoneyError("negative")
    except MoneyError:
        problems.append(f"金额无效: {value['amount']!r}")
    try:
        at = _parse_time(value["time"])
    except ValueError:
        problems.append(f"时间无效: {value['time']!r}")
    status = STATUSES.get(value["status"])
    if status is None:
        problems.append(f"未知状态: {value['status']!r}")
    if problems:
        errors[f"rows[{row_no}]"] = ";".join(problems)
        return None
    return StatementRow(
        row_no=row_no,
        out_trade_no=value["out_trade_no"],
        trade_no=value.get("trade_no", ""),
        amount_fen=amount,
        at=at,
        status=status,
    )


def parse_statement(content: bytes) -> list[StatementRow]:
    """Parse every row or raise StatementInvalid naming each bad row (1-based line numbers of the file)."""
    reader = csv.reader(io.StringIO(_decode(content)))
    columns: dict[str, int] | None = None
    rows, errors, seen = [], {}, {}
    for row_no, cells in enumerate(reader, start=1):
        first = _clean(cells[0]) if cells else ""
        if not any(_clean(c) for c in cells) or first.startswith("#"):
            continue
        if columns is None:
            columns = _header_map(cells)
            missing = [
                COLUMNS[k][0] for k in ("out_trade_no", "amount", "time", "status") if k not in columns
            ]
            if missing:
                raise StatementInvalid.for_fields({f"rows[{row_no}]": f"表头缺少列: {'、'.join(missing)}"})
            continue
        if first.startswith(("总交易单数", "总计", "合计")):
            break
        parsed = _row(row_no, cells, columns, errors)
        if parsed is not None:
            if parsed.out_trade_no in seen:
                errors[f"rows[{row_no}]"] = f"商户订单号重复(与第 {seen[parsed.out_trade_no]} 行)"
                continue
            seen[parsed.out_trade_no] = row_no
            rows.append(parsed)
    if columns is None:
        raise StatementInvalid.for_fields({"file": "文件为空或没有表头"})
    if errors:
        raise StatementInvalid.for_fields(errors)
    if not rows:
        raise StatementInvalid.for_fields({"file": "对账单没有交易行"})
    return rows


def _huitong_status(payment: Payment) -> str:
    if payment.status == PaymentStatus.REFUNDED or payment.status == PaymentStatus.PARTIALLY_REFUNDED:
        return "refunded"
    return (
        "paid"
        if payment.status in PAID_STATES
        else "closed"
        if payment.status == PaymentStatus.CLOSED
        else (str(payment.status))
    )


def _compare(row: StatementRow, payment: Payment | None) -> ReconciliationLine | None:
    common = {
        "out_trade_no": row.out_trade_no,
        "gateway_trade_no": row.trade_no[:64],
        "row_no": row.row_no,
        "statement_amount_fen": row.amount_fen,
        "statement_status": row.status,
    }
    if payment is None:
        return ReconciliationLine(kind=DiscrepancyKind.MISSING_IN_HUITONG, **common)
    theirs = {
        **common,
        "payment": payment,
        "huitong_amount_fen": payment.amount_fen,
        "huitong_status": payment.status,
    }
    if row.amount_fen != payment.amount_fen:
        return ReconciliationLine(kind=DiscrepancyKind.AMOUNT_MISMATCH, **theirs)
    ours = _huitong_status(payment)
    # A statement row taken while paid may since have been refunded in Huitong: that still agrees.
    if ours != row.status and not (row.status == "paid" and ours == "refunded"):
        return ReconciliationLine(kind=DiscrepancyKind.STATUS_MISMATCH, **theirs)
    return None


@transaction.atomic
def reconcile_statement(
    *,
    gateway: str,
    file_name: str,
    content: bytes,
    actor: Actor,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> ReconciliationRun:
    """Import one statement file and store the discrepancies as a ReconciliationRun with its lines. The
    period defaults to the first and last trade time in the file."""
    if gateway not in StatementGateway.values:
        raise InvalidInput.for_fields({"gateway": f"不支持的网关 {gateway}(alipay 或 wechat)"})
    rows = parse_statement(content)
    start = period_start or min(r.at for r in rows)
    end = period_end or max(r.at for r in rows)
    if end < start:
        raise InvalidInput.for_fields({"period_end": "结束时间早于开始时间"})
    payments = {
        p.out_trade_no: p
        for p in Payment.objects.filter(out_trade_no__in=[r.out_trade_no for r in rows], method=gateway)
    }
    lines = [line for line in (_compare(r, payments.get(r.out_trade_no)) for r in rows) if line is not None]
    listed = {r.out_trade_no for r in rows}
    for payment in (
        Payment.objects.filter(method=gateway, status__in=PAID_STATES, paid_at__gte=start, paid_at__lte=end)
        .exclude(out_trade_no__in=listed)
        .order_by("paid_at", "id")
    ):
        lines.append(
            ReconciliationLine(
                kind=DiscrepancyKind.MISSING_IN_STATEMENT,
                out_trade_no=payment.out_trade_no,
                gateway_trade_no=payment.gateway_trade_no,
                payment=payment,
                huitong_amount_fen=payment.amount_fen,
                huitong_status=payment.status,
            )
        )
    run = ReconciliationRun.objects.create(
        gateway=gateway,
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(),
        period_start=start,
        period_end=end,
        statement_rows=len(rows),
        statement_total_fen=sum(r.amount_fen for r in rows),
        matched=len(rows) - sum(1 for line in lines if line.row_no is not None),
        created_by_id=actor.user_id,
    )
    for line in lines:
        line.run = run
    ReconciliationLine.objects.bulk_create(lines)
    return run
