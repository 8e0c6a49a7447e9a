import csv
import io
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from huitong.channels.models import Platform
from huitong.channels.services import create_store
from huitong.core.actors import Actor
from huitong.integrations import order_files
from huitong.integrations.models import RawPayload
from huitong.integrations.order_files import BEIJING, OrderFileInvalid, OrderFileUnreadable, split_address
from huitong.inventory import services as inventory
from huitong.inventory.models import StockItem
from huitong.inventory.selectors import ledger_discrepancies
from huitong.orders.models import Order, OrderStatus
from huitong.orders.services import set_fulfillment_locations

ACTOR = Actor.system("order-file-test")

TAOBAO_HEADER = ["订单编号", "买家会员名", "总金额", "实付款", "邮费", "订单状态", "收货人姓名", "收货地址", "联系手机",
                 "订单创建时间", "订单付款时间", "宝贝标题", "商家编码", "购买数量", "价格", "买家留言", "订单备注"]
ADDRESS = "浙江省 杭州市 西湖区 文三路 1 号(310000)"


def tb_row(order_id, *, code="SKU-A", qty=2, price="10.00", paid="18.00", total="23.00", shipping="5.00",
           status="买家已付款", created="2026-11-11 10:00:00", paid_at="2026-11-11 10:05:00", remark=""):
    return [order_id, "tb_buyer", total, paid, shipping, status, "张三", ADDRESS, "138****0000", created, paid_at,
            f"商品 {code}", code, qty, price, remark, ""]


def csv_bytes(header, rows, encoding="utf-8-sig"):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(header, rows):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(store, name, content):
    return order_files.import_order_file(store_id=store.pk, file_name=name, content=content, actor=ACTOR)


def store_on(platform, wh, code):
    store = create_store(code=code, name=code, platform=platform, credentials={})
    set_fulfillment_locations(store_id=store.pk, location_ids=[wh.pk])
    return store


def reserved(sku, wh):
    return StockItem.objects.get(sku=sku, location=wh).reserved


@pytest.mark.django_db
def test_taobao_xlsx_groups_lines_maps_skus_and_holds_unmapped(tmall):
    store, wh, sku = tmall
    created, paid = datetime(2026, 11, 11, 10, 0), datetime(2026, 11, 11, 10, 5)
    rows = [  # xlsx cells as Excel holds them: numbers and datetimes, not text
        ["T100", "tb_buyer", 33, 18, 5, "买家已付款", "张三", ADDRESS, "138****0000", created, paid, "商品 A", "SKU-A",
         2, 10, "尽快发货", "VIP"],
        ["T100", "tb_buyer", 33, 10, 5, "买家已付款", "张三", ADDRESS, "138****0000", created, paid, "商品 A 单件",
         "SKU-A", 1, 10, "尽快发货", "VIP"],
        ["T101", "tb_other", 5.5, 5.5, 0, "等待卖家发货", "李四", "上海 上海市 浦东新区 世纪大道 100 号", "13900000000",
         created, paid, "未知商品", "NOPE-1", 1, 5.5, "", ""],
    ]
    outcomes = run(store, "orders.xlsx", xlsx_bytes(TAOBAO_HEADER, rows))
    assert [(o.platform_order_id, o.outcome, o.status, o.total_fen) for o in outcomes] == [
        ("T100", "new", OrderStatus.PAID, 3300), ("T101", "new", OrderStatus.PAID, 550)]
    order = Order.objects.get(external_id="T100")
    assert (order.subtotal_fen, order.discount_fen, order.shipping_fen, order.total_fen, order.paid_fen) == (
        3000, 200, 500, 3300, 3300)
    assert [(ln.sku_id, ln.quantity, ln.amount_fen) for ln in order.lines.order_by("line_no")] == [
        (sku.pk, 2, 1800), (sku.pk, 1, 1000)]
    assert (order.receiver_name, order.receiver_phone, order.province, order.city, order.district, order.address) == (
        "张三", "138****0000", "浙江省", "杭州市", "西湖区", "文三路 1 号")
    assert order.placed_at == datetime(2026, 11, 11, 10, 0, tzinfo=BEIJING)
    assert order.paid_at == datetime(2026, 11, 11, 10, 5, tzinfo=BEIJING)
    assert (order.buyer_nick, order.buyer_remark, order.seller_remark, order.platform_status) == (
        "tb_buyer", "尽快发货", "VIP", "买家已付款")
    assert order.hold_reasons == [] and reserved(sku, wh) == 3
    held = Order.objects.get(external_id="T101")
    assert [h["code"] for h in held.hold_reasons] == ["unmapped_sku"] and held.lines.get().sku_id is None
    assert (held.province, held.city, held.district, held.address) == ("上海市", "上海市", "浦东新区", "世纪大道 100 号")
    raw = RawPayload.objects.get(external_id="T100")
    assert raw.source == "file" and [r["row"] for r in raw.payload["rows"]] == [2, 3]


