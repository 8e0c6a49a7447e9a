"""Carriers and their waybill-number formats (pure: no database).

Waybill numbers are checked against the carrier's published shapes before anything is written; a wrong
one is refused with a field-level 422 (``detail.fields.waybill_no``). Input is trimmed and upper-cased;
inner spaces are refused. The shapes (anchored regular expressions):

| code     | carrier          | accepted waybill numbers                                         |
|----------|------------------|------------------------------------------------------------------|
| SF       | 顺丰速运          | ``SF`` + 12–13 digits (SF1234567890123), or 12 digits (old)      |
| ZTO      | 中通快递          | 12–15 digits starting with 2, 3, 5, 6 or 7 (73100012345678)      |
| YTO      | 圆通速递          | ``YT`` + 13 digits (YT1234567890123), or 10, 12 or 13 digits     |
| STO      | 申通快递          | 12–13 digits (7730123456789)                                     |
| YD       | 韵达快递          | 13 or 15 digits                                                  |
| JD       | 京东物流          | ``JD`` + 10–15 letters/digits (JDVA00012345678, JD0012345678)    |
| EMS      | 中国邮政 EMS       | UPU S10: 2 letters + 9 digits + 2 letters (EA123456789CN), or 11–13 digits |
| SAMECITY | 同城配送 (internal) | free text; blank = the order or delivery-run number             |
| PICKUP   | 到店/自提点自提 (internal) | free text; blank = the order number                    |

The shapes overlap (a 12-digit number fits SF, ZTO, YTO and STO): the check catches typos and numbers
pasted into the wrong carrier's field, it does not identify the carrier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from huitong.fulfillment.errors import InvalidWaybill, UnknownCarrier


@dataclass(frozen=True)
class CarrierInfo:
    code: str
    name: str
    pattern: str  # "" for internal carriers: any text
    example: str
    internal: bool = False

    def matches(self, waybill_no: str) -> bool:
        return not self.pattern or re.fullmatch(self.pattern, waybill_no) is not None


SAMECITY = "SAMECITY"
PICKUP = "PICKUP"

CARRIERS: dict[str, CarrierInfo] = {c.code: c for c in (
    CarrierInfo("SF", "顺丰速运", r"SF\d{12,13}|\d{12}", "SF1234567890123"),
    CarrierInfo("ZTO", "中通快递", r"[23567]\d{11,14}", "73100012345678"),
    CarrierInfo("YTO", "圆通速递", r"YT\d{13}|\d{10}|\d{12,13}", "YT1234567890123"),
    CarrierInfo("STO", "申通快递", r"\d{12,13}", "7730123456789"),
    CarrierInfo("YD", "韵达快递", r"\d{13}|\d{15}", "4312345678901"),
    CarrierInfo("JD", "京东物流", r"JD[0-9A-Z]{10,15}", "JDVA00012345678"),
    CarrierInfo("EMS", "中国邮政 EMS", r"[A-Z]{2}\d{9}[A-Z]{2}|\d{11,13}", "EA123456789CN"),
    CarrierInfo(SAMECITY, "同城配送", "", "", internal=True),
    CarrierInfo(PICKUP, "自提", "", "", internal=True),
)}

CARRIER_CHOICES = [(c.code, c.name) for c in CARRIERS.values()]
PARCEL_CARRIERS = [c.code for c in CARRIERS.values() if not c.internal]


def get_carrier(code: str) -> CarrierInfo:
    carrier = CARRIERS.get((code or "").strip().upper())
    if carrier is None:
        raise UnknownCarrier(carrier=_("不支持的快递公司 %(code)s,可选:%(codes)s") % {
            "code": code, "codes": ", ".join(CARRIERS)})
    return carrier


def normalize_waybill(waybill_no: str) -> str:
    return (waybill_no or "").strip().upper()


def check_waybill(carrier_code: str, waybill_no: str, *, required: bool = True) -> tuple[str, str]:
    """Return ``(carrier code, waybill number)`` normalised, or raise a 422 naming the field.

    An empty waybill passes only when ``required`` is false (to be assigned later) or the carrier is
    internal (the caller fills in its own reference)."""
    carrier = get_carrier(carrier_code)
    number = normalize_waybill(waybill_no)
    if not number:
        if required and not carrier.internal:
            raise InvalidWaybill(waybill_no=_("请填写运单号"))
        return carrier.code, ""
    if len(number) > 40 or re.search(r"\s", number):
        raise InvalidWaybill(waybill_no=_("运单号不能含空格,且不超过 40 个字符"))
    if not carrier.matches(number):
        raise InvalidWaybill(waybill_no=_("%(number)s 不是有效的%(name)s运单号(例:%(example)s)") % {
            "number": number, "name": carrier.name, "example": carrier.example})
    return carrier.code, number
