from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from core import audit
        from webhooks.fanout import queue_deliveries

        # Every audit event is offered to the endpoints, in the transaction that records it.
        audit.subscribe(queue_deliveries)
