"""Marketing console screens: read-only lists of promotions, member prices, coupon templates, coupons
and campaigns (changes go through the API, i.e. the services); one action voids coupons."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.marketing import services
from huitong.marketing.models import Campaign, Coupon, CouponTemplate, MemberPrice, Promotion


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Promotion)
class PromotionAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "kind",
        "stage",
        "exclusive_group",
        "exclusive",
        "priority",
        "starts_at",
        "ends_at",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(MemberPrice)
class MemberPriceAdmin(ReadOnlyAdmin):
    list_display = ("sku", "tier_code", "price_fen", "updated_at")
    list_filter = ("tier_code",)
    list_select_related = ("sku",)


@admin.register(CouponTemplate)
class CouponTemplateAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "kind",
        "value_fen",
        "pay_percent",
        "threshold_fen",
        "per_member_limit",
        "total_quantity",
        "issued_count",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "template",
        "customer_id",
        "status",
        "valid_until",
        "used_reference",
        "discount_fen",
    )
    list_filter = ("status",)
    search_fields = ("=code", "=used_reference")
    list_select_related = ("template",)
    actions = ["void_selected"]

    @admin.action(description=_("作废所选优惠券"))
    def void_selected(self, request, queryset):
        actor = Actor.of_user(request.user)
        done = 0
        for coupon in queryset.order_by("pk"):
            try:
                services.void_coupon(code=coupon.code, reason="后台作废", actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{coupon.code}: {exc.message}", messages.WARNING)
        self.message_user(request, _("已作废 %(n)d 张") % {"n": done})


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "template", "segment", "status", "issued_count", "skipped_count", "last_run_at")
    list_filter = ("status",)
    list_select_related = ("template",)
