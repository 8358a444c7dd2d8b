from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import audit
        from webhooks.fanout import endpoints_changed, queue_deliveries, queue_many_deliveries
        from webhooks.models import WebhookEndpoint

        # Every audit event is offered to the endpoints, in the transaction that records it.
        audit.subscribe(queue_deliveries, many=queue_many_deliveries)
        post_save.connect(endpoints_changed, sender=WebhookEndpoint, dispatch_uid="webhook-endpoints-changed")
        post_delete.connect(endpoints_changed, sender=WebhookEndpoint, dispatch_uid="webhook-endpoints-changed-delete")
