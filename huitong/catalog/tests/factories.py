"""Catalog factories. SKU barcodes are valid EAN-13s (check digit from stdnum)."""

import factory
from stdnum import ean

from huitong.catalog.models import Brand, Category, Product, Sku


def ean13(n: int, prefix: str = "690") -> str:
    body = f"{prefix}{n:09d}"
    return body + ean.calc_check_digit(body)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"品牌{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    """A root category; pass ``parent=`` for a child (``path`` follows)."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.name}" if o.parent else o.name)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    spu_code = factory.Sequence(lambda n: f"SPU{n:05d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    brand = factory.SubFactory(BrandFactory)
    category = factory.SubFactory(CategoryFactory)
    description = ""


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"SKU{n:05d}")
    # Prefix 691 for generated barcodes: tests that type a barcode use ean13(n) (690…) and never collide.
    barcode = factory.Sequence(lambda n: ean13(n, prefix="691"))
    attributes = factory.LazyFunction(lambda: {"规格": "250g"})
    price_fen = 8880
    cost_fen = 5000
    weight_g = 300
