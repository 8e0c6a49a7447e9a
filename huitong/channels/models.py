from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huitong.core.crypto import EncryptedTextField


class Platform(models.TextChoices):
    """Where a store sells. Platform names match the connector registry (integrations)."""

    WEB_MALL = "web_mall", _("自营商城")
    POS = "pos", _("线下门店 POS")
    TAOBAO = "taobao", _("淘宝/天猫")
    JD = "jd", _("京东")
    PINDUODUO = "pinduoduo", _("拼多多")
    DOUYIN = "douyin", _("抖店")
    YOUZAN = "youzan", _("有赞")
    SHOPIFY = "shopify", _("Shopify")
    WOOCOMMERCE = "woocommerce", _("WooCommerce")


# Channels Huitong itself runs: no platform to pull from or push to.
OWN_CHANNELS = {Platform.WEB_MALL, Platform.POS}


class ChannelStore(models.Model):
    """One shop on one channel: the own web mall, a POS till's store, later each platform shop."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=30, choices=Platform.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    # JSON of the platform credentials (app key/secret, tokens), encrypted at rest; never shown in full.
    credentials = EncryptedTextField(_("平台凭证"), blank=True)
    shipment_confirm_delay_minutes = models.PositiveIntegerField(
        _("发货回传延迟(分钟)"), default=0, help_text=_("发货后等待多久再回传平台(给拦截留时间)"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("渠道店铺")
        verbose_name_plural = _("渠道店铺")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(platform__in=Platform.values), name="channels_store_platform_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"


class SkuMapping(models.Model):
    """A platform listing (item + SKU, or a merchant code) → what Huitong ships for one unit of it:
    one SKU, or a bundle (组合商品) of several SKUs with quantities (``components``)."""

    store = models.ForeignKey(ChannelStore, on_delete=models.CASCADE, related_name="sku_mappings")
    platform_item_id = models.CharField(_("平台商品 ID"), max_length=64, blank=True)
    platform_sku_id = models.CharField(_("平台 SKU ID"), max_length=64, blank=True)
    merchant_code = models.CharField(_("商家编码"), max_length=64, blank=True)
    auto_matched = models.BooleanField(_("自动匹配"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品对应")
        verbose_name_plural = _("商品对应")
        constraints = [
            models.UniqueConstraint(fields=["store", "platform_item_id", "platform_sku_id", "merchant_code"],
                                    name="channels_mapping_listing_unique"),
            models.CheckConstraint(condition=~Q(platform_item_id="", platform_sku_id="", merchant_code=""),
                                   name="channels_mapping_has_key"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.platform_item_id}/{self.platform_sku_id}/{self.merchant_code}"


class MappingComponent(models.Model):
    mapping = models.ForeignKey(SkuMapping, on_delete=models.CASCADE, related_name="components")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("每件数量"), default=1)

    class Meta:
        verbose_name = _("组合明细")
        verbose_name_plural = _("组合明细")
        constraints = [
            models.UniqueConstraint(fields=["mapping", "sku"], name="channels_component_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="channels_component_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class PublicationRule(models.Model):
    """How much stock a store publishes (库存同步规则): for the whole store (``sku`` empty) or one SKU.

    published = floor(max(0, available − safety stock − others' locks) × percent / 100 + plus),
    capped at ``maximum``; below ``minimum`` the listing publishes 0 (and is delisted when
    ``delist_below_minimum``). ``locked`` units are set aside for this store's campaign: other
    stores do not see them. ``location_ids`` empty = every active location counts."""

    store = models.ForeignKey(ChannelStore, on_delete=models.CASCADE, related_name="publication_rules")
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    location_ids = models.JSONField(_("计入库位"), default=list, blank=True)
    percent = models.PositiveIntegerField(_("同步比例(%)"), default=100)
    plus = models.IntegerField(_("附加数量"), default=0)
    minimum = models.PositiveIntegerField(_("最小值"), default=0)
    maximum = models.PositiveIntegerField(_("最大值"), null=True, blank=True)
    delist_below_minimum = models.BooleanField(_("低于最小值自动下架"), default=False)
    locked = models.PositiveIntegerField(_("活动锁定数量"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("库存同步规则")
        verbose_name_plural = _("库存同步规则")
        constraints = [
            models.UniqueConstraint(fields=["store"], condition=Q(sku__isnull=True), name="channels_rule_store_unique"),
            models.UniqueConstraint(fields=["store", "sku"], condition=Q(sku__isnull=False),
                                    name="channels_rule_store_sku_unique"),
            models.CheckConstraint(condition=Q(percent__lte=1000), name="channels_rule_percent_sane"),
            models.CheckConstraint(condition=Q(maximum__isnull=True) | Q(maximum__gte=F("minimum")),
                                   name="channels_rule_max_above_min"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.sku_id or '*'}: {self.percent}% +{self.plus}"
