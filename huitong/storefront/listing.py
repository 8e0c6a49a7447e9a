"""What a shopper sees of a product: its active SKUs with price and available stock.

``product_cards()`` reads the stock of every SKU on the page in one query (no query per product).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from huitong.catalog.models import Product, Sku
from huitong.inventory import selectors as inventory_selectors

LOW_STOCK = 10  # "仅剩 N 件" at or below this


class StockLevel:
    IN_STOCK = "in"
    LOW = "low"
    OUT = "out"


def stock_level(available: int) -> str:
    if available <= 0:
        return StockLevel.OUT
    return StockLevel.LOW if available <= LOW_STOCK else StockLevel.IN_STOCK


@dataclass(frozen=True)
class Offer:
    sku: Sku
    available: int

    @property
    def level(self) -> str:
        return stock_level(self.available)

    @property
    def spec(self) -> str:
        """The SKU's attribute values ("250g / 礼盒"), or its code when it has none."""
        return " / ".join(str(v) for v in (self.sku.attributes or {}).values() if str(v)) or self.sku.code


@dataclass(frozen=True)
class ProductCard:
    product: Product
    offers: list[Offer]

    @property
    def min_price_fen(self) -> int | None:
        return min((offer.sku.price_fen for offer in self.offers), default=None)

    @property
    def has_price_range(self) -> bool:
        return len({offer.sku.price_fen for offer in self.offers}) > 1

    @property
    def available(self) -> int:
        return sum(max(offer.available, 0) for offer in self.offers)

    @property
    def level(self) -> str:
        return stock_level(self.available)


def product_cards(products: Iterable[Product]) -> list[ProductCard]:
    """Cards for products loaded with their SKUs (``catalog.selectors.list_products``/``get_product``)."""
    products = list(products)
    skus = {p.pk: [sku for sku in p.skus.all() if sku.is_active] for p in products}
    available = inventory_selectors.available_by_sku(sku.pk for group in skus.values() for sku in group)
    return [
        ProductCard(product=p, offers=[Offer(sku=sku, available=available.get(sku.pk, 0)) for sku in skus[p.pk]])
        for p in products
    ]
