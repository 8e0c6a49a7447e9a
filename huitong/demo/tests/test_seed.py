"""The demo seeder: idempotent, consistent stock, a believable business."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from stdnum import ean

from huitong.catalog import services as catalog
from huitong.catalog.models import Brand, Category, Product, Sku
from huitong.channels.models import ChannelStore, Platform
from huitong.core.actors import Actor
from huitong.core.models import AuditEntry, OutboxMessage
from huitong.demo.catalog_data import demo_products
from huitong.demo.seed import PASSWORD_FILE, seed_catalog, seed_demo
from huitong.inventory.models import Location, LocationKind, Reservation, StockItem, StockMovement
from huitong.inventory.selectors import ledger_discrepancies
from huitong.orders.models import Order, OrderLine, OrderStatus, StoreLocation
from huitong.payments.models import Payment

SMALL = {"days": 5, "orders_per_day": 6}
MODELS = [Brand, Category, Product, Sku, Location, StockItem, StockMovement, Reservation, ChannelStore,
          StoreLocation, Order, OrderLine, Payment, AuditEntry, OutboxMessage, get_user_model()]


@pytest.fixture(autouse=True)
def _demo_settings(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_seeding_twice_changes_nothing_the_second_time(tmp_path):
    first = seed_demo(**SMALL)
    counts = _counts()

    second = seed_demo(**SMALL)

    assert _counts() == counts
    assert first.business_seeded and first.orders_created == counts["orders.Order"] > 0
    assert (second.products_created, second.skus_created, second.business_seeded, second.orders_created) == (0, 0, False, 0)
    assert second.admin_password == first.admin_password == (tmp_path / PASSWORD_FILE).read_text().strip()
    assert ledger_discrepancies() == []


@pytest.mark.django_db
def test_seed_builds_a_believable_business(tmp_path):
    report = seed_demo(**SMALL)

    assert report.skus_created == Sku.objects.count() >= 150
    barcodes = list(Sku.objects.values_list("barcode", flat=True))
    assert all(b.startswith("69") and len(b) == 13 and ean.is_valid(b) for b in barcodes)
    assert len(set(barcodes)) == len(barcodes)
    assert not Sku.objects.filter(cost_fen__gte=F("price_fen")).exists()
    paths = set(Category.objects.values_list("path", flat=True))
    assert {"茶叶/绿茶", "茶叶/乌龙茶", "茶叶/红茶", "茶叶/普洱", "茶具", "特产/糕点", "特产/干货"} <= paths
    assert Location.objects.filter(kind=LocationKind.WAREHOUSE).count() == 2
    assert Location.objects.filter(kind=LocationKind.STORE).count() == 3
    web = ChannelStore.objects.get(platform=Platform.WEB_MALL)
    assert set(StoreLocation.objects.filter(store=web).values_list("location__kind", flat=True)) == {"warehouse"}
    for pos in ChannelStore.objects.filter(platform=Platform.POS):
        assert list(StoreLocation.objects.filter(store=pos).values_list("location__kind", flat=True)) == ["store"]
    pos_orders = Order.objects.filter(store__platform=Platform.POS)
    assert pos_orders.exists() and not pos_orders.exclude(status=OrderStatus.COMPLETED).exists()
    assert set(Payment.objects.filter(reference__in=pos_orders.values("number"))
               .values_list("method", flat=True)) == {"cash"}
    web_order = Order.objects.filter(store=web).first()
    assert web_order.receiver_name and len(web_order.receiver_phone) == 11 and web_order.province
    assert Order.objects.filter(status=OrderStatus.COMPLETED).exists()
    assert Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).exists()
    assert ledger_discrepancies() == []
    # one member per web buyer; completed web orders earned points; segments, promotions, a live flash sale
    from huitong.loyalty import selectors as loyalty
    from huitong.members.models import MemberRfm

    assert not Order.objects.filter(store=web, customer__isnull=True).exists()
    earned = Order.objects.filter(store=web, status=OrderStatus.COMPLETED).values_list("customer_id", flat=True)
    assert all(loyalty.points_balance(cid) > 0 for cid in set(earned))
    assert loyalty.ledger_discrepancies() == []
    assert report.members == MemberRfm.objects.count()
    assert report.flash_sale_id is not None


@pytest.mark.django_db
def test_staff_accounts_share_the_generated_password(tmp_path):
    report = seed_demo(**SMALL)

    users = get_user_model().objects.in_bulk(field_name="username")
    assert users["admin"].is_superuser and users["admin"].check_password(report.admin_password)
    for role in ("operator", "warehouse", "customer_service", "finance"):
        assert users[role].is_staff and not users[role].is_superuser
        assert list(users[role].groups.values_list("name", flat=True)) == [role]
        assert users[role].check_password(report.admin_password)


@pytest.mark.django_db
def test_catalog_part_adds_only_what_is_missing(system_actor):
    first = demo_products()[0]
    sku = first.skus[0]
    catalog.create_product(
        spu_code=first.spu_code, name=first.name, actor=system_actor,
        skus=[catalog.SkuSpec(code=sku.code, price_fen=sku.price_fen, barcode=sku.barcode)],
    )

    products, skus = seed_catalog(actor=Actor.system("test"))

    total = sum(len(p.skus) for p in demo_products())
    assert (products, skus) == (len(demo_products()) - 1, total - 1)
    assert Sku.objects.count() == total
    assert Product.objects.get(spu_code=first.spu_code).skus.count() == len(first.skus)


@pytest.mark.django_db
def test_demo_command_prepares_and_prints_the_login(tmp_path):
    out = StringIO()

    call_command("demo", "--no-serve", "--no-progress", "--days", "2", "--orders-per-day", "4", stdout=out)

    text = out.getvalue()
    password = (tmp_path / PASSWORD_FILE).read_text().strip()
    for expected in ("http://127.0.0.1:8000/", "/admin/", "/api/v1/docs", "/api/v1/openapi.json",
                     f"admin / {password}"):
        assert expected in text
    assert Order.objects.exists()
