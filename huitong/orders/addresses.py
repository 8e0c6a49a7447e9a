"""Chinese receiver addresses: split "浙江省杭州市西湖区文三路 100 号" into province, city, district and the rest.

Pure functions (no database). Platforms often send the whole address in one field, or the province in
its short form ("浙江", "广西"); review uses this to fill the region fields or to hold an address that
cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
PROVINCES = (
    *MUNICIPALITIES,
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省",
    "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省",
    "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def _short(name: str) -> str:
    return next((name[: -len(s)] for s in _SUFFIXES if name.endswith(s)), name)


# Longest first, so that "内蒙古自治区" wins over a shorter match.
_PROVINCE_FORMS = sorted(((form, full) for full in PROVINCES for form in {full, _short(full)}),
                         key=lambda pair: -len(pair[0]))
_CITY = re.compile(r"^(.{1,12}?(?:自治州|地区|盟|市))")
_DISTRICT = re.compile(r"^(.{1,10}?(?:新区|区|县|旗|市))")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Region:
    province: str
    city: str
    district: str
    rest: str


def normalize(text: str) -> str:
    return _SPACES.sub("", text or "")


def province_of(text: str) -> str:
    """The full province name for a full or short form ("浙江" → "浙江省"), or ""."""
    text = normalize(text)
    return next((full for form, full in _PROVINCE_FORMS if text == form), "")


def parse_region(text: str) -> Region | None:
    """Province, city and district at the start of ``text``; None when any of the three is missing."""
    text = normalize(text)
    match = next(((form, full) for form, full in _PROVINCE_FORMS if text.startswith(form)), None)
    if match is None:
        return None
    form, province = match
    rest = text[len(form):]
    if province in MUNICIPALITIES:
        city = province
        for repeat in (province, _short(province), "市辖区"):
            if rest.startswith(repeat):
                rest = rest[len(repeat):]
    else:
        found = _CITY.match(rest)
        if found is None:
            return None
        city, rest = found.group(1), rest[found.end():]
    district = _DISTRICT.match(rest)
    if district is None:
        return None
    return Region(province, city, district.group(1), rest[district.end():])


def region_problem(province: str, city: str, district: str, address: str) -> tuple[str, Region | None]:
    """Why a receiver's region cannot be used ("" if it can), and the region parsed from the address
    when the order's own region fields are incomplete."""
    if province and city and district:
        if not province_of(province):
            return f"无法识别的省份: {province}", None
        return "", None
    region = parse_region(f"{province}{city}{district}{address}") or parse_region(address)
    if region is None:
        return "无法解析出省/市/区", None
    return "", region


def address_key(province: str, city: str, district: str, address: str) -> str:
    """One comparable text for an address (blacklist and merge matching): no spaces, full province
    name, the region once even when the detail line repeats it."""
    full = normalize(address)
    region = parse_region(full) or parse_region(normalize(f"{province}{city}{district}{full}"))
    if region is None:
        return normalize(f"{province}{city}{district}{full}")
    return f"{region.province}{region.city}{region.district}{region.rest}"
