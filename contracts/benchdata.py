"""Seed realistic, large data sets with set-based SQL (for the benchmarks).

Two shapes. `Shape` (`manage.py benchmark`, the API's hot reads) follows ecosystem.md C3: a hub provider with C consumers; every consumer
version publishes to the hub and is on one of 21 branches (main + 20 features); the
content changes every CONTENT_EVERY versions; each content is verified by a sliding
window of provider versions; everyone is deployed in test, staging and production with
some history. Everything is generated inside PostgreSQL with generate_series, so a
million versions and five million verifications take minutes, not hours.

`NetworkShape` (`manage.py ui_benchmark`, the web UI) is many applications instead: a
thousand of them with three thousand integrations between them, a few hubs, labels,
deployments and releases, and every status an integration can have.

Both end by filling the integration summaries the UI reads (`summaries_sql`), computing
what contracts.services.integration_summaries would, for every pair at once.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTENT_EVERY = 20
FEATURE_BRANCHES = 20
ENVIRONMENTS = (("test", False), ("staging", False), ("production", True))
HUB = "Hub"

# Truncated before seeding; CASCADE empties every other app's tables that point at them
# (webhooks, verification runs, drift), so this module names no table of another app.
TABLES = [
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


def _branch_memberships(branch: str) -> list[tuple[str, str]]:
    """Each version on the branch of its pacticipant that the SQL expression `branch` (over
    the version `v`) names, and every branch's head: its newest version."""
    return [
        (
            "branch versions",
            f"""
            INSERT INTO contracts_branchversion (branch_id, version_id, pacticipant_id, branch_name, auto_created,
                                                 created_at)
            SELECT b.id, v.id, v.pacticipant_id, b.name, false, v.created_at
            FROM contracts_version v
            JOIN contracts_branch b ON b.pacticipant_id = v.pacticipant_id AND b.name = {branch}
            ORDER BY v.id""",
        ),
        (
            "branch heads",
            """
            UPDATE contracts_branch b SET head_id = x.head
            FROM (SELECT branch_id, max(id) AS head FROM contracts_branchversion GROUP BY branch_id) x
            WHERE x.branch_id = b.id""",
        ),
    ]


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
        *_branch_memberships(feature),
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
        ("integration summaries", summaries_sql()),
        ("analyze", "ANALYZE"),
    ]


def summaries_sql() -> str:
    """Fill every integration's summary as contracts.services.integration_summaries does
    (one statement for all pairs; that service refreshes one pair at a time).

    The latest pact: the pair's current publication of its newest consumer version (its
    highest revision). Shown with it: the newest verification of that content, else the
    newest of the pair. The status: VerificationStatus.of.
    """
    return """
        WITH latest AS (
            SELECT i.id AS integration_id, p.id, p.created_at, p.contract_id, v.number
            FROM contracts_integration i
            CROSS JOIN LATERAL (
                SELECT p.id, p.created_at, p.contract_id, p.consumer_version_id
                FROM contracts_contractpublication p
                WHERE p.is_current AND p.consumer_id = i.consumer_id AND p.provider_id = i.provider_id
                ORDER BY p.consumer_version_id DESC, p.revision DESC LIMIT 1
            ) p
            JOIN contracts_version v ON v.id = p.consumer_version_id
        ), shown AS (
            SELECT DISTINCT ON (i.id) i.id AS integration_id, f.id, f.created_at, f.success, f.pending,
                   f.contract_id, v.number
            FROM contracts_verification f
            JOIN contracts_integration i ON i.consumer_id = f.consumer_id AND i.provider_id = f.provider_id
            JOIN contracts_version v ON v.id = f.provider_version_id
            LEFT JOIN latest l ON l.integration_id = i.id
            ORDER BY i.id, (f.contract_id = l.contract_id) IS TRUE DESC, f.id DESC
        ), summary AS (
            SELECT i.id, l.id AS publication_id, l.created_at AS publication_at, l.number AS consumer_version,
                   l.contract_id AS latest_contract_id, s.id AS verification_id, s.created_at AS verification_at,
                   s.success, s.pending, s.contract_id AS shown_contract_id, s.number AS provider_version
            FROM contracts_integration i
            LEFT JOIN latest l ON l.integration_id = i.id
            LEFT JOIN shown s ON s.integration_id = i.id
        )
        UPDATE contracts_integration i SET
            latest_publication_id = x.publication_id,
            latest_publication_at = x.publication_at,
            latest_consumer_version_number = x.consumer_version,
            latest_verification_id = x.verification_id,
            latest_verification_at = x.verification_at,
            latest_verification_success = x.success,
            latest_provider_version_number = x.provider_version,
            verification_status = CASE
                WHEN x.publication_id IS NULL OR x.verification_id IS NULL THEN 'unverified'
                WHEN x.shown_contract_id <> x.latest_contract_id THEN 'stale'
                WHEN x.success THEN 'verified'
                WHEN x.pending THEN 'pending'
                ELSE 'failed' END
        FROM summary x WHERE x.id = i.id"""


