from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from huitong.members.models import Customer, CustomerIdentity


class IdentityInline(TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(ModelAdmin):
    list_display = ("id", "display_name", "created_at")
    search_fields = ("display_name", "identities__value")
    inlines = [IdentityInline]