@pytest.mark.django_db
def test_taobao_gb18030_csv_twice_is_unchanged(tmall):
    store, wh, sku = tmall
    rows = [tb_row('="2026111100001"', created="2026/11/11 9:03", paid_at="2026/11/11 9:04"),
            tb_row('="2026111100002"', status="等待买家付款", paid_at="")]
    content = csv_bytes(TAOBAO_HEADER, rows, encoding="gb18030")
    first = run(store, "ExportOrderList.csv", content)
    assert [(o.platform_order_id, o.outcome, o.status) for o in first] == [
        ("2026111100001", "new", OrderStatus.PAID), ("2026111100002", "new", OrderStatus.PENDING_PAYMENT)]
    unpaid = Order.objects.get(external_id="2026111100002")
    assert unpaid.paid_at is None and unpaid.paid_fen == 0
    assert Order.objects.get(external_id="2026111100001").placed_at == datetime(2026, 11, 11, 9, 3, tzinfo=BEIJING)
    assert [o.outcome for o in run(store, "ExportOrderList.csv", content)] == ["unchanged", "unchanged"]
    assert Order.objects.count() == 2 and RawPayload.objects.count() == 2 and reserved(sku, wh) == 4


@pytest.mark.django_db
def test_a_later_export_with_a_further_status_is_applied(tmall):
    store, wh, sku = tmall
    run(store, "a.csv", csv_bytes(TAOBAO_HEADER, [tb_row("T200")]))
    later = run(store, "b.csv", csv_bytes(TAOBAO_HEADER, [tb_row("T200", status="卖家已发货")]))
    assert [(o.outcome, o.status) for o in later] == [("updated", OrderStatus.SHIPPED)]
    assert StockItem.objects.get(sku=sku, location=wh).on_hand == 8 and reserved(sku, wh) == 0


@pytest.mark.django_db
def test_jd_csv_spreads_the_order_discount(tmall):
    _store, wh, sku = tmall
    store = store_on(Platform.JD, wh, "JD1")
    header = ["订单号", "下单帐号", "客户姓名", "应付金额", "商品名称", "商品ID", "商家SKU", "订购数量", "京东价", "订单状态",
              "下单时间", "付款确认时间", "客户地址", "联系电话", "运费金额"]
    common = ["jd_buyer", "王五", "31.00"]
    tail = ["等待出库", "2026-11-11 08:00:00", "2026-11-11 08:01:00", "北京北京市朝阳区建国路 88 号", "186****1234", "6.00"]
    rows = [["J1", *common, "商品 A", "100001", "SKU-A", "2", "10.00", *tail],
            ["J1", *common, "商品 A", "100001", "SKU-A", "1", "10.00", *tail]]
    [outcome] = run(store, "jd.csv", csv_bytes(header, rows))
    order = Order.objects.get(external_id="J1")
    assert (outcome.outcome, order.status, order.buyer_nick, order.receiver_name) == (
        "new", OrderStatus.PAID, "jd_buyer", "王五")
    assert (order.subtotal_fen, order.discount_fen, order.shipping_fen, order.total_fen) == (3000, 500, 600, 3100)
    assert sum(ln.amount_fen for ln in order.lines.all()) == 2500
    assert (order.province, order.city, order.district, order.address) == ("北京市", "北京市", "朝阳区", "建国路 88 号")
    assert reserved(sku, wh) == 3


