from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.permissions import Role, has_any_role
from huitong.orders import allocation, merging, review, review_setup
from huitong.orders.models import (
    AllocationQueueOrder,
    BlacklistEntry,
    FloorPrice,
    MergeGroup,
    MergeStatus,
    Order,
    OrderLine,
    OrderReview,
    OrderStatus,
    ReviewRule,
    ReviewStatus,
    StoreLocation,
    WorkflowSettings,
)


class OrderLineInline(TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("line_no", "sku_code", "title", "quantity", "unit_price_fen", "discount_fen", "amount_fen", "location")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

# Personal data stays out of the admin (invariant 9); the API shows it to the roles that need it.
PERSONAL_FIELDS = ("receiver_name", "receiver_phone", "receiver_phone_hash", "address")


@admin.register(Order)
class OrderAdmin(ModelAdmin):
    """Orders change only through services (API, console); the admin is for looking."""

    list_display = ("number", "store", "status", "total_fen", "buyer_nick", "placed_at", "paid_at", "shipped_at")
    list_filter = ("status", "store")
    search_fields = ("number", "external_id", "buyer_nick")
    date_hierarchy = "placed_at"
    list_select_related = ("store",)
    inlines = [OrderLineInline]
    exclude = PERSONAL_FIELDS
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in PERSONAL_FIELDS]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StoreLocation)
class StoreLocationAdmin(ModelAdmin):
    list_display = ("store", "location", "priority")
    list_filter = ("store",)


# --- 审单 / 分仓 queues, rules and settings ------------------------------------------------------------

def _batch(modeladmin, request, queryset, roles, call, done: str) -> None:
    """Run a service over the selected orders; report successes and each failure with its reason."""
    if not has_any_role(request.user, roles):
        modeladmin.message_user(request, str(_("当前角色无权执行该操作")), messages.ERROR)
        return
    results = call([pk for pk in queryset.order_by("pk").values_list("pk", flat=True)],
                   Actor.of_user(request.user))
    for result in results:
        if not result.ok:
            modeladmin.message_user(request, f"#{result.order_id}: {result.code} {result.message}", messages.WARNING)
    ok = sum(r.ok for r in results)
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}", messages.SUCCESS)


@admin.action(description=_("审核通过(复核无异常时)"), permissions=["change"])
def approve_orders(modeladmin, request, queryset):
    _batch(modeladmin, request, queryset, [Role.OPERATOR],
           lambda ids, actor: review.approve_orders(order_ids=ids, actor=actor), "已审核")


@admin.action(description=_("强制审核通过"), permissions=["change"])
def force_approve_orders(modeladmin, request, queryset):
    _batch(modeladmin, request, queryset, [Role.OPERATOR],
           lambda ids, actor: review.approve_orders(order_ids=ids, actor=actor, force=True), "已强制审核")


@admin.action(description=_("财务复审通过"), permissions=["change"])
def finance_approve_orders(modeladmin, request, queryset):
    _batch(modeladmin, request, queryset, [Role.FINANCE], lambda ids, actor: review.run_batch(
        ids, lambda oid: review.finance_approve_order(order_id=oid, actor=actor)), "财务已通过")


@admin.action(description=_("立即重新审核"), permissions=["change"])
def rerun_review(modeladmin, request, queryset):
    _batch(modeladmin, request, queryset, [Role.OPERATOR], lambda ids, actor: review.run_batch(
        ids, lambda oid: review.review_order(order_id=oid, actor=actor)), "已重新审核")


@admin.action(description=_("按策略分仓"), permissions=["change"])
def allocate_orders(modeladmin, request, queryset):
    _batch(modeladmin, request, queryset, [Role.OPERATOR, Role.WAREHOUSE],
           lambda ids, actor: allocation.allocate_orders(order_ids=ids, actor=actor), "已分仓")


class _OrderQueueAdmin(ModelAdmin):
    list_display = ("number", "store", "status", "review_status", "reasons", "total_fen", "buyer_nick", "paid_at")
    list_filter = ("review_status", "store")
    search_fields = ("number", "external_id", "buyer_nick")
    list_select_related = ("store",)
    exclude = PERSONAL_FIELDS
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in PERSONAL_FIELDS]
    inlines = [OrderLineInline]

    @admin.display(description=_("挂起原因"))
    def reasons(self, obj):
        return "; ".join(h.get("message", h.get("code", "")) for h in obj.hold_reasons) or "-"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderReview)
class OrderReviewAdmin(_OrderQueueAdmin):
    """审单队列: paid orders waiting, held or in finance review, with every reason."""

    list_display = (*_OrderQueueAdmin.list_display, "review_due_at")
    actions = [approve_orders, force_approve_orders, finance_approve_orders, rerun_review]

    def get_queryset(self, request):
        pending = [ReviewStatus.WAITING, ReviewStatus.HELD, ReviewStatus.FINANCE]
        return super().get_queryset(request).filter(status__in=[OrderStatus.PAID, OrderStatus.ALLOCATED]).filter(
            Q(review_status__in=pending) | ~Q(hold_reasons=[]))


