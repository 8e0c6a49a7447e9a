"""Printed documents (pure: data in, PDF bytes out): the picking list (拣货单, A4) and the waybill label
(电子面单, 100 × 150 mm), one PDF for any number of shipments.

Chinese renders with reportlab's built-in CID font STSong-Light (no font files to ship); barcodes are
Code128 (order number on the picking list, waybill number on the label) and the label carries a QR code
of the waybill number as well."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from itertools import groupby

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from huitong.fulfillment.selectors import PrintableShipment

FONT = "STSong-Light"
LABEL_SIZE = (100 * mm, 150 * mm)
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=16, leading=20)
_HEAD = ParagraphStyle("head", parent=_BODY, fontSize=11, leading=14)


def _now_text(at: datetime | None) -> str:
    return f"{timezone.localtime(at or timezone.now()):%Y-%m-%d %H:%M}"


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Barcode(Flowable):
    """A Code128 barcode scaled to fit ``max_width``, with its text underneath."""

    def __init__(self, value: str, *, max_width: float, height: float):
        super().__init__()
        self.value = value
        probe = code128.Code128(value, barWidth=1, barHeight=height, quiet=False)
        self.bar_width = min(0.35 * mm, max_width / max(probe.width, 1))
        self.barcode = code128.Code128(value, barWidth=self.bar_width, barHeight=height, quiet=False)
        self.width, self.height = self.barcode.width, height + 10

    def draw(self) -> None:
        self.barcode.drawOn(self.canv, 0, 10)
        self.canv.setFont("Helvetica", 8)
        self.canv.drawString(0, 1, self.value)


# --- picking list -----------------------------------------------------------------------------------

def picking_list_pdf(shipments: Sequence[PrintableShipment], *, at: datetime | None = None) -> bytes:
    """Shipments grouped by location (each location starts a page): per shipment its order number as a
    barcode and its lines; then a per-SKU total to pick for the location."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title="拣货单 Picking list", author="Huitong")
    story: list = []
    ordered = sorted(shipments, key=lambda s: s.location_code)
    for index, (_code, group) in enumerate(groupby(ordered, key=lambda s: s.location_code)):
        group = list(group)
        if index:
            story.append(PageBreak())
        story += _location_header(group, at)
        for shipment in group:
            story.append(KeepTogether(_shipment_block(shipment, doc.width)))
        story += _totals(group, doc.width)
    doc.build(story)
    return buffer.getvalue()


def _location_header(group: list[PrintableShipment], at: datetime | None) -> list:
    first = group[0]
    return [
        Paragraph("拣货单 Picking list", _TITLE),
        Paragraph(_escape(f"发货库位:{first.location_name}({first.location_code})  发货单 {len(group)} 个  "
                          f"打印时间 {_now_text(at)}"), _BODY),
        Spacer(1, 4 * mm),
    ]


def _lines_table(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
    ]))
    return table


def _shipment_block(shipment: PrintableShipment, width: float) -> list:
    merged = f"(合单:{', '.join(shipment.order_numbers[1:])})" if len(shipment.order_numbers) > 1 else ""
    header = (f"订单号 {shipment.order_number}{merged}  发货单 {shipment.shipment_number}  "
              f"{shipment.carrier_name} {shipment.waybill_no or '(未分配运单号)'}  店铺 {shipment.store_name}")
    rows: list[list] = [["库位", "SKU 编码", "商品名称", "数量"]]
    rows += [[line.bin or "-", line.sku_code, Paragraph(_escape(line.title), _BODY), str(line.quantity)]
             for line in shipment.lines]
    block = [_Barcode(shipment.order_number, max_width=80 * mm, height=10 * mm), Spacer(1, 1 * mm),
             Paragraph(_escape(header), _HEAD)]
    if shipment.buyer_remark:
        block.append(Paragraph(_escape(f"买家留言:{shipment.buyer_remark}"), _BODY))
    block += [Spacer(1, 1 * mm), _lines_table(rows, [20 * mm, 40 * mm, width - 80 * mm, 20 * mm]), Spacer(1, 6 * mm)]
    return block


