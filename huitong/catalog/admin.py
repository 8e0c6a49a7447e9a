"""Catalog admin: read-mostly. Products and SKUs change through the services (API, import, actions)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from huitong.catalog import services
from huitong.catalog.models import Brand, Category, Product, Sku
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.money import format_yuan


class _ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Brand)
class BrandAdmin(ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):
        return ("name",) if obj else ()

    def save_model(self, request, obj, form, change):
        obj.pk = services.create_brand(name=form.cleaned_data["name"]).pk


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ("path", "name", "parent")
    search_fields = ("path",)
    fields = ("name", "parent", "path")
    readonly_fields = ("path",)

    def get_readonly_fields(self, request, obj=None):
        return ("name", "parent", "path") if obj else ("path",)

    def save_model(self, request, obj, form, change):
        parent = form.cleaned_data.get("parent")
        created = services.create_category(
            name=form.cleaned_data["name"], parent_id=parent.pk if parent else None
        )
        obj.pk, obj.path = created.pk, created.path


class SkuInline(_ReadOnlyMixin, TabularInline):
    model = Sku
    fields = ("code", "barcode", "attributes", "price", "cost", "weight_g", "is_active")
    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("售价"))
    def price(self, sku):
        return format_yuan(sku.price_fen)

    @admin.display(description=_("成本价"))
    def cost(self, sku):
        return format_yuan(sku.cost_fen)


def _set_products_active(modeladmin, request, queryset, *, active: bool):
    actor = Actor.of_user(request.user)
    try:
        for product_id in queryset.values_list("pk", flat=True):
            services.update_product(product_id=product_id, is_active=active, actor=actor)
    except DomainError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)


@admin.action(description=_("启用所选商品"), permissions=["change"])
def activate_products(modeladmin, request, queryset):
    _set_products_active(modeladmin, request, queryset, active=True)


@admin.action(description=_("停用所选商品"), permissions=["change"])
def deactivate_products(modeladmin, request, queryset):
    _set_products_active(modeladmin, request, queryset, active=False)


@admin.register(Product)
class ProductAdmin(_ReadOnlyMixin, ModelAdmin):
    list_display = ("spu_code", "name", "brand", "category", "is_active", "updated_at")
    list_filter = ("is_active", "brand", "category")
    search_fields = ("spu_code", "name", "skus__code", "skus__barcode")
    list_select_related = ("brand", "category")
    inlines = [SkuInline]
    actions = [activate_products, deactivate_products]


@admin.register(Sku)
class SkuAdmin(_ReadOnlyMixin, ModelAdmin):
    list_display = ("code", "display_name", "barcode", "price", "cost", "weight_g", "is_active")
    list_filter = ("is_active", "product__brand", "product__category")
    search_fields = ("code", "barcode", "product__name", "product__spu_code")
    list_select_related = ("product",)

    @admin.display(description=_("售价"), ordering="price_fen")
    def price(self, sku):
        return format_yuan(sku.price_fen)

    @admin.display(description=_("成本价"), ordering="cost_fen")
    def cost(self, sku):
        return format_yuan(sku.cost_fen)