@admin.register(AllocationQueueOrder)
class AllocationQueueAdmin(_OrderQueueAdmin):
    """待分仓: reviewed paid orders (those held only for stock are tried again by allocation)."""

    actions = [allocate_orders]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OrderStatus.PAID, review_status=ReviewStatus.APPROVED)


def _form_errors(form, exc: DomainError) -> None:
    for name, message in exc.detail.get("fields", {}).items():
        form.add_error(name.removesuffix("_id") if name.removesuffix("_id") in form.fields else None, message)
    if not exc.detail.get("fields"):
        form.add_error(None, exc.message)


RULE_FIELDS = ("name", "kind", "action", "store_id", "is_active", "position", "min_value", "max_value", "keywords",
               "sku_codes", "carrier_code", "location_id")


def _rule_spec(data: dict) -> review_setup.RuleSpec:
    values = {f: data.get(f.removesuffix("_id")) for f in RULE_FIELDS}
    values["store_id"] = values["store_id"].pk if values["store_id"] else None
    values["location_id"] = values["location_id"].pk if values["location_id"] else None
    values["keywords"], values["sku_codes"] = values["keywords"] or [], values["sku_codes"] or []
    values["carrier_code"] = values["carrier_code"] or ""
    return review_setup.RuleSpec(**values)


class ReviewRuleForm(forms.ModelForm):
    class Meta:
        model = ReviewRule
        fields = [f.removesuffix("_id") for f in RULE_FIELDS]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                review_setup.validate_rule(_rule_spec(data))
            except DomainError as exc:
                _form_errors(self, exc)
        return data


@admin.register(ReviewRule)
class ReviewRuleAdmin(ModelAdmin):
    """Rules are configuration: edited here or through the API, both through the services."""

    form = ReviewRuleForm
    list_display = ("name", "kind", "action", "store", "is_active", "position", "min_value", "max_value")
    list_filter = ("kind", "action", "is_active", "store")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        spec, actor = _rule_spec(form.cleaned_data), Actor.of_user(request.user)
        saved = (review_setup.update_review_rule(rule_id=obj.pk, spec=spec, actor=actor) if change else
                 review_setup.create_review_rule(spec=spec, actor=actor))
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        review_setup.delete_review_rule(rule_id=obj.pk, actor=Actor.of_user(request.user))


SETTINGS_FIELDS = tuple(review_setup.SettingsSpec.__dataclass_fields__)


class WorkflowSettingsForm(forms.ModelForm):
    class Meta:
        model = WorkflowSettings
        fields = SETTINGS_FIELDS

    def clean(self):
        data = super().clean()
        if not self.errors:
            errors = review_setup.settings_errors(review_setup.SettingsSpec(**{f: data[f] for f in SETTINGS_FIELDS}))
            for name, message in errors.items():
                self.add_error(name, message)
        return data


@admin.register(WorkflowSettings)
class WorkflowSettingsAdmin(ModelAdmin):
    form = WorkflowSettingsForm
    list_display = ("__str__", "cool_down_minutes", "window_start", "window_end", "finance_review",
                    "merge_gap_minutes", "strategies", "updated_at")

    def has_add_permission(self, request):
        return not WorkflowSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        spec = review_setup.SettingsSpec(**{f: form.cleaned_data[f] for f in SETTINGS_FIELDS})
        obj.pk = review_setup.update_settings(spec=spec, actor=Actor.of_user(request.user)).pk


class BlacklistAddForm(forms.ModelForm):
    value = forms.CharField(label=_("买家/手机号/地址"), max_length=200)

    class Meta:
        model = BlacklistEntry
        fields = ("kind", "note")


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(ModelAdmin):
    """Entries are stored hashed: added through the service, never edited."""

    list_display = ("kind", "label", "note", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("label", "note")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = BlacklistAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "label", "note", "created_by", "created_at") if obj else ()

    def get_fields(self, request, obj=None):
        return ("kind", "label", "note", "created_by", "created_at") if obj else ("kind", "value", "note")

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            entry = review_setup.add_blacklist_entry(kind=form.cleaned_data["kind"], value=form.cleaned_data["value"],
                                                     note=form.cleaned_data["note"], actor=Actor.of_user(request.user))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = entry.pk


@admin.register(FloorPrice)
class FloorPriceAdmin(ModelAdmin):
    list_display = ("sku", "floor_price_fen", "updated_at")
    search_fields = ("sku__code",)
    raw_id_fields = ("sku",)
    list_select_related = ("sku__product",)


@admin.action(description=_("撤销所选合单"), permissions=["change"])
def undo_merges(modeladmin, request, queryset):
    actor = Actor.of_user(request.user)
    for group_id in queryset.filter(status=MergeStatus.ACTIVE).values_list("pk", flat=True):
        try:
            merging.undo_merge(group_id=group_id, actor=actor, reason="admin")
        except DomainError as exc:
            modeladmin.message_user(request, f"#{group_id}: {exc.message}", messages.ERROR)


@admin.register(MergeGroup)
class MergeGroupAdmin(ModelAdmin):
    list_display = ("pk", "store", "master", "status", "order_numbers", "created_at", "undone_at")
    list_filter = ("status", "store")
    list_select_related = ("store", "master")
    readonly_fields = ("store", "master", "status", "order_numbers", "created_at", "undone_at")
    actions = [undo_merges]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
