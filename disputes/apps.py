from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes"

    def ready(self) -> None:
        from disputes import appeals, deadlines, events  # noqa: F401 - registers handlers and sentences
