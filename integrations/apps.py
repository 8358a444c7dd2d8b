from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from core import middleware
        from integrations.actions import touch

        middleware.connect(key_used=lambda key: touch(key=key))
