from django.contrib import admin

from core.admin import ReadOnlyAdmin
from notifications.models import Notification, OutboundEmail


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "user", "code", "title", "created_at", "read_at")
    list_filter = ("code",)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("to", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status",)
