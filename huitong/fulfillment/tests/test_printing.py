from io import BytesIO

import pytest
from pypdf import PdfReader

from huitong.fulfillment import printing, selectors, services
from huitong.fulfillment.errors import InvalidPrintRequest, ShipmentNotFound, WaybillMissing

pytestmark = pytest.mark.django_db


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


@pytest.fixture
def two_orders(floor, system_actor):
    one = floor.allocated((floor.sku_a.pk, 2), buyer_remark="请用纸箱")
    two = floor.allocated((floor.sku_a.pk, 1), (floor.sku_b.pk, 1))
    s1 = services.create_shipments(order_id=one.pk, carrier="SF", waybill_no="SF1234567890123",
                                   actor=system_actor).shipments
    s2 = services.create_shipments(order_id=two.pk, carrier="JD", actor=system_actor).shipments
    services.assign_waybill(shipment_id=s2[0].pk, carrier="JD", waybill_no="JDVA00012345678", actor=system_actor)
    services.assign_waybill(shipment_id=s2[1].pk, carrier="JD", waybill_no="JDVA00012345679", actor=system_actor)
    return one, two, [*s1, *s2]


def test_waybill_label_has_waybill_order_receiver_sender_and_chinese(floor, two_orders):
    one, _two, shipments = two_orders
    [text] = pages(printing.waybill_labels_pdf(selectors.printable_shipments([shipments[0].pk], need_waybill=True)))
    for expected in ("SF1234567890123", one.number, "顺丰速运", "李四", "13912345678", "浙江省杭州市西湖区文三路 100 号",
                     "仓前街道 1 号", floor.sku_a.code, "×2", shipments[0].number):
        assert expected in text, expected


def test_label_pages_are_100_by_150_mm_one_per_shipment_in_order(two_orders):
    _one, two, shipments = two_orders
    pdf = printing.waybill_labels_pdf(selectors.printable_shipments([s.pk for s in shipments[::-1]],
                                                                    need_waybill=True))
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 3
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (100, 150)
    texts = pages(pdf)
    assert "JDVA00012345679" in texts[0] and "SF1234567890123" in texts[2] and "京东物流" in texts[0]
    assert two.number in texts[0] and two.number in texts[1]


def test_picking_list_batches_by_location_with_order_numbers_and_totals(floor, two_orders):
    one, two, shipments = two_orders
    texts = pages(printing.picking_list_pdf(selectors.printable_shipments([s.pk for s in shipments])))
    everything = "\n".join(texts)
    assert "拣货单" in everything and "按 SKU 汇总" in everything
    assert one.number in everything and two.number in everything and "买家留言:请用纸箱" in everything
    assert "SF1234567890123" in everything and "JDVA00012345678" in everything
    # HZ holds sku_a for both orders (2 + 1), GZ sku_b for the second: each location starts a page
    hz = next(t for t in texts if "(HZ)" in t)
    gz = next(t for t in texts if "(GZ)" in t)
    assert floor.sku_a.code in hz and floor.sku_b.code not in hz and two.number in gz and one.number not in gz
    assert "发货单 2 个" in hz and "发货单 1 个" in gz


def test_a_label_needs_a_waybill_and_shipments_must_exist(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SF", actor=system_actor).shipments[0]
    with pytest.raises(WaybillMissing) as exc:
        selectors.printable_shipments([shipment.pk], need_waybill=True)
    assert exc.value.status == 409 and exc.value.detail["shipments"] == [shipment.number]
    assert order.number in "".join(pages(printing.picking_list_pdf(selectors.printable_shipments([shipment.pk]))))
    with pytest.raises(ShipmentNotFound):
        selectors.printable_shipments([shipment.pk, 999999])
    with pytest.raises(InvalidPrintRequest):
        selectors.printable_shipments([])


def test_internal_carrier_label_uses_the_order_number(floor, system_actor):
    order = floor.allocated()
    shipment = services.create_shipments(order_id=order.pk, carrier="SAMECITY", actor=system_actor).shipments[0]
    [text] = pages(printing.waybill_labels_pdf(selectors.printable_shipments([shipment.pk], need_waybill=True)))
    assert "同城配送" in text and f"运单号 {order.number}" in text
