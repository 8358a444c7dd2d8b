from django.contrib import admin

from core.admin import ReadOnlyAdmin
from tickets.models import ContactsPage, Ticket, TicketMessage


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "subject",
        "category",
        "status",
        "owner",
        "assignee",
        "created_at",
        "first_response_due",
    )
    list_filter = ("status", "category")
    search_fields = ("public_id", "subject")
    list_select_related = ("owner", "assignee")


@admin.register(TicketMessage)
class TicketMessageAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "ticket", "author_role", "author", "internal", "created_at")
    list_filter = ("author_role", "internal")
    list_select_related = ("ticket", "author")


@admin.register(ContactsPage)
class ContactsPageAdmin(ReadOnlyAdmin):
    list_display = ("id", "opening_hours", "updated_at", "updated_by")
