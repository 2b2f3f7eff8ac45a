from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "ui"
    label = "ui"
    verbose_name = "Accord web UI"