def _totals(group: list[PrintableShipment], width: float) -> list:
    totals: dict[tuple[str, str], int] = {}
    for shipment in group:
        for line in shipment.lines:
            key = (line.sku_code, line.title)
            totals[key] = totals.get(key, 0) + line.quantity
    rows: list[list] = [["SKU 编码", "商品名称", "合计数量"]]
    rows += [[code, Paragraph(_escape(title), _BODY), str(qty)] for (code, title), qty in sorted(totals.items())]
    return [Paragraph("按 SKU 汇总 Totals by SKU", _HEAD), Spacer(1, 1 * mm),
            _lines_table(rows, [45 * mm, width - 70 * mm, 25 * mm])]


# --- waybill labels ---------------------------------------------------------------------------------

def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break text (Chinese has no spaces) into lines that fit ``width``; the last line gets an ellipsis."""
    lines, current = [], ""
    for char in text or "":
        if pdfmetrics.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _text_block(c: Canvas, x: float, y: float, text: str, *, size: float, width: float, max_lines: int) -> float:
    """Draw wrapped text from ``y`` downwards; return the y below it."""
    c.setFont(FONT, size)
    for line in _wrap(text, FONT, size, width, max_lines):
        c.drawString(x, y, line)
        y -= size * 1.3
    return y


def _qr(c: Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _label(c: Canvas, s: PrintableShipment, at: datetime | None) -> None:
    width, height = LABEL_SIZE
    margin, inner = 4 * mm, width - 8 * mm
    # carrier band
    c.setFont(FONT, 16)
    c.drawString(margin, height - 11 * mm, f"{s.carrier_name}  {s.carrier_code}")
    c.setFont(FONT, 7)
    c.drawRightString(width - margin, height - 11 * mm, _now_text(at))
    c.line(margin, height - 14 * mm, width - margin, height - 14 * mm)
    # waybill barcode
    bar = _Barcode(s.waybill_no, max_width=inner, height=16 * mm)
    bar.drawOn(c, (width - bar.width) / 2, height - 34 * mm)
    c.setFont(FONT, 13)
    c.drawCentredString(width / 2, height - 40 * mm, f"运单号 {s.waybill_no}")
    c.line(margin, height - 43 * mm, width - margin, height - 43 * mm)
    # receiver, sender
    c.setFont(FONT, 12)
    c.drawString(margin, height - 49 * mm, f"收 {s.receiver_name}  {s.receiver_phone}")
    y = _text_block(c, margin, height - 55 * mm, s.receiver_address, size=10, width=inner, max_lines=3)
    c.line(margin, y - 1 * mm, width - margin, y - 1 * mm)
    c.setFont(FONT, 9)
    c.drawString(margin, y - 6 * mm, f"寄 {s.store_name}({s.location_name})")
    y = _text_block(c, margin, y - 11 * mm, s.sender_address, size=8, width=inner, max_lines=2)
    c.line(margin, y - 1 * mm, width - margin, y - 1 * mm)
    # order and items, QR
    qr_size = 26 * mm
    _qr(c, s.waybill_no, width - margin - qr_size, margin, qr_size)
    text_width = inner - qr_size - 2 * mm
    y = _text_block(c, margin, y - 6 * mm, f"订单号 {', '.join(s.order_numbers)}", size=9, width=text_width,
                    max_lines=3)
    summary = ";".join(f"{line.sku_code} {line.title} ×{line.quantity}" for line in s.lines)
    _text_block(c, margin, y - 1 * mm, f"内件:{summary}", size=8, width=text_width, max_lines=6)
    c.setFont(FONT, 7)
    c.drawString(margin, margin, f"发货单 {s.shipment_number}")


def waybill_labels_pdf(shipments: Sequence[PrintableShipment], *, at: datetime | None = None) -> bytes:
    """One 100 × 150 mm label page per shipment, in the order given."""
    buffer = BytesIO()
    c = Canvas(buffer, pagesize=LABEL_SIZE)
    c.setTitle("电子面单 Waybill labels")
    c.setAuthor("Huitong")
    for shipment in shipments:
        _label(c, shipment, at)
        c.showPage()
    c.save()
    return buffer.getvalue()
