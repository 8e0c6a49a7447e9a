"""An in-memory platform for the ingest tests: orders live in a class-level dict, pages of 2."""

from datetime import UTC, datetime, timedelta

from huitong.integrations.connectors.base import (
    Address,
    ConnectorError,
    OrderPage,
    OrderState,
    PlatformLine,
    PlatformOrder,
)

T0 = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)


def order(order_id: str, *, state=OrderState.PAID, minutes=0, lines=None, total=None, phone="13800138000",
          detail="文三路 1 号", shipping=0):
    lines = lines or [("SKU-A", 2, 1000, 1800)]
    line_dtos = tuple(PlatformLine(f"{order_id}-{i}", f"item-{code}", "", code, f"商品 {code}", qty, price, amount)
                      for i, (code, qty, price, amount) in enumerate(lines))
    when = T0 + timedelta(minutes=minutes)
    return PlatformOrder(
        order_id=order_id, state=state, platform_status=str(state).upper(), created_at=T0, updated_at=when,
        lines=line_dtos, total_fen=total if total is not None else sum(x[3] for x in lines) + shipping,
        shipping_fen=shipping, paid_at=T0 if state != OrderState.PENDING_PAYMENT else None, buyer_id="b-1",
        buyer_nick="tb_buyer", receiver=Address("张三", phone, "浙江省", "杭州市", "西湖区", detail),
        raw={"id": order_id, "minutes": minutes, "state": str(state)},
    )


class MemoryAdapter:
    max_window = timedelta(hours=1)
    orders: dict[str, PlatformOrder] = {}
    fail_after: int | None = None  # raise after this many pages (a crash mid-pull)
    calls: list[tuple[datetime, datetime]] = []

    def __init__(self, credentials):
        self.credentials = credentials

    def fetch_orders(self, *, start, end):
        assert end - start <= self.max_window
        type(self).calls.append((start, end))
        found = sorted((o for o in self.orders.values() if start <= o.updated_at < end), key=lambda o: o.order_id)
        for page_no, i in enumerate(range(0, len(found), 2), start=1):
            if self.fail_after is not None and len(self.calls) > self.fail_after:
                raise ConnectorError("connection lost")
            yield OrderPage(tuple(found[i:i + 2]), page_no, i + 2 < len(found))

    def fetch_order(self, order_id):
        return self.orders[order_id]

    def parse_payload(self, payload):
        if "orders" not in payload:
            raise ConnectorError("no orders in payload")
        return [self.orders[oid] for oid in payload["orders"]]


class PushRecorder:
    """Stock pushes and shipment confirmations the memory platform received (per store base_url)."""

    stock: list = []
    shipments: list = []
    fail_pushes: int = 0


def _push_stock(self, updates):
    if PushRecorder.fail_pushes:
        PushRecorder.fail_pushes -= 1
        raise ConnectorError("platform busy")
    PushRecorder.stock.extend((self.credentials.base_url, u) for u in updates)


def _confirm(self, *, order_id, carrier_code, waybill_no):
    PushRecorder.shipments.append((self.credentials.base_url, order_id, carrier_code, waybill_no))


MemoryAdapter.push_stock = _push_stock
MemoryAdapter.confirm_shipment = _confirm


def _verify(self, *, headers, body):
    import hashlib
    import hmac

    expected = hmac.new(self.credentials.app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("x-memory-signature", ""), expected)


MemoryAdapter.verify_webhook = _verify


def _fetch_refunds(self, *, start, end):
    yield [r for r in PushRecorder.refunds if start <= r.updated_at < end]


PushRecorder.refunds = []
MemoryAdapter.fetch_refunds = _fetch_refunds
