from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = "Support desk"

    def ready(self) -> None:
        from desk import events  # noqa: F401 - registers the sentences of its events
