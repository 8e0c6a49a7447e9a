"""Points (积分), stored value (储值) and gift cards (礼品卡): each an account with a balance column that
changes only by conditional UPDATE, next to an append-only ledger (database triggers refuse UPDATE and
DELETE on the ledger tables) whose sum always equals the balance."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PointsKind(models.TextChoices):
    EARN = "earn", _("消费获得")
    REDEEM = "redeem", _("抵现使用")
    RETURN = "return", _("退还抵现积分")
    EXPIRE = "expire", _("过期")
    CLAWBACK = "clawback", _("退款扣回")
    SETTLE_DEBT = "settle_debt", _("抵扣欠分")
    ADJUST = "adjust", _("人工调整")
    MERGE_IN = "merge_in", _("会员合并转入")
    MERGE_OUT = "merge_out", _("会员合并转出")


class PointsAccount(models.Model):
    """One per member. ``balance`` = sum of the ledger = sum of the lots' remaining points. ``debt`` is
    points clawed back on a refund that the member had already spent: later earnings settle it first."""

    customer = models.OneToOneField(
        "members.Customer", on_delete=models.PROTECT, related_name="points_account", verbose_name=_("会员")
    )
    balance = models.BigIntegerField(_("积分余额"), default=0)
    debt = models.BigIntegerField(_("欠分"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("已合并到")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="loyalty_points_balance_non_negative"),
            models.CheckConstraint(condition=Q(debt__gte=0), name="loyalty_points_debt_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class PointsEntry(models.Model):
    """The append-only points ledger. ``reference`` is the idempotency key per kind (order number for
    earn/redeem, refund number for clawback, ...); ``source_reference`` names the earning or redemption
    a clawback or return belongs to. ``amount_fen`` is the money behind the entry (paid, refunded,
    redeemed value)."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=20, choices=PointsKind.choices)
    points = models.BigIntegerField(_("积分"))
    reference = models.CharField(_("业务单号"), max_length=100)
    source_reference = models.CharField(_("原单号"), max_length=100, blank=True, db_index=True)
    amount_fen = models.BigIntegerField(_("金额(分)"), default=0)
    shortfall = models.BigIntegerField(_("欠分"), default=0)
    store_id = models.BigIntegerField(_("店铺"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference"], name="loyalty_points_entry_kind_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PointsKind.values), name="loyalty_points_entry_kind_valid"
            ),
            # Clawbacks and returns may round to zero points: they are still recorded, so the refunded or
            # returned money adds up towards the next whole point.
            models.CheckConstraint(
                condition=~Q(points=0) | Q(shortfall__gt=0) | Q(kind__in=["clawback", "return"]),
                name="loyalty_points_entry_non_zero",
            ),
            models.CheckConstraint(
                condition=Q(shortfall__gte=0), name="loyalty_points_entry_shortfall_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["account", "-id"], name="loyalty_pe_account_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d} {self.reference}"


