from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import sessions  # noqa: F401 - records each sign-in's device for /account/sessions/
