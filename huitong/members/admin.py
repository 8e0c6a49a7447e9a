"""Members console screens: read-mostly. Members (phone masked), tiers, merges (undo calls the
service) and RFM scores."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.money import format_yuan
from huitong.members import services
from huitong.members.models import (
    Customer,
    CustomerIdentity,
    IdentityKind,
    MemberMerge,
    MemberRfm,
    MergeStatus,
    Tier,
)
from huitong.members.phones import masked


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IdentityInline(TabularInline):
    model = CustomerIdentity
    extra = 0
    can_delete = False
    fields = ("kind", "platform", "shown_value")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("值"))
    def shown_value(self, obj):
        return masked(obj.phone) if obj.kind == IdentityKind.PHONE else obj.value


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "display_name",
        "masked_phone",
        "card_no",
        "tier",
        "spend_12m",
        "status",
        "created_at",
    )
    list_filter = ("status", "tier", "rfm__segment")
    search_fields = ("display_name", "card_no")
    exclude = ("phone", "phone_hash")
    inlines = [IdentityInline]

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        return masked(obj.phone)

    @admin.display(description=_("近 12 个月消费"), ordering="spend_12m_fen")
    def spend_12m(self, obj):
        return format_yuan(obj.spend_12m_fen)


@admin.register(Tier)
class TierAdmin(ReadOnlyAdmin):
    list_display = ("rank", "code", "name", "min_spend", "points_multiplier", "member_discount_percent")

    @admin.display(description=_("门槛"), ordering="min_spend_fen")
    def min_spend(self, obj):
        return format_yuan(obj.min_spend_fen)


@admin.action(description=_("撤销所选合并"))
def undo_merges(modeladmin, request, queryset):
    actor, done = Actor.of_user(request.user), 0
    for merge in queryset.filter(status=MergeStatus.MERGED).order_by("-pk"):
        try:
            services.unmerge_members(merge_id=merge.pk, actor=actor, reason=str(_("后台撤销")))
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"#{merge.pk}: {exc.message}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, _("已撤销 %(n)s 次合并") % {"n": done})


@admin.register(MemberMerge)
class MemberMergeAdmin(ReadOnlyAdmin):
    list_display = ("id", "source", "target", "status", "reason", "actor_label", "created_at", "undone_at")
    list_filter = ("status",)
    actions = [undo_merges]

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser and not request.user.groups.filter(name="admin").exists():
            actions.pop("undo_merges", None)
        return actions


@admin.register(MemberRfm)
class MemberRfmAdmin(ReadOnlyAdmin):
    list_display = (
        "customer",
        "segment",
        "r_score",
        "f_score",
        "m_score",
        "recency_days",
        "frequency",
        "monetary",
        "computed_at",
    )
    list_filter = ("segment",)

    @admin.display(description=_("消费金额"), ordering="monetary_fen")
    def monetary(self, obj):
        return format_yuan(obj.monetary_fen)
