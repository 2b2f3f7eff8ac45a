from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        # Registered here, not in broker/urls.py, so any module's URL patterns can use
        # <seg:...> whatever is imported first.
        from django.urls import register_converter

        from contracts.api.converters import Segment

        register_converter(Segment, "seg")