# ---------------------------------------------------------------- many applications

# 25 domains x 40 components name 1,000 applications ("payments-api", "orders-web", ...);
# beyond that a number follows ("payments-api-2").
DOMAINS = (
    "accounts", "analytics", "audit", "billing", "cart", "catalog", "checkout", "customers", "delivery",
    "documents", "fraud", "identity", "inventory", "invoices", "loyalty", "marketing", "notifications", "orders",
    "payments", "pricing", "profiles", "recommendations", "returns", "search", "shipping",
)  # fmt: skip
COMPONENTS = (
    # core (the first 5% of 1,000 applications), domain (to 25%), integration (to 65%), edge
    "api", "service",
    "store", "ledger", "engine", "indexer", "cache", "events", "processor", "validator",
    "gateway", "graphql", "public-api", "partner-api", "sync", "importer", "exporter", "scheduler", "reporting",
    "router", "adapter", "connector", "notifier", "webhooks", "batch", "stream",
    "bff", "worker", "admin", "portal", "dashboard", "cli", "backoffice", "kiosk", "widget", "console", "web",
    "mobile", "ios", "android",
)  # fmt: skip
# Applications shipped through app stores: released (several versions supported at once), not deployed.
RELEASED = ("mobile", "ios", "android")
PUBLIC = ("api", "public-api", "partner-api", "graphql", "web")
NETWORK_ENVIRONMENTS = (("test", False, 0), ("staging", False, 10), ("production", True, 30))
# Tiers, as fractions of the applications in the order they are numbered: core, domain,
# integration, edge. A provider is drawn from the first three with a cubic skew towards the
# front (the hubs), its consumer uniformly from the tiers after its own; REVERSED of the pairs
# point the other way, which closes a few cycles.
TIERS = (0.05, 0.25, 0.65)
REVERSED = 0.01
# How an integration's latest pact stands, by hash of its id (percent): no verification at
# all; only older pacts verified (stale); the latest failed; it failed while pending; the rest verified.
UNVERIFIED_BELOW, STALE_BELOW, FAILED_BELOW, PENDING_BELOW = 6, 16, 24, 28


@dataclass(frozen=True)
class NetworkShape:
    """How many applications, integrations and versions (in total, over all applications)."""

    applications: int
    integrations: int
    versions: int
    verifications_per_content: int = 2

    def __post_init__(self) -> None:
        if self.applications < 2 or self.integrations < 1:
            raise ValueError("at least two applications and one integration")
        if self.integrations > self.applications * (self.applications - 1) // 3:
            raise ValueError(f"{self.integrations} integrations is too dense for {self.applications} applications")
        if self.versions < self.applications * 2:
            raise ValueError("at least two versions per application")


