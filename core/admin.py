"""Django admin for operators: read-mostly views of the raw records. Money and case state only
ever change through the actions (the pages and the API), never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import AuditEvent, Deadline, TestClock


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows rows to any staff member; nobody can add, change or delete them here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "code", "actor", "actor_role", "rule", "subject_type", "subject_id")
    list_filter = ("actor_role", "subject_type")
    search_fields = ("code", "rule")


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ("kind", "due_at", "status", "party", "subject_type", "subject_id", "attempts", "fired_at")
    list_filter = ("status", "kind")


@admin.register(TestClock)
class TestClockAdmin(ReadOnlyAdmin):
    list_display = ("id", "frozen_at", "offset_us")
