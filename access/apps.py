from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        # Registered here so the dependency stays one way: contracts' services announce
        # their writes (contracts.access.write) without knowing who checks them.
        from access.permissions import permission_check
        from contracts import access

        access.register(permission_check)
