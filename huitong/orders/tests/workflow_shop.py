"""Builders for the 审单/合单/分仓 tests: the orders ``Shop`` plus paid orders, platform orders, rules and
settings, all made through the services."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from huitong.channels.services import create_store
from huitong.core.models import AuditEntry
from huitong.inventory.models import Reservation, StockItem, StockMovement
from huitong.orders import review_setup, services
from huitong.orders.models import MergeGroup, Order, OrderLine
from huitong.orders.platform import ImportedLine, ImportedOrder, import_order
from huitong.orders.tests.conftest import Shop

RECEIVER = services.Receiver(name="张三", phone="13800138000", province="浙江省", city="杭州市", district="西湖区",
                             address="文三路 100 号")
_external = count(1)


class WorkflowShop(Shop):
    """A web mall with warehouses HZ (SKU a × 10) and GZ (SKU b × 5), both in 杭州 (LocationFactory)."""

    def paid(self, *lines, review: bool = True, receiver=RECEIVER, **kwargs) -> Order:
        order = self.order(*(lines or [(self.sku_a.pk, 1)]), receiver=receiver, **kwargs).order
        services.pay_order(order_id=order.pk, actor=self.actor, review=review)
        return Order.objects.get(pk=order.pk)

    def rule(self, kind: str, **kwargs):
        spec = review_setup.RuleSpec(name=kwargs.pop("name", kind), kind=kind, **kwargs)
        return review_setup.create_review_rule(spec=spec, actor=self.actor)

    def settings(self, **kwargs):
        return review_setup.update_settings(spec=review_setup.SettingsSpec(**kwargs), actor=self.actor)

    def platform_store(self, code: str = "TB1"):
        store = create_store(code=code, name=f"天猫 {code}", platform="taobao")
        services.set_fulfillment_locations(store_id=store.pk, location_ids=[self.wh1.pk, self.wh2.pk])
        return store

    def platform_order(self, store, *, status: str = "paid", quantity: int = 1, merchant_code: str | None = None,
                       refund_state: str = "none", receiver=RECEIVER, external_id: str | None = None,
                       buyer_nick: str = "tb_buyer", buyer_remark: str = "", updated_at=None) -> Order:
        external_id = external_id or f"TB-{next(_external)}"
        now = timezone.now()
        line = ImportedLine(platform_line_id=f"{external_id}-1", item_id="ITEM-1", platform_sku_id="PSKU-1",
                            merchant_code=self.sku_a.code if merchant_code is None else merchant_code,
                            title="西湖龙井", quantity=quantity, unit_price_fen=2990, amount_fen=2990 * quantity,
                            refund_state=refund_state)
        spec = ImportedOrder(store_id=store.pk, external_id=external_id, status=status,
                             platform_status="WAIT_SELLER_SEND_GOODS" if status == "paid" else "WAIT_BUYER_PAY",
                             placed_at=now - timedelta(minutes=5), updated_at=updated_at or now, lines=[line],
                             total_fen=2990 * quantity, paid_at=now if status == "paid" else None,
                             buyer_id=f"id-{buyer_nick}", buyer_nick=buyer_nick, receiver=receiver,
                             buyer_remark=buyer_remark)
        return import_order(spec=spec, actor=self.actor).order


def world() -> tuple:
    """Everything a refused workflow action must leave as it was."""
    return (list(Order.objects.order_by("pk").values_list("status", "review_status", "hold_reasons", "merge_group_id",
                                                          "total_fen", "paid_fen")),
            list(OrderLine.objects.order_by("pk").values_list("order_id", "quantity", "location_id", "reservation_id")),
            Reservation.objects.count(), StockMovement.objects.count(),
            list(StockItem.objects.order_by("pk").values_list("on_hand", "reserved")),
            MergeGroup.objects.count(), AuditEntry.objects.count())
