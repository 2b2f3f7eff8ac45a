from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Every write a service announces (contracts.access.write) is recorded in the same
        # transaction: contracts/ calls the seam without knowing the audit log exists.
        from audit.services import audit_record
        from contracts import access

        access.register(audit_record)
