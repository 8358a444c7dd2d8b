from django.contrib import admin

from core.admin import ReadOnlyAdmin
from disputes.models import Dispute, Evidence, InfoRequest, Proposal


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "status", "reason", "order", "assignee", "opened_at", "decided_by")
    list_filter = ("status", "reason", "decided_by")
    search_fields = ("public_id",)


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "dispute", "author_role", "kind", "status", "created_at")
    list_filter = ("kind", "status")


@admin.register(InfoRequest)
class InfoRequestAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "dispute", "party", "status", "due_at")
    list_filter = ("status",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "dispute", "original_name", "content_type", "size", "sha256")
