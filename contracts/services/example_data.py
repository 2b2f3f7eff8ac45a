"""Example data for a new broker (PACT_BROKER_SEED_EXAMPLE_DATA), written through the services.

Like the Pact Broker's: a consumer "Example App" and a provider "Example API", only into a
broker that has no pacticipants yet. A small history to explore: two pacts from the
consumer's main branch, each verified by the provider's main branch and deployed to an
environment together with that provider version, and a feature-branch pact whose
verification failed (so can-i-deploy has a "no" to show).
"""

from __future__ import annotations

import json
import logging

from django.db import connection

from contracts.models import Environment, Pacticipant
from contracts.services.deployments import deployment_record
from contracts.services.environments import environment_create
from contracts.services.publication import contracts_publish, prepare_contract
from contracts.services.transactions import atomic_with_retry
from contracts.services.verifications import verification_record
from contracts.services.versions import branch_version_add, version_find_or_create

logger = logging.getLogger("accord.example_data")

CONSUMER = "Example App"
PROVIDER = "Example API"
ENVIRONMENTS = (("test", "Test", False), ("production", "Production", True))
# Serialises seeders (two `migrate` runs at once): pg_advisory_xact_lock's key, any constant.
LOCK_KEY = 0x5EED_0ACC_0D


def _http(description: str, state: dict, method: str, path: str, status: int, body: object = None) -> dict:
    response: dict = {"status": status}
    if body is not None:
        response.update(headers={"Content-Type": "application/json"}, body=body)
    return {
        "description": description,
        "providerStates": [state],
        "request": {"method": method, "path": path, "headers": {"Accept": "application/json"}},
        "response": response,
    }


def _pact(*interactions: dict) -> str:
    return json.dumps(
        {
            "consumer": {"name": CONSUMER},
            "provider": {"name": PROVIDER},
            "interactions": list(interactions),
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
        }
    )


PRODUCT = {"id": 10, "name": "Widget", "price": 9.5}
GET_PRODUCT = _http(
    "a request for product 10", {"name": "a product exists", "params": {"id": 10}}, "GET", "/products/10", 200, PRODUCT
)
MISSING_PRODUCT = _http(
    "a request for a product that does not exist", {"name": "no products exist"}, "GET", "/products/10", 404
)
LIST_PRODUCTS = _http(
    "a request for all products", {"name": "a product exists", "params": {"id": 10}}, "GET", "/products", 200, [PRODUCT]
)
CREATE_PRODUCT = _http(
    "a request to create a product", {"name": "no products exist"}, "POST", "/products", 201, PRODUCT
)

# (consumer version, branch, pact, provider version that verified it, success, environment both are deployed to)
HISTORY = (
    ("3e1f0c7", "main", _pact(GET_PRODUCT, MISSING_PRODUCT), "1a6c2d9", True, "production"),
    ("9b2d4a1", "main", _pact(GET_PRODUCT, MISSING_PRODUCT, LIST_PRODUCTS), "5f8b3e0", True, "test"),
    ("c47e8f2", "feat/new-product", _pact(GET_PRODUCT, LIST_PRODUCTS, CREATE_PRODUCT), "5f8b3e0", False, None),
)


def _environment(name: str, display_name: str, production: bool) -> Environment:
    # Migrations create both; they may have been renamed or deleted since.
    existing = Environment.objects.filter(name=name).first()
    return existing or environment_create(name=name, display_name=display_name, production=production)


@atomic_with_retry
def example_data_seed() -> bool:
    """Seed the example data into a broker without pacticipants (all of it or none); False if not empty."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    if Pacticipant.objects.exists():
        return False
    environments = {name: _environment(name, display, production) for name, display, production in ENVIRONMENTS}
    for consumer_version, branch, pact, provider_version, success, environment in HISTORY:
        result = contracts_publish(
            pacticipant_name=CONSUMER,
            version_number=consumer_version,
            branch=branch,
            contracts=[prepare_contract(pact, consumer_name=CONSUMER, provider_name=PROVIDER)],
        )
        publication = result.contracts[0].publication
        verifier, _ = version_find_or_create(pacticipant=publication.provider, number=provider_version)
        branch_version_add(version=verifier, branch_name="main")
        verification_record(
            contract=publication.contract,
            provider_version_number=provider_version,
            success=success,
        )
        if environment is not None:
            deployment_record(version=verifier, environment=environments[environment])
            deployment_record(version=result.version, environment=environments[environment])
    logger.info("Seeded the example data (%s and %s)", CONSUMER, PROVIDER)
    return True
