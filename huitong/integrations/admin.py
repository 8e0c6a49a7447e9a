from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from huitong.channels import selectors as channels
from huitong.channels.models import OWN_CHANNELS
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.integrations import ingest, services
from huitong.integrations.models import (
    ListingStock,
    PlatformStore,
    PullLog,
    PushLog,
    RawPayload,
    UnmappedLine,
)


class ReadOnly(ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlatformStore)
class PlatformStoreAdmin(ReadOnly):
    list_display = ("code", "name", "platform", "pulled_until", "lag", "last_pull", "held", "unmapped",
                    "pending_pushes", "failed_pushes", "credentials_masked")
    actions = ["pull_now"]
    actions_row = ["pull_now_row"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(platform__in=OWN_CHANNELS)

    def _status(self, obj):
        cache = getattr(obj, "_status", None)
        if cache is None:
            cache = obj._status = services.store_status(store_id=obj.pk)
        return cache

    @admin.display(description=_("已拉取至"))
    def pulled_until(self, obj):
        return self._status(obj).pulled_until or "-"

    @admin.display(description=_("延迟(秒)"))
    def lag(self, obj):
        return self._status(obj).lag_seconds if self._status(obj).lag_seconds is not None else "-"

    @admin.display(description=_("最近拉单"), boolean=True)
    def last_pull(self, obj):
        return self._status(obj).last_pull_ok

    @admin.display(description=_("挂起订单"))
    def held(self, obj):
        return self._status(obj).held_orders

    @admin.display(description=_("未对应"))
    def unmapped(self, obj):
        return self._status(obj).unmapped_orders

    @admin.display(description=_("待推送"))
    def pending_pushes(self, obj):
        return self._status(obj).pending_pushes

    @admin.display(description=_("24h 推送失败"))
    def failed_pushes(self, obj):
        return self._status(obj).failed_pushes_24h

    @admin.display(description=_("凭证"))
    def credentials_masked(self, obj):
        return channels.masked_credentials(obj)

    def _pull(self, request, store):
        try:
            entry = ingest.pull_orders(store_id=store.pk, actor=Actor.of_user(request.user))
        except DomainError as exc:
            self.message_user(request, f"{store.code}: {exc.message}", messages.ERROR)
            return
        level = messages.SUCCESS if entry.ok else messages.WARNING
        self.message_user(request, f"{store.code}: {entry.pages} 页, 新 {entry.new}, 更新 {entry.updated}, "
                                   f"失败 {entry.failed} {'; '.join(entry.errors[:3])}", level)

    @admin.action(description=_("立即拉单"))
    def pull_now(self, request, queryset):
        for store in queryset:
            self._pull(request, store)

    @action(description=_("立即拉单"))
    def pull_now_row(self, request, object_id):
        from django.shortcuts import redirect

        self._pull(request, self.get_queryset(request).get(pk=object_id))
        return redirect(request.META.get("HTTP_REFERER") or "..")


@admin.register(PullLog)
class PullLogAdmin(ReadOnly):
    list_display = ("store", "started_at", "window_start", "window_end", "pages", "new", "updated", "unchanged",
                    "failed", "ok")
    list_filter = ("store", "ok")


@admin.register(PushLog)
class PushLogAdmin(ReadOnly):
    list_display = ("at", "store", "kind", "reference", "quantity", "ok", "error")
    list_filter = ("store", "kind", "ok")
    search_fields = ("reference",)


@admin.register(ListingStock)
class ListingStockAdmin(ReadOnly):
    list_display = ("mapping", "quantity", "delisted", "pushed_at")


@admin.register(RawPayload)
class RawPayloadAdmin(ReadOnly):
    list_display = ("received_at", "store", "source", "external_id")
    list_filter = ("store", "source")
    search_fields = ("external_id",)


@admin.register(UnmappedLine)
class UnmappedLineAdmin(ReadOnly):
    list_display = ("order", "platform_item_id", "platform_sku_id", "merchant_code", "title", "quantity")
    list_select_related = ("order",)
    search_fields = ("merchant_code", "platform_item_id", "title")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(sku__isnull=True)