@pytest.mark.django_db
def test_pinduoduo_csv_with_address_columns_and_shop_discount(tmall):
    _store, wh, sku = tmall
    store = store_on(Platform.PINDUODUO, wh, "PDD1")
    header = ["订单号", "商品", "商品规格", "商家编码-SKU维度", "样式ID", "商品数量(件)", "商品总价(元)", "店铺优惠折扣(元)",
              "用户实付金额(元)", "快递费", "订单状态", "订单成交时间", "收货人", "手机", "省", "市", "区", "街道", "商家备注"]
    rows = [["P1", "商品 A", "红色", "SKU-A", "9001", "3", "30.00", "3.00", "27.00", "0", "待发货",
             "2026-11-11 12:00:00", "赵六", "150****9999", "广东省", "深圳市", "南山区", "科技园 1 栋", "送货前电话"]]
    [outcome] = run(store, "pdd.csv", csv_bytes(header, rows))
    order = Order.objects.get(external_id="P1")
    line = order.lines.get()
    assert (outcome.outcome, order.status, order.total_fen, order.paid_fen) == ("new", OrderStatus.PAID, 2700, 2700)
    assert (line.sku_id, line.quantity, line.unit_price_fen, line.discount_fen, line.amount_fen) == (
        sku.pk, 3, 1000, 300, 2700)
    assert (line.platform_sku_id, line.merchant_code) == ("9001", "SKU-A")
    assert order.paid_at == order.placed_at == datetime(2026, 11, 11, 12, 0, tzinfo=BEIJING)
    assert (order.province, order.city, order.district, order.address, order.seller_remark) == (
        "广东省", "深圳市", "南山区", "科技园 1 栋", "送货前电话")


