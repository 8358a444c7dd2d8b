from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from api.auth import api_caller, presents_key
        from core import middleware

        middleware.connect(api_caller=api_caller, key_presented=presents_key)
