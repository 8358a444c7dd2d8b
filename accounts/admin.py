"""Users are the one thing operators edit here: activating, deactivating and staff rights."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class ParleyUserAdmin(UserAdmin):
    list_display = ("username", "email", "public_id", "is_staff", "is_active", "date_joined")
    readonly_fields = ("public_id", "last_login", "date_joined")
