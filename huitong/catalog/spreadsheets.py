"""Reading a spreadsheet upload (.xlsx or .csv) into numbered rows of raw cell values.

Row numbers are those a user sees in Excel (the first row is 1); blank rows are dropped but keep
the numbering. CSV may be UTF-8 (with or without BOM) or GB18030, comma- or tab-separated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from huitong.catalog.errors import ImportFileUnreadable


def cell_text(value: Any) -> str:
    """A cell as stripped text; whole floats lose their ".0" (Excel stores 6901234567892 as a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def read_table(
    file_name: str, content: bytes, *, max_bytes: int, max_rows: int
) -> list[tuple[int, list[Any]]]:
    """``[(row_number, [cell values])]`` of the first sheet, blank rows left out; at most ``max_rows``
    rows after the header. Raises ImportFileUnreadable for a wrong type, a broken or oversized file."""
    if len(content) > max_bytes:
        raise ImportFileUnreadable(file=_("文件超过 %(n)d MB") % {"n": max_bytes // 1024 // 1024})
    suffix = Path(file_name or "").suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(content)
    elif suffix == ".csv":
        rows = _csv_rows(content)
    else:
        raise ImportFileUnreadable(file=_("只支持 .xlsx 或 .csv 文件"))
    table = [
        (number, values) for number, values in enumerate(rows, start=1) if any(cell_text(v) for v in values)
    ]
    if len(table) - 1 > max_rows:  # the header is not a data row
        raise ImportFileUnreadable(file=_("文件超过 %(n)d 行") % {"n": max_rows})
    return table


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) for a broken file
        raise ImportFileUnreadable(file=_("无法读取 Excel 文件: %(e)s") % {"e": exc}) from exc
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileUnreadable(file=_("CSV 文件须为 UTF-8 或 GB18030 编码"))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileUnreadable(file=_("CSV 格式错误: %(e)s") % {"e": exc}) from exc
