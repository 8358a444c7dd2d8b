"""The audit events of the desk: each code named once, beside the sentence it reads as on a
timeline (`core.timeline.event`); actions record it by that name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.timeline import event

CANNED_REPLY_ADDED = event("canned_reply.added", _("{actor} added the canned reply {title}"))
CANNED_REPLY_CHANGED = event("canned_reply.changed", _("{actor} changed the canned reply {title}"))
CANNED_REPLY_DELETED = event("canned_reply.deleted", _("{actor} deleted the canned reply {title}"))
