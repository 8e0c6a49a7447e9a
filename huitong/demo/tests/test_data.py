"""The demo's pure parts: catalog table, demand pattern, customers (no database)."""

import random
from datetime import date, datetime

from stdnum import ean

from huitong.demo import demand
from huitong.demo.catalog_data import demo_products
from huitong.demo.management.commands.demo import base_url
from huitong.demo.people import make_customers


def test_catalog_has_150_plus_skus_with_valid_unique_codes_and_barcodes():
    skus = [sku for product in demo_products() for sku in product.skus]

    assert len(skus) >= 150
    assert len({s.code for s in skus}) == len(skus)
    assert len({s.barcode for s in skus}) == len(skus)
    assert all(s.barcode[:2] == "69" and ean.is_valid(s.barcode) for s in skus)
    assert all(0 < s.cost_fen < s.price_fen and s.price_fen % 100 == 0 for s in skus)


def test_catalog_is_the_same_every_time():
    assert demo_products() == demo_products()


def test_weekends_and_the_run_up_to_mid_autumn_sell_more():
    tuesday, saturday = date(2026, 9, 1), date(2026, 9, 5)
    assert demand.day_factor(saturday, web=False) > demand.day_factor(saturday, web=True) > demand.day_factor(
        tuesday, web=True)
    assert demand.gift_season(date(2026, 9, 24)) > demand.gift_season(date(2026, 9, 10)) > 0
    assert demand.gift_season(date(2026, 8, 1)) == 0
    assert demand.day_factor(date(2026, 11, 11), web=True) > 2 * demand.day_factor(date(2026, 11, 11), web=False)


def test_shop_sales_happen_in_opening_hours():
    moments = demand.moments(date(2026, 9, 5), 200, web=False, rng=random.Random(1), tz=None)
    assert all(10 <= m.hour < 22 for m in moments)
    assert moments == sorted(moments) and all(isinstance(m, datetime) for m in moments)


def test_customers_are_plausible_and_reproducible():
    customers = make_customers(50, random.Random(7))
    assert customers == make_customers(50, random.Random(7))
    assert all(len(c.phone) == 11 and c.phone[0] == "1" and c.phone.isdigit() for c in customers)
    assert all(c.province and c.city and c.district and "室" in c.address for c in customers)


def test_base_url_of_an_addrport():
    assert base_url("127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert base_url("9000") == "http://127.0.0.1:9000"
    assert base_url("0.0.0.0:8011") == "http://127.0.0.1:8011"
