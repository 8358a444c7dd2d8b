from core import timeline

timeline.register(
    {
        "canned_reply.added": "{actor} added the canned reply {title}",
        "canned_reply.changed": "{actor} changed the canned reply {title}",
        "canned_reply.deleted": "{actor} deleted the canned reply {title}",
    }
)
