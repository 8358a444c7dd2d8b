from django.contrib import admin

from core.admin import ReadOnlyAdmin
from policy.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "number", "digest", "created_at")