@pytest.mark.django_db
def test_douyin_csv_totals_lines_plus_shipping(tmall):
    _store, wh, sku = tmall
    store = store_on(Platform.DOUYIN, wh, "DY1")
    header = ["主订单编号", "子订单编号", "选购商品", "商家编码", "商品数量", "商品单价", "订单应付金额", "运费", "订单状态",
              "订单提交时间", "支付完成时间", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址", "买家留言"]
    rows = [["D1", "D1-1", "商品 A", "SKU-A", "1", "10.00", "9.00", "3.00", "待发货", "2026-11-11 10:00:00",
             "2026-11-11 10:00:30", "孙七", "137****0000", "江苏省", "南京市", "玄武区", "玄武门街道", "北京东路 1 号", ""]]
    [outcome] = run(store, "dy.csv", csv_bytes(header, rows))
    order = Order.objects.get(external_id="D1")
    assert (outcome.outcome, order.total_fen, order.shipping_fen, order.lines.get().platform_line_id) == (
        "new", 1200, 300, "D1-1")
    assert order.address == "玄武门街道北京东路 1 号" and reserved(sku, wh) == 1


@pytest.mark.django_db
def test_bad_rows_are_all_reported_and_nothing_is_imported(tmall):
    store, wh, sku = tmall
    rows = [tb_row("B1"), tb_row("B2", paid="12.345"), tb_row("B3"), tb_row("B4", status="火星状态"), tb_row("B5")]
    with pytest.raises(OrderFileInvalid) as caught:
        run(store, "bad.csv", csv_bytes(TAOBAO_HEADER, rows, encoding="gb18030"))
    err = caught.value
    assert err.code == "order_file_invalid" and err.detail["error_count"] == 2
    assert [(r["row"], r["field"]) for r in err.detail["rows"]] == [(3, "实付款"), (5, "订单状态")]
    assert "12.345" in err.detail["rows"][0]["message"] and "火星状态" in err.detail["rows"][1]["message"]
    assert Order.objects.count() == 0 and RawPayload.objects.count() == 0 and reserved(sku, wh) == 0


@pytest.mark.django_db
def test_inconsistent_totals_and_order_columns_are_row_errors(tmall):
    store, _wh, _sku = tmall
    rows = [tb_row("C1", total="99.00"),  # lines 18.00 + postage 5.00 cannot make 99.00
            tb_row("C2", total="41.00"), tb_row("C2", status="卖家已发货", total="41.00")]
    with pytest.raises(OrderFileInvalid) as caught:
        run(store, "bad.csv", csv_bytes(TAOBAO_HEADER, rows))
    assert [(r["row"], r["field"]) for r in caught.value.detail["rows"]] == [(2, "总金额"), (4, "订单状态")]
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_missing_columns_are_reported_on_row_one(tmall):
    store, _wh, _sku = tmall
    header = [h for h in TAOBAO_HEADER if h not in ("订单状态", "价格")]
    with pytest.raises(OrderFileInvalid) as caught:
        run(store, "short.csv", csv_bytes(header, [["T1"] * len(header)]))
    rows = caught.value.detail["rows"]
    assert [(r["row"], r["field"]) for r in rows] == [(1, "订单状态"), (1, "价格")]
    assert "价格" in rows[1]["message"] and Order.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_files_and_own_channels_are_refused(tmall):
    store, wh, _sku = tmall
    with pytest.raises(OrderFileUnreadable):
        run(store, "orders.txt", b"hello")
    with pytest.raises(OrderFileUnreadable):
        run(store, "orders.csv", csv_bytes(TAOBAO_HEADER, []))
    with pytest.raises(OrderFileUnreadable):
        run(store_on(Platform.POS, wh, "POS1"), "orders.csv", csv_bytes(TAOBAO_HEADER, [tb_row("X")]))


@pytest.mark.django_db
def test_cli_prints_one_line_per_order_and_row_errors(tmall, tmp_path, capsys):
    good = tmp_path / "orders.csv"
    k2 = [tb_row("K2", total="33.00"), tb_row("K2", qty=1, paid="10.00", total="33.00")]
    good.write_bytes(csv_bytes(TAOBAO_HEADER, [tb_row("K1"), *k2], encoding="gb18030"))
    call_command("channels", "import-file", "TM1", str(good))
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["K1", "K2"] and all(ln.endswith("new") for ln in lines)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(TAOBAO_HEADER, [tb_row("K3"), tb_row("K4", qty="两")]))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("channels", "import-file", "TM1", str(bad))
    assert "第 3 行 [购买数量]" in capsys.readouterr().err and Order.objects.count() == 2


def test_every_platform_but_pos_has_a_layout_with_the_required_columns():
    assert set(order_files.LAYOUTS) == set(Platform.values) - {Platform.POS}
    for layout in order_files.LAYOUTS.values():
        columns = order_files.match_columns([names[0] for names in layout.values()], layout)
        assert set(columns) == set(layout)


def test_headers_match_with_full_width_parentheses_and_spaces():
    columns = order_files.match_columns(["订单号", "商品总价（元）", " 商品数量 (件) ", "订单状态", "订单成交时间", "商品"],
                                        order_files.PINDUODUO)
    assert columns["line_gross"] == (1, "商品总价（元）") and columns["quantity"][0] == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("浙江省 杭州市 西湖区 文三路 1 号(310000)", ("浙江省", "杭州市", "西湖区", "文三路 1 号")),
    ("浙江省杭州市西湖区文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("北京 北京市 朝阳区 建国路 88 号", ("北京市", "北京市", "朝阳区", "建国路 88 号")),
    ("重庆市万州区高笋塘 2 号", ("重庆市", "重庆市", "万州区", "高笋塘 2 号")),
    ("内蒙古自治区 锡林郭勒盟 锡林浩特市 团结路 3 号", ("内蒙古自治区", "锡林郭勒盟", "锡林浩特市", "团结路 3 号")),
    ("吉林省延边朝鲜族自治州延吉市光明街 5 号", ("吉林省", "延边朝鲜族自治州", "延吉市", "光明街 5 号")),
    ("广东省 东莞市 长安镇 振安路 8 号", ("广东省", "东莞市", "", "长安镇 振安路 8 号")),
    ("文三路 1 号", ("", "", "", "文三路 1 号")),
])
def test_split_address(text, expected):
    assert split_address(text) == expected