def _uniform(seed: str) -> str:
    """A deterministic pseudo-random number in [0, 1) from an integer expression."""
    return f"((hashint4(({seed})::int) & 2147483647)::float8 / 2147483648)"


# Each application with its number i (1..applications), in the order they were inserted.
_APPS = "(SELECT id, name, row_number() OVER (ORDER BY id) AS i FROM contracts_pacticipant)"
# Versions per application.
_COUNTS = "(SELECT pacticipant_id, count(*) AS n FROM contracts_version GROUP BY pacticipant_id)"
# A seeded version number is 1.0.<g>, g = 1..n in the order they were built.
_G = "split_part(v.number, '.', 3)::int"


def _pact_format() -> str:
    """format() arguments: 1 consumer, 2 provider, 3 content number, 4-6 interaction ids."""
    return (
        '\'{"consumer":{"name":"%1$s"},"provider":{"name":"%2$s"},"interactions":['
        '{"_id":"%4$s","description":"a request for item %3$s","providerStates":[{"name":"an item exists",'
        '"params":{"id":%3$s}}],"request":{"method":"GET","path":"/items/%3$s","headers":{"Accept":'
        '"application/json"}},"response":{"status":200,"headers":{"Content-Type":"application/json"},'
        '"body":{"id":%3$s,"name":"item %3$s","tags":["new"]},"matchingRules":{"body":{"$.id":{"matchers":'
        '[{"match":"integer"}]},"$.name":{"matchers":[{"match":"type"}]},"$.tags":{"matchers":[{"match":"type",'
        '"min":1}]}}}}},{"_id":"%5$s","description":"a new item","request":{"method":"POST","path":"/items",'
        '"headers":{"Content-Type":"application/json"},"body":{"name":"item %3$s"}},"response":{"status":201,'
        '"body":{"id":%3$s},"matchingRules":{"body":{"$.id":{"matchers":[{"match":"integer"}]}}}}},'
        '{"_id":"%6$s","description":"a request for a missing item","providerStates":[{"name":"no items exist"}],'
        '"request":{"method":"GET","path":"/items/0"},"response":{"status":404}}],'
        '"metadata":{"pactSpecification":{"version":"3.0.0"}}}\''
    )


