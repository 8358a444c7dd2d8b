from django.contrib import admin

from chat.models import Message
from core.admin import ReadOnlyAdmin


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "order", "channel", "author_role", "created_at", "flags")
    list_filter = ("channel", "author_role")
