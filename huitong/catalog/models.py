"""The product master: brands, a category tree, products (SPU) and their SKUs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huitong.core.money import fen_to_yuan

CODE_MAX_LENGTH = 64
CATEGORY_PATH_SEPARATOR = "/"


class Brand(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("品牌")
        verbose_name_plural = _("品牌")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="catalog_brand_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the category tree. ``path`` ("茶叶/绿茶") is the full path, kept by the services."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    path = models.CharField(_("完整路径"), max_length=255, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="catalog_category_name_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="catalog_category_root_name_unique"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="catalog_category_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.path or self.name


class Product(models.Model):
    """SPU (商品): what a customer thinks of as one product; sold as one or more SKUs."""

    spu_code = models.CharField(_("商品编码"), max_length=CODE_MAX_LENGTH, unique=True)
    name = models.CharField(_("商品名称"), max_length=200)
    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("品牌"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("分类"),
    )
    description = models.TextField(_("描述"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(spu_code=""), name="catalog_product_spu_code_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="catalog_product_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.spu_code} {self.name}"


ATTRIBUTE_ORDER = {"规格": 0, "颜色": 1, "尺码": 2}


def sku_display_name(product_name: str, attributes: dict | None) -> str:
    """``Sku.display_name`` from its parts (for reads that skip model instances)."""
    attributes = attributes or {}
    keys = sorted(attributes, key=lambda k: (ATTRIBUTE_ORDER.get(k, len(ATTRIBUTE_ORDER)), k))
    values = [str(attributes[k]) for k in keys if str(attributes[k])]
    return " / ".join([product_name, *values])


class Sku(models.Model):
    """SKU (规格): one sellable variant with its own code (商家编码), barcode, price and cost."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="skus", verbose_name=_("商品")
    )
    code = models.CharField(_("商家编码"), max_length=CODE_MAX_LENGTH, unique=True)
    barcode = models.CharField(_("条码"), max_length=14, blank=True, default="")
    attributes = models.JSONField(_("规格属性"), default=dict, blank=True)
    price_fen = models.BigIntegerField(_("售价(分)"))
    cost_fen = models.BigIntegerField(_("成本价(分)"), default=0)
    weight_g = models.PositiveIntegerField(_("重量(克)"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["barcode"], condition=~Q(barcode=""), name="catalog_sku_barcode_unique"
            ),
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="catalog_sku_price_non_negative"),
            models.CheckConstraint(condition=Q(cost_fen__gte=0), name="catalog_sku_cost_non_negative"),
            models.CheckConstraint(condition=~Q(code=""), name="catalog_sku_code_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """Product name and attribute values: "西湖龙井 / 250g / 罐装". Attributes in a fixed order
        (规格, 颜色, 尺码, then the rest by name): PostgreSQL's jsonb does not keep key order."""
        return sku_display_name(self.product.name, self.attributes)

    @property
    def price_yuan(self) -> str:
        return str(fen_to_yuan(self.price_fen))
