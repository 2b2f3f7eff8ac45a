"""Seed a realistic, large data set with set-based SQL (for `manage.py benchmark`).

The shape follows ecosystem.md C3: a hub provider with C consumers; every consumer
version publishes to the hub and is on one of 21 branches (main + 20 features); the
content changes every CONTENT_EVERY versions; each content is verified by a sliding
window of provider versions; everyone is deployed in test, staging and production with
some history. Everything is generated inside PostgreSQL with generate_series, so a
million versions and five million verifications take minutes, not hours.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTENT_EVERY = 20
FEATURE_BRANCHES = 20
ENVIRONMENTS = (("test", False), ("staging", False), ("production", True))
HUB = "Hub"

TABLES = [
    "verifier_webhookexecution",
    "verifier_triggeredwebhook",
    "contracts_verification",
    "contracts_contractpublication",
    "contracts_contract",
    "contracts_integration",
    "contracts_deployedversion",
    "contracts_releasedversion",
    "contracts_tag",
    "contracts_branchversion",
    "contracts_branch",
    "contracts_version",
    "contracts_label",
    "contracts_webhook",
    "contracts_environment",
    "contracts_pacticipant",
]


@dataclass(frozen=True)
class Shape:
    """How big the data set is."""

    versions: int
    verifications: int
    consumers: int

    @property
    def steps(self) -> int:
        """Versions per consumer."""
        return max(CONTENT_EVERY * 2, int(self.versions * 0.8) // self.consumers)

    @property
    def provider_versions(self) -> int:
        return max(50, self.versions - self.steps * self.consumers)

    @property
    def contents_per_consumer(self) -> int:
        return self.steps // CONTENT_EVERY + 1

    @property
    def verifications_per_content(self) -> int:
        return max(1, self.verifications // (self.contents_per_consumer * self.consumers))


def _g(column: str = "v.number") -> str:
    """The step number encoded in a seeded version number ('c123' / 'p45' -> 123 / 45)."""
    return f"substring({column} from 2)::int"


def statements(shape: Shape) -> list[tuple[str, str]]:
    """(description, SQL) pairs that seed the data set from empty tables."""
    s, c, pv, per = shape.steps, shape.consumers, shape.provider_versions, shape.verifications_per_content
    feature = f"CASE WHEN {_g()} % 3 = 0 THEN 'main' ELSE 'feat/' || ({_g()} % {FEATURE_BRANCHES} + 1) END"
    doc = (
        'format(\'{"consumer":{"name":"%s"},"provider":{"name":"' + HUB + '"},"interactions":'
        '[{"_id":"%s","description":"a request for item %s","request":{"method":"GET",'
        '"path":"/items/%s"},"response":{"status":200,"body":{"id":%s}}}],'
        '"metadata":{"pactSpecification":{"version":"2.0.0"}}}\', p.name, md5(p.id || \'-\' || k), k, k, k)'
    )
    envs = ", ".join(
        f"(gen_random_uuid(), '{name}', '{name.title()}', {str(prod).lower()}, '[]', now(), now())"
        for name, prod in ENVIRONMENTS
    )
    return [
        ("truncate", f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"),
        (
            "pacticipants",
            f"""
            INSERT INTO contracts_pacticipant (name, display_name, main_branch, created_at, updated_at)
            SELECT '{HUB}', '{HUB}', 'main', now(), now()
            UNION ALL
            SELECT 'Consumer' || lpad(i::text, 3, '0'), 'Consumer ' || i, 'main', now(), now()
            FROM generate_series(1, {c}) i""",
        ),
        (
            "consumer versions",
            f"""
            INSERT INTO contracts_version (pacticipant_id, number, created_at, updated_at)
            SELECT p.id, 'c' || g, now() - (({s} - g) * interval '1 minute'), now() - (({s} - g) * interval '1 minute')
            FROM generate_series(1, {s}) g
            CROSS JOIN (SELECT id FROM contracts_pacticipant WHERE name <> '{HUB}') p
            ORDER BY g, p.id""",
        ),
        (
            "provider versions",
            f"""
            INSERT INTO contracts_version (pacticipant_id, number, created_at, updated_at)
            SELECT p.id, 'p' || g, now() - (({pv} - g) * {s}::float / {pv} * interval '1 minute'), now()
            FROM generate_series(1, {pv}) g CROSS JOIN (SELECT id FROM contracts_pacticipant WHERE name = '{HUB}') p
            ORDER BY g""",
        ),
        (
            "branches",
            f"""
            INSERT INTO contracts_branch (pacticipant_id, name, created_at, updated_at)
            SELECT p.id, b.name, now() - interval '100 days', now()
            FROM contracts_pacticipant p
            CROSS JOIN (SELECT 'main' AS name UNION ALL
                        SELECT 'feat/' || i FROM generate_series(1, {FEATURE_BRANCHES}) i) b""",
        ),
        (
            "branch versions",
            f"""
            INSERT INTO contracts_branchversion (branch_id, version_id, pacticipant_id, branch_name, auto_created,
                                                 created_at)
            SELECT b.id, v.id, v.pacticipant_id, b.name, false, v.created_at
            FROM contracts_version v
            JOIN contracts_branch b ON b.pacticipant_id = v.pacticipant_id AND b.name = {feature}
            ORDER BY v.id""",
        ),
        (
            "branch heads",
            """
            UPDATE contracts_branch b SET head_id = x.head
            FROM (SELECT branch_id, max(id) AS head FROM contracts_branchversion GROUP BY branch_id) x
            WHERE x.branch_id = b.id""",
        ),
        (
            "contents",
            f"""
            INSERT INTO contracts_contract (consumer_id, provider_id, sha, document, raw, specification_version,
                                            interactions_count, messages_count, created_at)
            SELECT p.id, hub.id, rpad(md5(p.id || '-' || k), 40, '0'), {doc}, {doc}, '2.0', 1, 0, now()
            FROM contracts_pacticipant p
            CROSS JOIN (SELECT id FROM contracts_pacticipant WHERE name = '{HUB}') hub
            CROSS JOIN generate_series(0, {shape.contents_per_consumer - 1}) k
            WHERE p.name <> '{HUB}'""",
        ),
        (
            "publications",
            f"""
            INSERT INTO contracts_contractpublication (consumer_version_id, consumer_id, provider_id, contract_id,
                                                       revision, is_current, created_at)
            SELECT v.id, v.pacticipant_id, ct.provider_id, ct.id, 1, true, v.created_at
            FROM contracts_version v
            JOIN contracts_contract ct ON ct.consumer_id = v.pacticipant_id
             AND ct.sha = rpad(md5(v.pacticipant_id || '-' || ({_g()} / {CONTENT_EVERY})), 40, '0')
            ORDER BY v.id""",
        ),
        (
            "integrations",
            f"""
            INSERT INTO contracts_integration (consumer_id, provider_id, created_at, contract_data_updated_at)
            SELECT p.id, hub.id, now(), now() FROM contracts_pacticipant p
            CROSS JOIN (SELECT id FROM contracts_pacticipant WHERE name = '{HUB}') hub WHERE p.name <> '{HUB}'""",
        ),
        (
            "verifications",
            f"""
            WITH pvs AS (
                SELECT id, row_number() OVER (ORDER BY id) AS idx FROM contracts_version
                WHERE pacticipant_id = (SELECT id FROM contracts_pacticipant WHERE name = '{HUB}')
            ), cts AS (
                SELECT ct.id, ct.consumer_id, ct.provider_id, k
                FROM contracts_pacticipant p
                CROSS JOIN generate_series(0, {shape.contents_per_consumer - 1}) k
                JOIN contracts_contract ct ON ct.consumer_id = p.id AND ct.sha = rpad(md5(p.id || '-' || k), 40, '0')
                WHERE p.name <> '{HUB}'
            )
            INSERT INTO contracts_verification (contract_id, provider_version_id, consumer_id, provider_id, success,
                                                wip, consumer_version_selectors, provider_version_tags,
                                                execution_date, created_at)
            SELECT cts.id, pvs.id, cts.consumer_id, cts.provider_id, (hashint4((cts.id * 31 + j)::int) % 20) <> 0,
                   false, '[]', '[]', now(), now()
            FROM cts CROSS JOIN generate_series(0, {per - 1}) j
            JOIN pvs ON pvs.idx = least({pv}, greatest(1, (cts.k::bigint * {CONTENT_EVERY} * {pv}) / {s} + j))
            ORDER BY cts.id, j""",
        ),
        (
            "environments",
            f"""
            INSERT INTO contracts_environment (uuid, name, display_name, production, contacts, created_at, updated_at)
            VALUES {envs}""",
        ),
        (
            "deployments (history and current)",
            f"""
            INSERT INTO contracts_deployedversion (uuid, version_id, pacticipant_id, environment_id, target,
                                                   undeployed_at, auto_created, created_at, updated_at)
            SELECT gen_random_uuid(), v.id, v.pacticipant_id, e.id, NULL,
                   CASE WHEN lag = 0 THEN NULL ELSE now() - lag * interval '1 hour' END, false, now(), now()
            FROM contracts_environment e
            CROSS JOIN generate_series(0, 3) lag
            CROSS JOIN contracts_pacticipant p
            JOIN contracts_version v ON v.pacticipant_id = p.id AND v.number = CASE WHEN p.name = '{HUB}'
                 THEN 'p' || greatest(1, {pv} - (CASE e.name WHEN 'production' THEN 40 WHEN 'staging' THEN 20
                                                  ELSE 0 END) - lag * 5)
                 ELSE 'c' || greatest(1, {s} - (CASE e.name WHEN 'production' THEN 40 WHEN 'staging' THEN 20
                                                 ELSE 0 END) - lag * 5) END
            ORDER BY lag DESC""",
        ),
        ("analyze", "ANALYZE"),
    ]