@pytest.mark.parametrize(("text", "state"), [
    ("等待买家付款", "pending_payment"), ("买家已付款", "paid"), ("等待卖家发货", "paid"), ("待发货", "paid"),
    ("卖家已发货", "shipped"), ("已发货，待收货", "shipped"), ("等待买家确认收货", "shipped"), ("交易成功", "completed"),
    ("已完成", "completed"), ("交易关闭", "cancelled"), ("交易关闭(买家取消)", "cancelled"), ("已取消", "cancelled"),
])
def test_status_texts(text, state):
    assert order_files.parse_status(text) == state


@pytest.mark.parametrize(("text", "fen"), [("88.80", 8880), ("¥1,024.5", 102450), ("0", 0)])
def test_money_in_yuan(text, fen):
    assert order_files.parse_money(text) == fen


@pytest.mark.parametrize("text", ["12.345", "abc", "NaN", "-1.00"])
def test_bad_money_is_refused(text):
    with pytest.raises(ValueError):
        order_files.parse_money(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-11 10:00:00", datetime(2026, 11, 11, 10, 0, 0)),
    ("2026/11/11 10:00:00", datetime(2026, 11, 11, 10, 0, 0)),
    ("2026-11-11T10:00:05", datetime(2026, 11, 11, 10, 0, 5)),
    ("2026-11-11 10:00", datetime(2026, 11, 11, 10, 0)),
    ("2026-11-11 10:00:00.25", datetime(2026, 11, 11, 10, 0, 0, 250000)),
    ("2026-11-11", datetime(2026, 11, 11)),
    ("2026-1-2 3:04:05", datetime(2026, 1, 2, 3, 4, 5)),
])
def test_parse_time_reads_export_times_as_beijing_time(text, expected):
    assert order_files.parse_time(text) == expected.replace(tzinfo=BEIJING)


@pytest.mark.parametrize("text", ["2026-13-11 10:00:00", "2026-11-11 25:00:00", "明天"])
def test_parse_time_refuses_what_is_not_a_time(text):
    with pytest.raises(order_files._CellError):
        order_files.parse_time(text)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_large_file_in_several_processes_imports_each_order_once_in_file_order(tmall, tmp_path, capsys):
    """350 orders (4 pages) over 3 forked workers, each page its own transaction: every order once, outcomes in
    file order, stock reserved exactly; the same file again (3 workers) changes nothing."""
    store, wh, sku = tmall
    inventory.receive_stock(sku_id=sku.pk, location_id=wh.pk, quantity=1000, reference="more", actor=ACTOR)
    ids = [f"P{n:04d}" for n in range(350)]
    path = tmp_path / "double11.csv"
    path.write_bytes(csv_bytes(TAOBAO_HEADER, [tb_row(i, qty=1, paid="10.00", total="15.00") for i in ids]))
    seen = []
    outcomes = order_files.import_order_file(store_id=store.pk, file_name=path.name, content=path.read_bytes(),
                                             actor=ACTOR, workers=3, progress=seen.append)
    assert [o.platform_order_id for o in outcomes] == ids and {o.outcome for o in outcomes} == {"new"}
    assert sorted(seen) == [50, 100, 100, 100]
    assert Order.objects.filter(store=store).count() == 350 and reserved(sku, wh) == 350
    assert len(set(Order.objects.filter(store=store).values_list("number", flat=True))) == 350
    call_command("channels", "import-file", "TM1", str(path), "--workers", "3")
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ids and all(ln.endswith("unchanged") for ln in lines)
    assert Order.objects.filter(store=store).count() == 350 and reserved(sku, wh) == 350
    assert ledger_discrepancies() == []
