"""Reorder suggestions: the arithmetic alone, then on a constructed sales history (ship movements made
through inventory services, dated with a fixed clock), then into draft purchase orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from huitong.catalog.tests.factories import SkuFactory
from huitong.inventory import services as inventory
from huitong.inventory.models import StockItem
from huitong.purchasing import selectors, services
from huitong.purchasing.errors import InvalidSuggestionPick
from huitong.purchasing.models import PurchaseOrder
from huitong.purchasing.reorder import StockPosition, reorder_numbers
from huitong.purchasing.tests.factories import SupplierFactory

# --- arithmetic -----------------------------------------------------------------------------------


def _numbers(**kwargs):
    base = dict(sold_7d=0, sold_30d=0, on_hand=0, reserved=0, in_transit=0, safety_stock=0, lead_time_days=5,
                cover_days=14, min_order_quantity=1)
    return reorder_numbers(StockPosition(**{**base, **kwargs}))


def test_no_sales_and_no_safety_stock_suggests_nothing():
    n = _numbers(on_hand=0)
    assert (n.daily_velocity, n.reorder_point, n.target_stock, n.suggested_quantity, n.days_of_cover) == (
        Decimal("0.000"), 0, 0, 0, None)


def test_below_safety_stock_without_sales_tops_up_to_it():
    n = _numbers(on_hand=3, safety_stock=5)
    assert (n.reorder_point, n.target_stock, n.projected_stock, n.shortfall, n.suggested_quantity) == (5, 5, 3, 2, 2)


def test_weights_and_exact_ceilings():
    # 7 sold in a week, 30 in a month: 1 a day either way, whatever the weight.
    for weight in ("0", "0.6", "1"):
        n = _numbers(sold_7d=7, sold_30d=30, recent_weight=Decimal(weight))
        assert n.daily_velocity == Decimal("1.000") and n.reorder_point == 5 and n.target_stock == 19
    # 10 in a month at weight 0: 1/3 a day × 30 days of lead time is exactly 10 (no float drift to 11).
    n = _numbers(sold_30d=10, recent_weight=Decimal("0"), lead_time_days=30, cover_days=0)
    assert (n.reorder_point, n.target_stock) == (10, 10)


def test_above_the_reorder_point_waits():
    n = _numbers(sold_7d=7, sold_30d=30, on_hand=6)  # reorder point 5, target 19: projected 6 > 5
    assert (n.needs_reorder, n.suggested_quantity, n.days_of_cover) == (False, 0, Decimal("6.0"))
    n = _numbers(sold_7d=7, sold_30d=30, on_hand=5)
    assert (n.needs_reorder, n.shortfall, n.suggested_quantity) == (True, 14, 14)


def test_minimum_order_quantity_rounds_up_a_small_need():
    assert _numbers(safety_stock=2, min_order_quantity=50).suggested_quantity == 50


def test_weight_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        _numbers(recent_weight=Decimal("1.5"))


# --- on a constructed history ---------------------------------------------------------------------

NOW = timezone.now()


@pytest.fixture
def history(buying):
    b = buying
    services.set_supplier_price(supplier_id=b.supplier.pk, sku_id=b.sku_a.pk, cost_fen=1000, min_order_quantity=40,
                                actor=b.actor)
    b.stock(b.sku_a, b.wh1, 60)
    b.sell(b.sku_a, b.wh1, 5, at=NOW - timedelta(days=31), ref="S1")               # outside both windows
    b.sell(b.sku_a, b.wh1, 30, at=NOW - timedelta(days=20), ref="S2")              # 30-day window only
    b.sell(b.sku_a, b.wh1, 2, at=NOW - timedelta(days=7, hours=1), ref="S3")       # 30-day window only
    b.sell(b.sku_a, b.wh1, 14, at=NOW - timedelta(days=3), ref="S4")               # both windows
    item = StockItem.objects.get(sku=b.sku_a, location=b.wh1)
    inventory.reserve_stock(stock_item_id=item.pk, quantity=3, reference="open-order")
    inventory.set_safety_stock(sku_id=b.sku_a.pk, location_id=b.wh1.pk, safety_stock=4)
    b.po((b.sku_a.pk, 5, 1000))                                                    # 5 in transit to HZ
    b.stock(b.sku_b, b.wh2, 20)                                                    # no sales: nothing to do
    return b


@pytest.mark.django_db
def test_suggestion_numbers_on_a_constructed_history(history, django_assert_num_queries):
    b = history
    with django_assert_num_queries(6):
        suggestions = selectors.reorder_suggestions(as_of=NOW)
    [s] = suggestions
    assert (s.sku_id, s.location_id, s.supplier_id, s.supplier_code) == (b.sku_a.pk, b.wh1.pk, b.supplier.pk, "ACME")
    assert (s.sold_7d, s.sold_30d) == (14, 46)
    assert (s.on_hand, s.reserved, s.safety_stock, s.in_transit) == (9, 3, 4, 5)
    # velocity = 0.6 × 14/7 + 0.4 × 46/30 = 136/75 ≈ 1.813 a day
    assert (s.velocity_7d, s.velocity_30d, s.daily_velocity) == (Decimal("2.000"), Decimal("1.533"), Decimal("1.813"))
    # lead time 5 days: demand 9.067 + safety 4 → reorder point 14; + 14 days' cover → target 39
    assert (s.lead_time_days, s.cover_days, s.lead_time_demand) == (5, 14, Decimal("9.067"))
    assert (s.reorder_point, s.target_stock, s.projected_stock) == (14, 39, 11)
    # shortfall 28, raised to the supplier's minimum order quantity of 40
    assert (s.needs_reorder, s.shortfall, s.min_order_quantity, s.suggested_quantity) == (True, 28, 40, 40)
    assert (s.unit_cost_fen, s.amount_fen, s.days_of_cover) == (1000, 40_000, Decimal("6.1"))
    assert (s.supplier_order_fen, s.meets_supplier_minimum) == (40_000, True)


@pytest.mark.django_db
def test_all_positions_and_filters(history):
    b = history
    every = selectors.reorder_suggestions(as_of=NOW, only_needed=False)
    assert {(s.sku_id, s.location_id, s.suggested_quantity) for s in every} == {
        (b.sku_a.pk, b.wh1.pk, 40), (b.sku_b.pk, b.wh2.pk, 0)}
    assert selectors.reorder_suggestions(as_of=NOW, location_id=b.wh2.pk) == []
    assert selectors.reorder_suggestions(as_of=NOW, sku_ids=[b.sku_b.pk]) == []
    # 11 days on, nothing was sold in the last week and the sale of 20 days ago has left the month.
    [later] = selectors.reorder_suggestions(as_of=NOW + timedelta(days=11), only_needed=False, sku_ids=[b.sku_a.pk])
    assert (later.sold_7d, later.sold_30d) == (0, 16)


@pytest.mark.django_db
def test_supplier_minimum_order_amount_is_flagged(history):
    b = history
    services.update_supplier(supplier_id=b.supplier.pk, min_order_fen=50_000, actor=b.actor)
    [s] = selectors.reorder_suggestions(as_of=NOW)
    assert (s.supplier_min_order_fen, s.supplier_order_fen, s.meets_supplier_minimum) == (50_000, 40_000, False)


@pytest.mark.django_db
def test_preferred_supplier_wins_else_the_cheapest(history):
    b = history
    cheap = SupplierFactory(code="CHEAP", lead_time_days=2)
    services.set_supplier_price(supplier_id=cheap.pk, sku_id=b.sku_a.pk, cost_fen=900, actor=b.actor)
    [s] = selectors.reorder_suggestions(as_of=NOW, only_needed=False, sku_ids=[b.sku_a.pk])
    assert (s.supplier_code, s.unit_cost_fen, s.lead_time_days, s.min_order_quantity) == ("CHEAP", 900, 2, 1)
    assert (s.reorder_point, s.projected_stock, s.suggested_quantity) == (8, 11, 0)  # shorter lead time: not yet
    services.set_supplier_price(supplier_id=b.supplier.pk, sku_id=b.sku_a.pk, cost_fen=1000, min_order_quantity=40,
                                is_preferred=True, actor=b.actor)
    [s] = selectors.reorder_suggestions(as_of=NOW)
    assert s.supplier_code == "ACME"


# --- into draft purchase orders -------------------------------------------------------------------

@pytest.mark.django_db
def test_draft_purchase_orders_grouped_by_supplier_and_location(history):
    b = history
    beta = SupplierFactory(code="BETA")
    services.set_supplier_price(supplier_id=beta.pk, sku_id=b.sku_b.pk, cost_fen=2000, is_preferred=True,
                                actor=b.actor)
    inventory.set_safety_stock(sku_id=b.sku_b.pk, location_id=b.wh2.pk, safety_stock=25)  # 20 on hand: 5 short
    picks = [services.SuggestionPick(b.sku_a.pk, b.wh1.pk),
             services.SuggestionPick(b.sku_b.pk, b.wh2.pk),
             services.SuggestionPick(b.sku_b.pk, b.wh1.pk, quantity=7, supplier_id=b.supplier.pk)]
    pos = services.create_draft_pos_from_suggestions(picks=picks, actor=b.actor, as_of=NOW)
    got = {(po.supplier.code, po.location.code, po.status):
           sorted((line.sku_id, line.quantity, line.unit_cost_fen) for line in po.lines.all()) for po in pos}
    assert got == {
        ("ACME", "HZ", "draft"): sorted([(b.sku_a.pk, 40, 1000), (b.sku_b.pk, 7, 2500)]),
        ("BETA", "GZ", "draft"): [(b.sku_b.pk, 5, 2000)],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("pick", "field"), [
    (lambda b: services.SuggestionPick(b.sku_a.pk, b.wh1.pk, quantity=10), "picks[1].quantity"),  # below MOQ 40
    (lambda b: services.SuggestionPick(b.sku_b.pk, b.wh2.pk), "picks[1].quantity"),                 # nothing needed
    (lambda b: services.SuggestionPick(SkuFactory().pk, b.wh1.pk, quantity=3), "picks[1].supplier_id"),  # no price
    (lambda b: services.SuggestionPick(b.sku_a.pk, 999999, quantity=50), "picks[1]"),               # no location
    (lambda b: services.SuggestionPick(b.sku_a.pk, b.wh1.pk, supplier_id=999999), "picks[1].supplier_id"),
])
def test_a_bad_pick_refuses_the_whole_call(history, pick, field):
    b = history
    other = SupplierFactory(code="OTHER")
    services.set_supplier_price(supplier_id=other.pk, sku_id=b.sku_b.pk, cost_fen=10, actor=b.actor)
    before = PurchaseOrder.objects.count()
    good = services.SuggestionPick(b.sku_b.pk, b.wh1.pk, quantity=5, supplier_id=other.pk)
    with pytest.raises(InvalidSuggestionPick) as exc:
        services.create_draft_pos_from_suggestions(picks=[good, pick(b)], actor=b.actor, as_of=NOW)
    assert exc.value.status == 422 and list(exc.value.detail["fields"]) == [field]
    assert PurchaseOrder.objects.count() == before


@pytest.mark.django_db
def test_duplicate_or_empty_picks_are_refused(history):
    b = history
    with pytest.raises(InvalidSuggestionPick):
        services.create_draft_pos_from_suggestions(picks=[], actor=b.actor)
    pick = services.SuggestionPick(b.sku_a.pk, b.wh1.pk)
    with pytest.raises(InvalidSuggestionPick) as exc:
        services.create_draft_pos_from_suggestions(picks=[pick, pick], actor=b.actor)
    assert "picks[1]" in exc.value.detail["fields"]
