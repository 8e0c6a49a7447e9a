"""Read-mostly admin: balances and ledgers change only through the services (and the staff API)."""

from django.contrib import admin
from unfold.admin import ModelAdmin

from huitong.loyalty.models import (
    EarnRule,
    GiftCard,
    GiftCardBatch,
    GiftCardEntry,
    PointsAccount,
    PointsEntry,
    PointsLot,
    RedeemConfig,
    StoredValueAccount,
    StoredValueEntry,
)


class ReadOnlyAdmin(ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ("customer", "balance", "debt", "merged_into", "updated_at")
    search_fields = ("customer__display_name", "=customer__id")
    list_select_related = ("customer",)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "account",
        "kind",
        "points",
        "reference",
        "source_reference",
        "amount_fen",
        "actor_label",
    )
    list_filter = ("kind",)
    search_fields = ("reference", "source_reference")


@admin.register(PointsLot)
class PointsLotAdmin(ReadOnlyAdmin):
    list_display = ("account", "points", "remaining", "earned_at", "expires_at")
    list_filter = ("expires_at",)


@admin.register(EarnRule)
class EarnRuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "store", "platform", "points_per_yuan", "is_active", "updated_at")
    list_filter = ("is_active", "platform")


@admin.register(RedeemConfig)
class RedeemConfigAdmin(ReadOnlyAdmin):
    list_display = ("points_per_yuan", "max_share_percent", "step", "updated_at")


@admin.register(StoredValueAccount)
class StoredValueAccountAdmin(ReadOnlyAdmin):
    list_display = ("customer", "balance_fen", "merged_into", "updated_at")
    search_fields = ("customer__display_name", "=customer__id")


@admin.register(StoredValueEntry)
class StoredValueEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "account",
        "kind",
        "amount_fen",
        "reference",
        "source_reference",
        "actor_label",
    )
    list_filter = ("kind",)
    search_fields = ("reference", "source_reference")


@admin.register(GiftCardBatch)
class GiftCardBatchAdmin(ReadOnlyAdmin):
    list_display = ("name", "face_value_fen", "quantity", "expires_at", "created_at")


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnlyAdmin):
    list_display = (
        "card_no",
        "batch",
        "face_value_fen",
        "balance_fen",
        "status",
        "expires_at",
        "pin_failures",
    )
    list_filter = ("status", "batch")
    search_fields = ("=card_no",)
    exclude = ("pin_hash",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "pin_hash"]


@admin.register(GiftCardEntry)
class GiftCardEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "card",
        "kind",
        "amount_fen",
        "reference",
        "source_reference",
        "actor_label",
    )
    list_filter = ("kind",)
    search_fields = ("reference", "=card__card_no")
