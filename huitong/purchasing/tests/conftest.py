"""A small purchasing world: one supplier with prices for two SKUs, two warehouses. No orders app:
sales history is made with inventory services (reserve, then ship), as the layers require."""

from contextlib import contextmanager
from datetime import datetime
from unittest import mock

import pytest

from huitong.catalog.tests.factories import SkuFactory
from huitong.core.actors import Actor
from huitong.inventory import services as inventory
from huitong.inventory.models import StockItem
from huitong.inventory.tests.factories import LocationFactory
from huitong.purchasing import services
from huitong.purchasing.tests.factories import SupplierFactory


@contextmanager
def clock(at: datetime):
    """Stamp what is written inside with ``at`` (the ledger's created_at is auto_now_add)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


class Buying:
    def __init__(self):
        self.actor = Actor.system("test")
        self.supplier = SupplierFactory(code="ACME", lead_time_days=5, payment_terms_days=30)
        self.wh1, self.wh2 = LocationFactory(code="HZ"), LocationFactory(code="GZ")
        self.sku_a = SkuFactory(cost_fen=0)
        self.sku_b = SkuFactory(cost_fen=0)
        services.set_supplier_price(supplier_id=self.supplier.pk, sku_id=self.sku_a.pk, cost_fen=1000,
                                    min_order_quantity=1, actor=self.actor)
        services.set_supplier_price(supplier_id=self.supplier.pk, sku_id=self.sku_b.pk, cost_fen=2500,
                                    min_order_quantity=1, actor=self.actor)

    def po(self, *lines, location=None, confirm=True, supplier=None, **kwargs):
        """A purchase order of (sku, quantity[, unit cost]) lines, confirmed unless told otherwise."""
        po = services.create_purchase_order(
            supplier_id=(supplier or self.supplier).pk, location_id=(location or self.wh1).pk,
            lines=[services.PoLine(*line) for line in lines], actor=self.actor, **kwargs)
        if confirm:
            po = services.confirm_purchase_order(purchase_order_id=po.pk, actor=self.actor)
        return po

    def receive(self, po, *lines, **kwargs):
        return services.receive_purchase_order(
            purchase_order_id=po.pk, lines=[services.ReceiptLineSpec(*line) for line in lines], actor=self.actor,
            **kwargs)

    def stock(self, sku, location, quantity):
        inventory.receive_stock(sku_id=sku.pk, location_id=location.pk, quantity=quantity, reference="init",
                                actor=self.actor)

    def sell(self, sku, location, quantity, *, at: datetime, ref: str):
        """Ship ``quantity`` out of ``location`` at ``at``: a reservation shipped, as a sale would be."""
        item = StockItem.objects.get(sku=sku, location=location)
        reservation = inventory.reserve_stock(stock_item_id=item.pk, quantity=quantity, reference=ref)
        with clock(at):
            inventory.ship_reservation(reservation_id=reservation.pk, reference=ref, actor=self.actor)


@pytest.fixture
def buying(db):
    return Buying()
