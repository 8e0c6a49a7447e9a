"""Seed the demo business 山茗堂 (tea, teaware, specialty food) through the services.

``seed_demo()`` is idempotent: staff accounts are upserted, the catalog is created where missing
(by product and SKU code), and the business part (locations, stock, channel stores, order history)
runs only when none of the demo channel stores exists yet. Everything runs in one transaction, so
an interrupted seed leaves nothing half-done behind.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from huitong.accounts import services as accounts
from huitong.catalog import selectors as catalog_selectors
from huitong.catalog import services as catalog
from huitong.channels import selectors as channel_selectors
from huitong.channels import services as channels
from huitong.channels.models import Platform
from huitong.core.actors import Actor
from huitong.core.permissions import Role
from huitong.demo.catalog_data import DemoProduct, DemoSku, demo_products
from huitong.demo.offers import seed_offers
from huitong.demo.simulation import Simulation, Site
from huitong.inventory import selectors as inventory_selectors
from huitong.inventory import services as inventory
from huitong.inventory.models import LocationKind
from huitong.orders import services as orders

PASSWORD_FILE = "demo_admin_password"
ADMIN_USERNAME = "admin"

# username → (display name, roles); "admin" is also the superuser
STAFF: dict[str, tuple[str, list[str]]] = {
    ADMIN_USERNAME: ("系统管理员", [Role.ADMIN]),
    "operator": ("运营 · 林晓", [Role.OPERATOR]),
    "warehouse": ("仓管 · 王强", [Role.WAREHOUSE]),
    "customer_service": ("客服 · 陈静", [Role.CUSTOMER_SERVICE]),
    "finance": ("财务 · 赵敏", [Role.FINANCE]),
}

# code, name, kind, province, city, district, address, priority, replenished from (stores)
LOCATIONS: list[tuple[str, str, str, str, str, str, str, int, str]] = [
    ("HZ-WH", "杭州仓", LocationKind.WAREHOUSE, "浙江省", "杭州市", "余杭区", "仓前街道良睦路1399号 山茗堂物流中心", 10, ""),
    ("GZ-WH", "广州仓", LocationKind.WAREHOUSE, "广东省", "广州市", "白云区", "太和镇广从七路88号 3号库", 20, ""),
    ("HZ-S01", "杭州西湖店", LocationKind.STORE, "浙江省", "杭州市", "西湖区", "龙井路18号", 100, "HZ-WH"),
    ("SH-S01", "上海静安店", LocationKind.STORE, "上海市", "上海市", "静安区", "南京西路1266号 2楼", 100, "HZ-WH"),
    ("GZ-S01", "广州天河店", LocationKind.STORE, "广东省", "广州市", "天河区", "天河路208号 B1层", 100, "GZ-WH"),
]
WEB_STORE = "SMT-WEB"
# channel store code, name, platform, fulfilled from, share of the shops' orders
CHANNEL_STORES: list[tuple[str, str, str, list[str], float]] = [
    (WEB_STORE, "山茗堂官方商城", Platform.WEB_MALL, ["HZ-WH", "GZ-WH"], 0.0),
    ("SMT-POS-HZ01", "杭州西湖店 POS", Platform.POS, ["HZ-S01"], 0.45),
    ("SMT-POS-SH01", "上海静安店 POS", Platform.POS, ["SH-S01"], 0.35),
    ("SMT-POS-GZ01", "广州天河店 POS", Platform.POS, ["GZ-S01"], 0.20),
]


@dataclass(frozen=True)
class SeedReport:
    admin_username: str
    admin_password: str
    products_created: int
    skus_created: int
    business_seeded: bool
    orders_created: int
    orders_by_status: dict[str, int]
    restocks: int
    members: int = 0
    coupons_issued: int = 0
    flash_sale_id: int | None = None


def seed_demo(
    *, days: int = 90, orders_per_day: float = 24, seed: int = 20240917, progress: bool = False,
) -> SeedReport:
    """Seed (or top up) the demo business; see the module docstring."""
    password = demo_password()
    with transaction.atomic():
        users = seed_staff(password=password)
        products, skus = seed_catalog(actor=Actor.of_user(users[ADMIN_USERNAME]))
        result = None
        if not _business_exists():
            sites = seed_sites()
            simulation = Simulation(
                sites=sites, products=demo_products(), users=users, seed=seed, orders_per_day=orders_per_day,
            )
            result = simulation.run(days=days, progress=progress)
            web = next(site for site in sites if site.web)
            offers = seed_offers(actor=Actor.of_user(users[ADMIN_USERNAME]), web_store_id=web.store_id,
                                 web_location_id=web.location_ids[0])
    return SeedReport(
        admin_username=ADMIN_USERNAME, admin_password=password, products_created=products, skus_created=skus,
        business_seeded=result is not None, orders_created=result.orders if result else 0,
        orders_by_status=result.by_status if result else {}, restocks=result.restocks if result else 0,
        members=offers.members_scored if result else 0, coupons_issued=offers.coupons_issued if result else 0,
        flash_sale_id=offers.flash_sale_id if result else None,
    )


# --- staff --------------------------------------------------------------------------------------


def demo_password() -> str:
    """The demo staff password: generated once, kept (0600) in ``$HUITONG_DATA_DIR/demo_admin_password``."""
    path = Path(settings.DATA_DIR) / PASSWORD_FILE
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password


def seed_staff(*, password: str) -> dict:
    """The admin superuser and one user per role, all with the demo password (upserted)."""
    return {
        username: accounts.create_staff_user(
            username=username, password=password, roles=roles, display_name=display_name,
            superuser=username == ADMIN_USERNAME,
        )
        for username, (display_name, roles) in STAFF.items()
    }


# --- catalog ------------------------------------------------------------------------------------


def seed_catalog(*, actor: Actor) -> tuple[int, int]:
    """Create the demo products and SKUs that do not exist yet; returns (products, SKUs) created."""
    existing_products = set(
        catalog_selectors.list_products().prefetch_related(None).values_list("spu_code", flat=True)
    )
    existing_skus = set(catalog_selectors.list_skus().values_list("code", flat=True))
    products = skus = 0
    for product in reversed(demo_products()):  # the shop lists newest first: teas on top
        missing = [sku for sku in product.skus if sku.code not in existing_skus]
        if product.spu_code not in existing_products:
            _create_product(product, actor=actor)
            products += 1
            skus += len(product.skus)
        elif missing:
            product_id = _product_id(product.spu_code)
            for sku in missing:
                catalog.add_sku(product_id=product_id, sku=_spec(sku), actor=actor)
            skus += len(missing)
    return products, skus


def _spec(sku: DemoSku) -> catalog.SkuSpec:
    return catalog.SkuSpec(
        code=sku.code, price_fen=sku.price_fen, cost_fen=sku.cost_fen, barcode=sku.barcode,
        attributes=dict(sku.attributes), weight_g=sku.weight_g,
    )


def _create_product(product: DemoProduct, *, actor: Actor) -> None:
    catalog.create_product(
        spu_code=product.spu_code, name=product.name, skus=[_spec(sku) for sku in product.skus], actor=actor,
        brand_name=product.brand, category_path=product.category, description=product.description,
    )


def _product_id(spu_code: str) -> int:
    return catalog_selectors.list_products().prefetch_related(None).get(spu_code=spu_code).pk


# --- locations, channel stores, opening stock ---------------------------------------------------


def _business_exists() -> bool:
    codes = [code for code, *_rest in CHANNEL_STORES]
    return channel_selectors.list_stores().filter(code__in=codes).exists()


def seed_sites() -> list[Site]:
    """Warehouses and shops, the channel stores that sell from them, and where each ships from."""
    existing = {loc.code: loc for loc in inventory_selectors.list_locations(active_only=False)}
    locations = {}
    for code, name, kind, province, city, district, address, priority, _source in LOCATIONS:
        locations[code] = existing.get(code) or inventory.create_location(
            code=code, name=name, kind=kind, province=province, city=city, district=district, address=address,
            priority=priority,
        )
    sources = {code: source for code, *_rest, source in LOCATIONS}
    sites = []
    for code, name, platform, location_codes, share in CHANNEL_STORES:
        store = channels.create_store(code=code, name=name, platform=platform)
        location_ids = [locations[c].pk for c in location_codes]
        orders.set_fulfillment_locations(store_id=store.pk, location_ids=location_ids)
        sites.append(Site(
            store_id=store.pk, code=code, web=platform == Platform.WEB_MALL, share=share,
            location_ids=location_ids,
            replenish_from={locations[c].pk: locations[sources[c]].pk for c in location_codes if sources[c]},
        ))
    return sites
