import secrets
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from huitong.core.crypto import EncryptedTextField

CARD_PREFIX = "8"


def new_card_no() -> str:
    """A 16-digit member card number: prefix, 14 random digits, Luhn check digit."""
    body = CARD_PREFIX + "".join(secrets.choice("0123456789") for _ in range(14))
    return body + luhn.calc_check_digit(body)


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    MERGED = "merged", _("已合并")


class Tier(models.Model):
    """A member tier earned by spend over the last 12 months, with its benefits."""

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    rank = models.PositiveSmallIntegerField(_("等级"), unique=True)
    min_spend_fen = models.BigIntegerField(_("近 12 个月消费门槛（分）"), default=0)
    points_multiplier = models.DecimalField(
        _("积分倍数"), max_digits=4, decimal_places=2, default=Decimal("1")
    )
    member_discount_percent = models.PositiveSmallIntegerField(_("会员折扣（%）"), default=100)

    class Meta:
        verbose_name = _("会员等级")
        verbose_name_plural = _("会员等级")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_spend_fen__gte=0), name="members_tier_min_spend_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(points_multiplier__gt=0), name="members_tier_multiplier_positive"
            ),
            models.CheckConstraint(
                condition=Q(member_discount_percent__gte=1, member_discount_percent__lte=100),
                name="members_tier_discount_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A member, one per person across channels. Identities (phone, WeChat, platform buyer id / nick)
    point here; a member merged into another keeps its row (status merged, merged_into set)."""

    display_name = models.CharField(_("名称"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("合并到")
    )
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    card_no = models.CharField(_("会员卡号"), max_length=16, unique=True, default=new_card_no)
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("会员等级")
    )
    spend_12m_fen = models.BigIntegerField(_("近 12 个月消费（分）"), default=0)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CustomerStatus.values), name="members_customer_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=CustomerStatus.MERGED, merged_into__isnull=False)
                    | Q(status=CustomerStatus.ACTIVE, merged_into__isnull=True)
                ),
                name="members_customer_merged_into_iff_merged",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="members_customer_not_merged_into_self"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    BUYER_ID = "buyer_id", _("平台买家 ID")
    NICK = "nick", _("平台昵称")
    PHONE = "phone", _("手机号")
    OPENID = "openid", _("微信 openid")
    UNIONID = "unionid", _("微信 unionid")


class CustomerIdentity(models.Model):
    """One key that identifies a member. Phones are stored as their keyed hash (platform empty);
    WeChat ids under platform "wechat"; buyer ids and nicks under their platform."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("类型"), max_length=20, choices=IdentityKind.choices)
    platform = models.CharField(_("平台"), max_length=30, blank=True)
    value = models.CharField(_("值"), max_length=150)
    # The phone itself (E.164, encrypted) for phone identities, whose value is its keyed hash.
    phone = EncryptedTextField(_("手机号"), blank=True)

    class Meta:
        verbose_name = _("会员身份")
        verbose_name_plural = _("会员身份")
        constraints = [
            models.UniqueConstraint(fields=["kind", "platform", "value"], name="members_identity_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=IdentityKind.values), name="members_identity_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.kind}:{self.value}"


class MemberToken(models.Model):
    """A member's storefront API token (apps, mini-programs). Only its SHA-256 is stored."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员令牌")
        verbose_name_plural = _("会员令牌")

    def __str__(self) -> str:
        return f"token #{self.pk} of #{self.customer_id}"


class MergeStatus(models.TextChoices):
    MERGED = "merged", _("已合并")
    UNDONE = "undone", _("已撤销")


class MemberMerge(models.Model):
    """One member merged into another, with what each participant moved (to undo exactly that)."""

    source = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("被合并会员")
    )
    target = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("合并到"))
    status = models.CharField(
        _("状态"), max_length=10, choices=MergeStatus.choices, default=MergeStatus.MERGED
    )
    reason = models.CharField(_("原因"), max_length=200)
    actor_label = models.CharField(_("操作人"), max_length=150)
    moved = models.JSONField(_("迁移记录"), default=dict)
    created_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undo_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("会员合并")
        verbose_name_plural = _("会员合并")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MergeStatus.values), name="members_merge_status_valid"
            ),
            models.CheckConstraint(condition=~Q(source=F("target")), name="members_merge_distinct"),
            models.UniqueConstraint(
                fields=["source"], condition=Q(status="merged"), name="members_merge_one_live_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} → #{self.target_id}"


class Purchase(models.Model):
    """A member's purchase (one per order reference): the facts tiers and RFM are computed from."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="purchases")
    reference = models.CharField(_("单号"), max_length=100, unique=True)
    store_id = models.BigIntegerField(_("店铺 ID"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    refunded_fen = models.BigIntegerField(_("已退（分）"), default=0)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("消费记录")
        verbose_name_plural = _("消费记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0), name="members_purchase_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen__gte=0, refunded_fen__lte=F("amount_fen")),
                name="members_purchase_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Segment(models.TextChoices):
    CHAMPIONS = "champions", _("重要价值")
    LOYAL = "loyal", _("忠诚")
    POTENTIAL = "potential", _("潜力")
    NEW = "new", _("新客")
    AT_RISK = "at_risk", _("流失预警")
    HIBERNATING = "hibernating", _("沉睡")


class MemberRfm(models.Model):
    """A member's RFM scores (1–5 each, by quintile over the last 365 days) and segment."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="rfm")
    recency_days = models.PositiveIntegerField(_("距上次消费天数"))
    frequency = models.PositiveIntegerField(_("消费次数"))
    monetary_fen = models.BigIntegerField(_("消费金额（分）"))
    r_score = models.PositiveSmallIntegerField("R")
    f_score = models.PositiveSmallIntegerField("F")
    m_score = models.PositiveSmallIntegerField("M")
    segment = models.CharField(_("分群"), max_length=20, choices=Segment.choices, db_index=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("RFM 分群")
        verbose_name_plural = _("RFM 分群")
        constraints = [
            models.CheckConstraint(condition=Q(segment__in=Segment.values), name="members_rfm_segment_valid"),
            models.CheckConstraint(
                condition=Q(
                    r_score__gte=1,
                    r_score__lte=5,
                    f_score__gte=1,
                    f_score__lte=5,
                    m_score__gte=1,
                    m_score__lte=5,
                ),
                name="members_rfm_scores_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.customer_id} {self.segment} R{self.r_score}F{self.f_score}M{self.m_score}"


class LoginCode(models.Model):
    """The current one-time sign-in code of one phone (one row per phone, replaced by the next code)."""

    phone_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")

    def __str__(self) -> str:
        return f"code #{self.pk}"


class SmsMessage(models.Model):
    """A text message handed to the SMS sender. The sandbox sender only records it here."""

    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(max_length=64, db_index=True)
    text = models.CharField(_("内容"), max_length=300)
    sender = models.CharField(_("通道"), max_length=30)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"sms #{self.pk}"
