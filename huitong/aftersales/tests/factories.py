"""Builders for after-sales tests. Requests are made through the services (their numbers, claims and
audit rows are the services' work), on orders made, paid and shipped through the orders services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from huitong.aftersales import services
from huitong.aftersales.models import AfterSalesRequest, RequestKind, RequestReason
from huitong.channels.services import create_store
from huitong.orders import services as orders
from huitong.orders.models import Order
from huitong.orders.platform import ImportedLine, ImportedOrder, import_order
from huitong.orders.tests.conftest import Shop


class AfterSalesShop(Shop):
    """The orders ``Shop`` (web mall, warehouses HZ and GZ, SKU a at HZ, SKU b at GZ), plus helpers."""

    def paid(self, *lines, **kwargs) -> Order:
        order = self.order(*lines, **kwargs).order
        orders.pay_order(order_id=order.pk, actor=self.actor)
        return Order.objects.get(pk=order.pk)

    def shipped(self, *lines, **kwargs) -> Order:
        order = self.paid(*lines, **kwargs)
        orders.allocate_order(order_id=order.pk, actor=self.actor)
        orders.ship_order(order_id=order.pk, carrier_code="SF", waybill_no="SF1234567890", actor=self.actor)
        return Order.objects.get(pk=order.pk)

    def line(self, order: Order, line_no: int = 1):
        return order.lines.get(line_no=line_no)

    def request(self, order: Order, *lines, kind=RequestKind.RETURN_REFUND, reason=RequestReason.QUALITY,
                refund_fen=None, **kwargs) -> AfterSalesRequest:
        """``lines``: (line_no, quantity) or (line_no, quantity, exchange_sku_id); none = every unit."""
        lines = lines or [(ln.line_no, ln.quantity) for ln in order.lines.order_by("line_no")]
        spec = services.NewRequest(
            order_id=order.pk, kind=kind, reason=reason, refund_fen=refund_fen, **kwargs,
            lines=[services.LineRequest(self.line(order, no).pk, qty, *rest) for no, qty, *rest in lines])
        return services.open_request(spec=spec, actor=self.actor)

    def inspect_all(self, request: AfterSalesRequest, *, damaged: int = 0) -> list[services.Inspection]:
        """Everything came back; the first ``damaged`` units of the first line are damaged."""
        result = []
        for line in request.lines.order_by("pk"):
            bad = min(damaged, line.quantity)
            damaged -= bad
            result.append(services.Inspection(line_id=line.pk, resellable=line.quantity - bad, damaged=bad))
        return result

    def platform_store(self):
        store = create_store(code="TB1", name="天猫旗舰店", platform="taobao")
        orders.set_fulfillment_locations(store_id=store.pk, location_ids=[self.wh1.pk, self.wh2.pk])
        return store

    def platform_order(self, store, *, external_id="TB-1001", status="paid", quantity=2) -> Order:
        """A Taobao order of ``quantity`` × SKU a at 29.90 and 1 × SKU b at 59.80 (merchant codes map them)."""
        now = timezone.now()
        lines = [
            ImportedLine("SUB-1", "ITEM-A", "", self.sku_a.code, "茶 A", quantity, 2990, 2990 * quantity),
            ImportedLine("SUB-2", "ITEM-B", "", self.sku_b.code, "茶 B", 1, 5980, 5980),
        ]
        spec = ImportedOrder(store_id=store.pk, external_id=external_id, status=status,
                             platform_status="WAIT_SELLER_SEND_GOODS", placed_at=now - timedelta(hours=1),
                             updated_at=now, paid_at=now, lines=lines, total_fen=2990 * quantity + 5980)
        return Order.objects.get(pk=import_order(spec=spec, actor=self.actor).order.pk)
