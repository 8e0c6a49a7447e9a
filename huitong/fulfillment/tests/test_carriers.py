"""Waybill-number formats per carrier (pure: no database)."""

import pytest

from huitong.fulfillment import carriers
from huitong.fulfillment.errors import InvalidWaybill, UnknownCarrier

VALID = {
    "SF": ["SF1234567890123", "SF123456789012", "123456789012", " sf1234567890123 "],
    "ZTO": ["731000123456", "73100012345678", "758000123456789", "350000123456", "210000000001"],
    "YTO": ["YT1234567890123", "yt1234567890123", "1234567890", "123456789012", "1234567890123"],
    "STO": ["773012345678", "7730123456789"],
    "YD": ["4312345678901", "431234567890123"],
    "JD": ["JDVA00012345678", "JD0012345678", "jdx1234567890ab"],
    "EMS": ["EA123456789CN", "ea123456789cn", "11001234567", "1100123456789"],
}

INVALID = {
    "SF": ["SF12345678901", "SF12345678901234", "12345678901", "1234567890123", "SF 1234567890123", "ZT1234567890"],
    "ZTO": ["131000123456", "73100012345", "7310001234567890", "73100012345A", "SF1234567890123"],
    "YTO": ["YT123456789012", "YT12345678901234", "123456789", "12345678901", "12345678901234", "YT123456789012A"],
    "STO": ["77301234567", "77301234567890", "STO123456789"],
    "YD": ["431234567890", "43123456789012", "4312345678901234", "YD4312345678901"],
    "JD": ["JD123456789", "JD1234567890123456", "JD12345-67890", "1234567890123", "JDVA0001234567@"],
    "EMS": ["E123456789CN", "EA12345678CN", "EA123456789C", "1234567890", "12345678901234"],
}


@pytest.mark.parametrize(("carrier", "number"), [(c, n) for c, numbers in VALID.items() for n in numbers])
def test_valid_waybills_pass_normalised(carrier, number):
    assert carriers.check_waybill(carrier, number) == (carrier, number.strip().upper())


@pytest.mark.parametrize(("carrier", "number"), [(c, n) for c, numbers in INVALID.items() for n in numbers])
def test_invalid_waybills_are_a_422_on_the_field(carrier, number):
    with pytest.raises(InvalidWaybill) as exc:
        carriers.check_waybill(carrier, number)
    assert exc.value.status == 422 and exc.value.code == "invalid_waybill"
    assert "waybill_no" in exc.value.detail["fields"]


def test_every_parcel_carrier_is_covered_and_its_example_is_valid():
    assert set(carriers.PARCEL_CARRIERS) == set(VALID) == set(INVALID)
    for code in carriers.PARCEL_CARRIERS:
        info = carriers.get_carrier(code)
        assert carriers.check_waybill(code, info.example) == (code, info.example)


def test_carrier_codes_are_case_insensitive_and_unknown_ones_refused():
    assert carriers.check_waybill("sf", "SF1234567890123") == ("SF", "SF1234567890123")
    with pytest.raises(UnknownCarrier) as exc:
        carriers.check_waybill("DHL", "1234567890")
    assert exc.value.status == 422 and "carrier" in exc.value.detail["fields"]


def test_empty_waybill_required_unless_deferred_or_internal():
    with pytest.raises(InvalidWaybill):
        carriers.check_waybill("SF", "  ")
    assert carriers.check_waybill("SF", "", required=False) == ("SF", "")
    assert carriers.check_waybill("SAMECITY", "") == ("SAMECITY", "")


def test_internal_carriers_take_free_text_but_no_spaces_or_overlong():
    assert carriers.check_waybill("SAMECITY", "PS26010100000001") == ("SAMECITY", "PS26010100000001")
    with pytest.raises(InvalidWaybill):
        carriers.check_waybill("SAMECITY", "A B")
    with pytest.raises(InvalidWaybill):
        carriers.check_waybill("PICKUP", "X" * 41)
