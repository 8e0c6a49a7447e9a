from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from huitong.channels.models import ChannelStore
from huitong.orders.models import OrderLine


class PayloadField(models.JSONField):
    """A JSONField bulk-inserted as multi-row VALUES on PostgreSQL. In Django's UNNEST form psycopg builds
    a jsonb[] literal in Python and escapes every quote of every payload: a page of 100 platform orders took
    about 19 ms instead of 7. Same column and migrations as a JSONField."""

    def get_placeholder(self, value, compiler, connection):
        return "%s"

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class RawPayload(models.Model):
    """Every distinct platform payload received (pull page order, push message, file row), kept for
    audit and replay. The same payload twice is stored once (digest)."""

    store = models.ForeignKey("channels.ChannelStore", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("来源"), max_length=20)  # pull, push, json, file
    external_id = models.CharField(_("平台订单号"), max_length=64, blank=True, db_index=True)
    digest = models.CharField(max_length=64)
    payload = PayloadField(_("内容"), encoder=DjangoJSONEncoder)  # spreadsheet rows carry dates
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("平台原始报文")
        verbose_name_plural = _("平台原始报文")
        constraints = [models.UniqueConstraint(fields=["store", "digest"], name="integrations_raw_digest_unique")]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.source}:{self.external_id}"


class PullCursor(models.Model):
    """Up to when a store's orders have been pulled completely (the next pull starts here)."""

    store = models.OneToOneField("channels.ChannelStore", on_delete=models.CASCADE, related_name="+")
    pulled_until = models.DateTimeField(_("已拉取至"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("拉单游标")
        verbose_name_plural = _("拉单游标")

    def __str__(self) -> str:
        return f"{self.store_id} → {self.pulled_until:%Y-%m-%d %H:%M:%S}"


class PullLog(models.Model):
    store = models.ForeignKey("channels.ChannelStore", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("开始"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束"), null=True, blank=True)
    window_start = models.DateTimeField(_("窗口起"))
    window_end = models.DateTimeField(_("窗口止"))
    pages = models.PositiveIntegerField(_("页数"), default=0)
    new = models.PositiveIntegerField(_("新订单"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    ok = models.BooleanField(_("成功"), default=False)

    class Meta:
        verbose_name = _("拉单日志")
        verbose_name_plural = _("拉单日志")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.store_id} {self.window_start:%m-%d %H:%M}–{self.window_end:%m-%d %H:%M}"


class ListingStock(models.Model):
    """What was last published for a platform listing (so unchanged numbers are not pushed again)."""

    mapping = models.OneToOneField("channels.SkuMapping", on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField(_("已发布数量"))
    delisted = models.BooleanField(_("已下架"), default=False)
    pushed_at = models.DateTimeField(_("推送时间"))

    class Meta:
        verbose_name = _("平台库存")
        verbose_name_plural = _("平台库存")

    def __str__(self) -> str:
        return f"{self.mapping_id}: {self.quantity}"


class PushLog(models.Model):
    """Every push to a platform: stock levels (with the rule and numbers behind them) and shipment
    confirmations; failures too, with the error (the outbox keeps retrying them)."""

    class Kind(models.TextChoices):
        STOCK = "stock", _("库存")
        SHIPMENT = "shipment", _("发货回传")

    store = models.ForeignKey("channels.ChannelStore", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("对象"), max_length=100)
    quantity = models.IntegerField(_("数量"), null=True, blank=True)
    ok = models.BooleanField(_("成功"))
    error = models.TextField(_("错误"), blank=True)
    details = models.JSONField(_("依据"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("推送日志")
        verbose_name_plural = _("推送日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} {'ok' if self.ok else 'failed'}"


class PlatformStore(ChannelStore):
    """The channel store seen from the integration side (console: sync status, pull now)."""

    class Meta:
        proxy = True
        verbose_name = _("平台店铺同步")
        verbose_name_plural = _("平台店铺同步")


class UnmappedLine(OrderLine):
    """Order lines whose platform listing maps to no SKU yet (console queue)."""

    class Meta:
        proxy = True
        verbose_name = _("未对应商品")
        verbose_name_plural = _("未对应商品")
