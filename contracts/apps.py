import logging

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate

logger = logging.getLogger("accord.example_data")


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        # Registered here, not in broker/urls.py, so any module's URL patterns can use
        # <seg:...> whatever is imported first.
        from django.urls import register_converter

        from contracts.api.converters import Segment

        register_converter(Segment, "seg")
        post_migrate.connect(seed_example_data, sender=self, dispatch_uid="contracts.seed_example_data")


def seed_example_data(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After `migrate` (`make run`, the production migrate job): the example data, when
    PACT_BROKER_SEED_EXAMPLE_DATA is on and the broker has no pacticipants yet."""
    from django.conf import settings
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    if not settings.ACCORD_SEED_EXAMPLE_DATA or using != DEFAULT_DB_ALIAS:
        return
    # Not after a partial migrate (e.g. back to an older migration): the services need every table.
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        logger.info("Not seeding the example data: migrations are not all applied")
        return
    from contracts.services.example_data import example_data_seed

    try:
        seeded = example_data_seed()
    except Exception:
        # As in the Pact Broker: the broker starts without its example data rather than not at all.
        # The seed is one transaction, so nothing half-written is left behind.
        logger.exception("Could not seed the example data")
        return
    if not seeded:
        logger.info("Not seeding the example data: the broker already has pacticipants")
