from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Support tickets"

    def ready(self) -> None:
        from tickets import deadlines, events  # noqa: F401 - registers handlers and sentences
