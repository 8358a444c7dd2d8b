from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chat import vocabulary

        vocabulary.load()  # a broken vocabulary stops start-up, naming the file and the field