def network_statements(shape: NetworkShape) -> list[tuple[str, str]]:
    """(description, SQL) pairs that seed the many-applications data set from empty tables.

    - applications: `applications`, named from DOMAINS x COMPONENTS, each labelled with its
      team (`team-<domain>`), some `tier-1`, the public-facing ones `public`;
    - versions: `versions` in all, spread unevenly (at least one each, the rest by weights
      1..19), numbered 1.0.<n>, on main and four feature branches;
    - integrations: `integrations` distinct pairs between tiers (TIERS): a few core
      applications are hubs with hundreds of consumers, most providers have two or three,
      the edge applications (web, mobile, ...) consume and are seldom consumed; a few pairs
      point backwards (REVERSED), so there are cycles, but few;
    - pacts: every version of a consumer publishes to each of its providers, the content
      changing every CONTENT_EVERY versions (a three-interaction v3 pact);
    - verifications: each content by `verifications_per_content` provider versions of its
      time; the latest pact's outcome spread over every status (UNVERIFIED_BELOW, ...);
    - environments test, staging and production: every deployed application has a current
      deployment (most in production) and three earlier ones; RELEASED applications have
      five releases in production, three still supported.
    """
    a, n, per, every = shape.applications, shape.integrations, shape.verifications_per_content, CONTENT_EVERY
    domains = "(ARRAY[" + ", ".join(f"'{d}'" for d in DOMAINS) + "])"
    components = "(ARRAY[" + ", ".join(f"'{c}'" for c in COMPONENTS) + "])"
    name = (
        f"{domains}[1 + (i - 1) % {len(DOMAINS)}] || '-' || {components}[1 + ((i - 1) / {len(DOMAINS)}) % "
        f"{len(COMPONENTS)}] || CASE WHEN i > {len(DOMAINS) * len(COMPONENTS)} "
        f"THEN '-' || ((i - 1) / {len(DOMAINS) * len(COMPONENTS)} + 1) ELSE '' END"
    )
    component = "split_part(a.name, '-', 2) || CASE WHEN a.name LIKE '%-%-api%' THEN '-api' ELSE '' END"
    released = "(" + ", ".join(f"'{c}'" for c in RELEASED) + ")"
    public = "(" + ", ".join(f"'{c}'" for c in PUBLIC) + ")"
    branch = f"CASE WHEN {_G} % 3 <> 1 THEN 'main' ELSE 'feat/' || ({_G} % 4 + 1) END"
    environments = ", ".join(
        f"(gen_random_uuid(), '{env}', '{env.title()}', {str(prod).lower()}, '[]', now(), now())"
        for env, prod, _ in NETWORK_ENVIRONMENTS
    )
    behind = "CASE e.name " + " ".join(f"WHEN '{env}' THEN {lag}" for env, _, lag in NETWORK_ENVIRONMENTS) + " END"
    status_hash = "(hashint4(i.id::int) & 2147483647) % 100"
    spread = shape.versions - a  # one version each, the rest by weight
    core_end, domain_end, integration_end = (max(1, int(a * fraction)) for fraction in TIERS)
    # The last application of a provider's tier: its consumers come after it.
    above = (
        f"CASE WHEN p <= {core_end} THEN {core_end} WHEN p <= {domain_end} THEN {domain_end} ELSE {integration_end} END"
    )
    return [
        ("truncate", f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"),
        (
            "applications",
            f"""
            INSERT INTO contracts_pacticipant (name, display_name, main_branch, created_at, updated_at)
            SELECT {name}, initcap(replace({name}, '-', ' ')), 'main', now() - interval '400 days', now()
            FROM generate_series(1, {a}) i ORDER BY i""",
        ),
        (
            "labels",
            f"""
            INSERT INTO contracts_label (pacticipant_id, name, created_at)
            SELECT a.id, 'team-' || split_part(a.name, '-', 1), now() FROM {_APPS} a
            UNION ALL
            SELECT a.id, 'tier-1', now() FROM {_APPS} a WHERE (hashint4(a.i::int) & 2147483647) % 10 = 1
            UNION ALL
            SELECT a.id, 'public', now() FROM {_APPS} a WHERE {component} IN {public}""",
        ),
        (
            "versions",
            f"""
            WITH w AS (
                SELECT id, i, 1 + (hashint4((i * 7919)::int) & 2147483647) % 19 AS weight FROM {_APPS} a
            ), c AS (
                SELECT id, i, weight, sum(weight) OVER (ORDER BY i) AS cum, sum(weight) OVER () AS total FROM w
            ), n AS (
                SELECT id, i, 1 + {spread}::bigint * cum / total - {spread}::bigint * (cum - weight) / total AS n
                FROM c
            )
            INSERT INTO contracts_version (pacticipant_id, number, created_at, updated_at)
            SELECT n.id, '1.0.' || g, t, t
            FROM n CROSS JOIN LATERAL generate_series(1, n.n) g
            CROSS JOIN LATERAL (SELECT now() - (n.n - g)::float8 / n.n * interval '180 days'
                                       - (n.i % 60) * interval '1 minute' AS t) x
            ORDER BY t, n.id""",
        ),
        (
            "branches",
            """
            INSERT INTO contracts_branch (pacticipant_id, name, created_at, updated_at)
            SELECT p.id, b.name, now() - interval '200 days', now() FROM contracts_pacticipant p
            CROSS JOIN (VALUES ('main'), ('feat/1'), ('feat/2'), ('feat/3'), ('feat/4')) b(name)""",
        ),
        *_branch_memberships(branch),
        (
            "integrations",
            f"""
            WITH providers AS (
                SELECT k, 1 + floor({integration_end} * power({_uniform("k * 3 + 1")}, 3))::int AS p
                FROM generate_series(1, {n * 8 + 1000}) k
            ), candidates AS (
                SELECT k, p, {above} + 1 + floor(({a} - {above}) * {_uniform("k * 3 + 2")})::int AS c,
                       {_uniform("k * 3 + 3")} < {REVERSED} AS reversed
                FROM providers
            ), oriented AS (
                SELECT k, CASE WHEN reversed THEN p ELSE c END AS c, CASE WHEN reversed THEN c ELSE p END AS p
                FROM candidates
            ), pairs AS (
                SELECT DISTINCT ON (c, p) c, p, k FROM oriented WHERE c <> p ORDER BY c, p, k
            ), chosen AS (
                SELECT c, p FROM pairs ORDER BY k LIMIT {n}
            )
            INSERT INTO contracts_integration (consumer_id, provider_id, created_at, contract_data_updated_at)
            SELECT ca.id, pa.id, now() - interval '180 days', now()
            FROM chosen JOIN {_APPS} ca ON ca.i = chosen.c JOIN {_APPS} pa ON pa.i = chosen.p
            ORDER BY ca.id, pa.id""",
        ),
        (
            "integrations: the count checked",
            f"""
            DO $$ BEGIN
                IF (SELECT count(*) FROM contracts_integration) <> {n} THEN
                    RAISE EXCEPTION 'seeded % integrations, not {n}: too dense a shape',
                        (SELECT count(*) FROM contracts_integration);
                END IF;
            END $$""",
        ),
        (
            "pact contents",
            f"""
            INSERT INTO contracts_contract (consumer_id, provider_id, sha, document, raw, specification_version,
                                            interactions_count, messages_count, created_at)
            SELECT i.consumer_id, i.provider_id, rpad(md5(i.id || '-' || k), 40, '0'), doc, doc, '3.0.0', 3, 0,
                   now() - interval '180 days'
            FROM contracts_integration i
            JOIN {_COUNTS} cn ON cn.pacticipant_id = i.consumer_id
            JOIN contracts_pacticipant ca ON ca.id = i.consumer_id
            JOIN contracts_pacticipant pa ON pa.id = i.provider_id
            CROSS JOIN LATERAL generate_series(0, cn.n / {every}) k
            CROSS JOIN LATERAL (
                SELECT format({_pact_format()}, ca.name, pa.name, k, md5(i.id || '-' || k || '-1'),
                              md5(i.id || '-' || k || '-2'), md5(i.id || '-' || k || '-3')) AS doc
            ) d
            ORDER BY i.id, k""",
        ),
        (
            "pact publications",
            f"""
            INSERT INTO contracts_contractpublication (consumer_version_id, consumer_id, provider_id, contract_id,
                                                       revision, is_current, created_at)
            SELECT v.id, i.consumer_id, i.provider_id, ct.id, 1, true, v.created_at
            FROM contracts_integration i
            JOIN contracts_version v ON v.pacticipant_id = i.consumer_id
            JOIN contracts_contract ct ON ct.consumer_id = i.consumer_id AND ct.provider_id = i.provider_id
             AND ct.sha = rpad(md5(i.id || '-' || ({_G} / {every})), 40, '0')
            ORDER BY v.id, i.provider_id""",
        ),
        (
            "verifications",
            f"""
            WITH contents AS (
                SELECT ct.id, i.consumer_id, i.provider_id, k, cn.n / {every} AS newest, cn.n AS cn, pn.n AS pn,
                       {status_hash} AS h
                FROM contracts_integration i
                JOIN {_COUNTS} cn ON cn.pacticipant_id = i.consumer_id
                JOIN {_COUNTS} pn ON pn.pacticipant_id = i.provider_id
                CROSS JOIN LATERAL generate_series(0, cn.n / {every}) k
                JOIN contracts_contract ct ON ct.consumer_id = i.consumer_id AND ct.provider_id = i.provider_id
                 AND ct.sha = rpad(md5(i.id || '-' || k), 40, '0')
            ), results AS (
                SELECT c.*, j, c.k = c.newest AND j = {per - 1} AS deciding,
                       greatest(1, least(c.pn, c.k::bigint * {every} * c.pn / c.cn + 1) - ({per - 1} - j)) AS pv
                FROM contents c CROSS JOIN generate_series(0, {per - 1}) j
                WHERE c.h >= {UNVERIFIED_BELOW} AND NOT (c.h < {STALE_BELOW} AND c.k = c.newest)
            )
            INSERT INTO contracts_verification (contract_id, provider_version_id, consumer_id, provider_id, success,
                                                wip, pending, consumer_version_selectors, provider_version_tags,
                                                execution_date, created_at)
            SELECT r.id, v.id, r.consumer_id, r.provider_id,
                   CASE WHEN r.deciding THEN r.h >= {PENDING_BELOW}
                        ELSE (hashint4((r.id * 31 + r.j)::int) & 2147483647) % 20 <> 0 END,
                   false,
                   CASE WHEN r.deciding AND r.h >= {FAILED_BELOW} AND r.h < {PENDING_BELOW} THEN true END,
                   '[]', '[]', v.created_at + interval '7 minutes', v.created_at + interval '7 minutes'
            FROM results r
            JOIN contracts_version v ON v.pacticipant_id = r.provider_id AND v.number = '1.0.' || r.pv
            ORDER BY r.id, r.j""",
        ),
        (
            "environments",
            f"""
            INSERT INTO contracts_environment (uuid, name, display_name, production, contacts, created_at, updated_at)
            VALUES {environments}""",
        ),
        (
            "deployments (current and earlier)",
            f"""
            INSERT INTO contracts_deployedversion (uuid, version_id, pacticipant_id, environment_id, target,
                                                   undeployed_at, auto_created, created_at, updated_at)
            SELECT gen_random_uuid(), v.id, v.pacticipant_id, e.id, NULL,
                   CASE WHEN lag = 0 THEN NULL ELSE now() - lag * interval '1 day' END, false,
                   now() - (lag + 1) * interval '1 day', now()
            FROM {_APPS} a
            JOIN {_COUNTS} cn ON cn.pacticipant_id = a.id
            CROSS JOIN contracts_environment e
            CROSS JOIN generate_series(0, 3) lag
            JOIN contracts_version v ON v.pacticipant_id = a.id
             AND v.number = '1.0.' || greatest(1, cn.n - {behind} - lag * 5)
            WHERE {component} NOT IN {released}
              AND NOT (e.production AND (hashint4(a.i::int) & 2147483647) % 10 = 0)
            ORDER BY lag DESC, a.id, e.id""",
        ),
        (
            "releases",
            f"""
            INSERT INTO contracts_releasedversion (uuid, version_id, pacticipant_id, environment_id,
                                                   support_ended_at, created_at, updated_at)
            SELECT gen_random_uuid(), v.id, v.pacticipant_id, e.id,
                   CASE WHEN r < 3 THEN NULL ELSE now() - r * interval '10 days' END,
                   now() - (r + 1) * interval '10 days', now()
            FROM {_APPS} a
            JOIN {_COUNTS} cn ON cn.pacticipant_id = a.id
            JOIN contracts_environment e ON e.production
            CROSS JOIN generate_series(0, 4) r
            JOIN contracts_version v ON v.pacticipant_id = a.id AND v.number = '1.0.' || greatest(1, cn.n - r * 10)
            WHERE {component} IN {released}
            ORDER BY r DESC, a.id
            ON CONFLICT DO NOTHING""",
        ),
        ("integration summaries", summaries_sql()),
        ("analyze", "ANALYZE"),
    ]
