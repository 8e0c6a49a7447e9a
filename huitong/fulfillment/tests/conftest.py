import pytest

from huitong.core.models import AuditEntry
from huitong.fulfillment.models import (
    DeliveryRun,
    InterceptionRequest,
    Pickup,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from huitong.fulfillment.tests.factories import PickupPointFactory, StoreLocationFactory
from huitong.inventory import services as inventory
from huitong.inventory.models import Reservation, StockItem, StockMovement
from huitong.orders import services as orders
from huitong.orders.models import Order
from huitong.orders.services import Receiver
from huitong.orders.tests.conftest import Shop
from huitong.payments.models import Payment

RECEIVER = Receiver(name="李四", phone="13912345678", province="浙江省", city="杭州市", district="西湖区",
                    address="文三路 100 号 5 幢 301 室")


class Floor(Shop):
    """The orders tests' shop (warehouses HZ with sku_a ×10 and GZ with sku_b ×5) plus a store that also
    sells for pickup (sku_a ×3 on its shelves) and a community pickup point."""

    def __init__(self):
        super().__init__()
        self.wh1.address, self.wh1.district = "仓前街道 1 号", "余杭区"
        self.wh1.save()
        self.store_loc = StoreLocationFactory(code="STORE1", name="西湖门店")
        self.point = PickupPointFactory(code="POINT1", name="良渚自提点")
        inventory.receive_stock(sku_id=self.sku_a.pk, location_id=self.store_loc.pk, quantity=3, reference="init",
                                actor=self.actor)

    def paid(self, *lines, receiver=RECEIVER, **kwargs) -> Order:
        order = self.order(*(lines or [(self.sku_a.pk, 2)]), receiver=receiver, **kwargs).order
        return orders.pay_order(order_id=order.pk, actor=self.actor)

    def allocated(self, *lines, **kwargs) -> Order:
        order = self.paid(*lines, **kwargs)
        return orders.allocate_order(order_id=order.pk, actor=self.actor)


@pytest.fixture
def floor(db):
    return Floor()


def world():
    """Everything fulfillment and the stock below it can change: compare before and after a refusal."""
    return (
        list(Order.objects.order_by("pk").values_list("status", "carrier_code", "waybill_no", "hold_reasons")),
        list(StockItem.objects.order_by("pk").values_list("on_hand", "reserved")),
        Reservation.objects.filter(status="active").count(), StockMovement.objects.count(), Payment.objects.count(),
        list(Shipment.objects.order_by("pk").values_list("status", "carrier", "waybill_no")),
        ShipmentLine.objects.count(), TrackingEvent.objects.count(),
        list(Pickup.objects.order_by("pk").values_list("status", "code_hash", "run_id")),
        list(DeliveryRun.objects.order_by("pk").values_list("status")),
        list(InterceptionRequest.objects.order_by("pk").values_list("status")),
        AuditEntry.objects.count(),
    )