class PointsLot(models.Model):
    """Points that expire together (earned in year Y: end of Y+1). Redeem, expiry and clawback consume
    lots oldest-expiring first; ``remaining`` changes only by conditional UPDATE."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="lots")
    entry = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="+")
    points = models.BigIntegerField(_("入账积分"))
    remaining = models.BigIntegerField(_("剩余积分"))
    earned_at = models.DateTimeField(_("获得时间"))
    expires_at = models.DateTimeField(_("过期时间"))

    class Meta:
        verbose_name = _("积分批次")
        verbose_name_plural = _("积分批次")
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("points")),
                name="loyalty_points_lot_remaining_within_points",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "expires_at", "id"], name="loyalty_lot_fifo_idx"),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="loyalty_lot_due_idx"),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining}/{self.points} → {self.expires_at:%Y-%m-%d}"


class LotUse(models.Model):
    """Append-only: which lots an entry took points from (and how many), so it can be audited and undone."""

    entry = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="lot_uses")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="uses")
    points = models.BigIntegerField(_("积分"))

    class Meta:
        verbose_name = _("批次扣减")
        verbose_name_plural = _("批次扣减")
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_lot_use_positive")]

    def __str__(self) -> str:
        return f"entry {self.entry_id} ← lot {self.lot_id}: {self.points}"


class EarnRule(models.Model):
    """Points per yuan paid, for one store, for every store of a platform, or the default (neither).
    The most specific active rule wins (store › platform › default); with none, 1 point per yuan."""

    name = models.CharField(_("名称"), max_length=100)
    store = models.ForeignKey(
        "channels.ChannelStore",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("店铺"),
    )
    platform = models.CharField(_("平台"), max_length=30, blank=True)
    points_per_yuan = models.DecimalField(_("每元积分"), max_digits=8, decimal_places=2, default=1)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_per_yuan__gte=0), name="loyalty_earn_rule_rate_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(store__isnull=True) | Q(platform=""), name="loyalty_earn_rule_one_scope"
            ),
            models.UniqueConstraint(
                fields=["store"], condition=Q(store__isnull=False), name="loyalty_earn_rule_store_unique"
            ),
            models.UniqueConstraint(
                fields=["platform"],
                condition=Q(store__isnull=True) & ~Q(platform=""),
                name="loyalty_earn_rule_platform_unique",
            ),
            models.UniqueConstraint(
                fields=["platform"],
                condition=Q(store__isnull=True, platform=""),
                name="loyalty_earn_rule_default_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RedeemConfig(models.Model):
    """The single settings row (pk=1): ``points_per_yuan`` points are worth one yuan; one order may be
    paid with points up to ``max_share_percent`` of its total, in multiples of ``step``."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    points_per_yuan = models.PositiveIntegerField(_("每元所需积分"), default=100)
    max_share_percent = models.PositiveSmallIntegerField(_("最高抵扣比例(%)"), default=50)
    step = models.PositiveIntegerField(_("抵扣步长(积分)"), default=100)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("积分抵现设置")
        verbose_name_plural = _("积分抵现设置")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="loyalty_redeem_config_singleton"),
            models.CheckConstraint(
                condition=Q(points_per_yuan__gt=0), name="loyalty_redeem_config_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_share_percent__lte=100), name="loyalty_redeem_config_share_le_100"
            ),
            models.CheckConstraint(condition=Q(step__gt=0), name="loyalty_redeem_config_step_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.points_per_yuan} 积分 = 1 元, ≤{self.max_share_percent}%"


class StoredValueKind(models.TextChoices):
    TOP_UP = "top_up", _("充值")
    SPEND = "spend", _("消费")
    REFUND = "refund", _("退回")
    MERGE_IN = "merge_in", _("会员合并转入")
    MERGE_OUT = "merge_out", _("会员合并转出")


class StoredValueAccount(models.Model):
    customer = models.OneToOneField(
        "members.Customer", on_delete=models.PROTECT, related_name="stored_value", verbose_name=_("会员")
    )
    balance_fen = models.BigIntegerField(_("余额(分)"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("已合并到")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("储值账户")
        verbose_name_plural = _("储值账户")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_fen__gte=0), name="loyalty_stored_value_balance_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance_fen}"


class StoredValueEntry(models.Model):
    account = models.ForeignKey(StoredValueAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=20, choices=StoredValueKind.choices)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    reference = models.CharField(_("业务单号"), max_length=100)
    source_reference = models.CharField(_("原单号"), max_length=100, blank=True, db_index=True)
    actor_label = models.CharField(_("操作人"), max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("储值流水")
        verbose_name_plural = _("储值流水")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference"], name="loyalty_sv_entry_kind_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=StoredValueKind.values), name="loyalty_sv_entry_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(amount_fen=0), name="loyalty_sv_entry_non_zero"),
        ]
        indexes = [models.Index(fields=["account", "-id"], name="loyalty_sve_account_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen:+d} {self.reference}"


class GiftCardStatus(models.TextChoices):
    ACTIVE = "active", _("可用")
    EXHAUSTED = "exhausted", _("已用完")
    EXPIRED = "expired", _("已过期")
    VOID = "void", _("已作废")


class GiftCardBatch(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    face_value_fen = models.BigIntegerField(_("面值(分)"))
    quantity = models.PositiveIntegerField(_("数量"))
    expires_at = models.DateTimeField(_("过期时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("礼品卡批次")
        verbose_name_plural = _("礼品卡批次")
        constraints = [
            models.CheckConstraint(condition=Q(face_value_fen__gt=0), name="loyalty_gc_batch_face_positive")
        ]

    def __str__(self) -> str:
        return self.name


MAX_PIN_FAILURES = 5


class GiftCard(models.Model):
    """A numbered card with a balance. The PIN is kept only as a keyed hash; ``pin_failures`` reaching
    ``MAX_PIN_FAILURES`` locks the card until an admin unlocks it."""

    batch = models.ForeignKey(GiftCardBatch, on_delete=models.PROTECT, related_name="cards")
    card_no = models.CharField(_("卡号"), max_length=32, unique=True)
    pin_hash = models.CharField(max_length=64)
    face_value_fen = models.BigIntegerField(_("面值(分)"))
    balance_fen = models.BigIntegerField(_("余额(分)"))
    status = models.CharField(
        _("状态"), max_length=20, choices=GiftCardStatus.choices, default=GiftCardStatus.ACTIVE
    )
    expires_at = models.DateTimeField(_("过期时间"))
    pin_failures = models.PositiveSmallIntegerField(_("密码错误次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("礼品卡")
        verbose_name_plural = _("礼品卡")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_fen__gte=0) & Q(balance_fen__lte=F("face_value_fen")),
                name="loyalty_gift_card_balance_within_face",
            ),
            models.CheckConstraint(
                condition=Q(status__in=GiftCardStatus.values), name="loyalty_gift_card_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.card_no

    @property
    def locked(self) -> bool:
        return self.pin_failures >= MAX_PIN_FAILURES


class GiftCardKind(models.TextChoices):
    ISSUE = "issue", _("发卡")
    SPEND = "spend", _("消费")
    REFUND = "refund", _("退回")


class GiftCardEntry(models.Model):
    card = models.ForeignKey(GiftCard, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=20, choices=GiftCardKind.choices)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    reference = models.CharField(_("业务单号"), max_length=100)
    source_reference = models.CharField(_("原单号"), max_length=100, blank=True, db_index=True)
    actor_label = models.CharField(_("操作人"), max_length=150)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("礼品卡流水")
        verbose_name_plural = _("礼品卡流水")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference"], name="loyalty_gc_entry_kind_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=GiftCardKind.values), name="loyalty_gc_entry_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(amount_fen=0), name="loyalty_gc_entry_non_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen:+d} {self.reference}"
