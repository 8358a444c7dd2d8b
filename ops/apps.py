from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from core import middleware
        from ops import (
            metrics,
            sessions,  # noqa: F401 - records each sign-in's device for /account/sessions/
        )

        middleware.connect(observe_request=metrics.observe_request)
