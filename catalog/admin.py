from django.contrib import admin

from catalog.models import Listing
from core.admin import ReadOnlyAdmin


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "title", "kind", "price_amount", "currency", "seller", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("public_id", "title")
