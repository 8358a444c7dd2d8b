from django.contrib import admin

from core.admin import ReadOnlyAdmin
from orders.models import Order


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "status", "buyer", "seller", "price_amount", "fee_amount", "currency", "placed_at")
    list_filter = ("status", "kind", "currency")
    search_fields = ("public_id",)
    list_select_related = ("buyer", "seller")
