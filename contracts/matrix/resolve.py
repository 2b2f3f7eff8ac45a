"""Step 1 of the pipeline: selectors to versions, and the integrations involved (4.6 steps 1-4).

The number of queries does not depend on how many integrations or versions there are:
pacticipants and environments are looked up by name together in one query, every
specified selector takes one indexed query, the integrations one query, and all inferred
selectors (the other side of every integration) are resolved together in one set-based
query.

Every can-i-deploy runs the statements of the common questions (a version by number, to an
environment), so those are SQL written out here (read through contracts.reading, like the
ORM's, from a replica inside a read-only request): compiling them through the ORM cost more
than running them (about 0.35 ms of Python each against 0.1 ms in PostgreSQL). The rarer
selector forms (branches, tags, latest) are built with the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import reduce
from operator import or_

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from contracts.exceptions import InvalidSelectors
from contracts.matrix.query import MatrixQuery, SelectorSpec
from contracts.matrix.types import (
    Integration,
    Resolution,
    ResolvedIgnore,
    ResolvedSelector,
)
from contracts.models import (
    Branch,
    BranchVersion,
    ContractPublication,
    DeployedVersion,
    Environment,
    Pacticipant,
    ReleasedVersion,
    Tag,
    Version,
)
from contracts.models import Integration as IntegrationModel
from contracts.reading import read_rows


def _dedupe(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _live_in(environment_id: int, pacticipant: Pacticipant) -> QuerySet:
    """Ids of the pacticipant's versions deployed or supported-released in the environment.

    A UNION driven by the deployment/release indexes: an `Exists(...) | Exists(...)` filter
    would instead test every version of the pacticipant.
    """
    deployed = DeployedVersion.objects.filter(
        environment_id=environment_id, pacticipant=pacticipant, undeployed_at__isnull=True
    ).values("version_id")
    released = ReleasedVersion.objects.filter(
        environment_id=environment_id, pacticipant=pacticipant, support_ended_at__isnull=True
    ).values("version_id")
    return deployed.union(released)


def _branch_head(pacticipant: Pacticipant, branch_name: str) -> Subquery:
    heads = Branch.objects.filter(pacticipant=pacticipant, name=branch_name).values("head__version_id")[:1]
    return Subquery(heads)


def _branch_head_for_deploy_questions(spec: SelectorSpec, query: MatrixQuery) -> SelectorSpec:
    """A branch without a version means its head when the question is can-i-deploy (latestby given).

    The Rust CLI sends `q[][branch]=main` without `q[][latest]=true` where the Ruby CLI
    sends both; both mean "the branch head". A plain matrix browse (no latestby) keeps
    "every version on the branch".
    """
    if query.latestby and (spec.branch or spec.main_branch) and not spec.version and not spec.latest:
        return replace(spec, latest=True)
    return spec


# The forms of a specified selector answered by the statement that looks up the names
# (_by_name): a version by number, the latest version, the head of a named branch.
BY_NUMBER, LATEST, BRANCH_HEAD = "number", "latest", "branch head"


def _common_form(spec: SelectorSpec) -> tuple[str, str, str | None] | None:
    """(form, pacticipant, value) of a selector in one of the everyday forms, else None."""
    if not spec.pacticipant:
        return None
    if spec.version and not (spec.latest or spec.branch or spec.main_branch or spec.tag or spec.environment):
        return BY_NUMBER, spec.pacticipant, spec.version
    if spec.latest and not (spec.version or spec.branch or spec.main_branch or spec.tag or spec.environment):
        return LATEST, spec.pacticipant, None
    if spec.latest and spec.branch and not (spec.version or spec.tag or spec.environment):
        return BRANCH_HEAD, spec.pacticipant, spec.branch  # a named branch wins over mainBranch
    return None


def _specified_versions(
    spec: SelectorSpec,
    pacticipant: Pacticipant,
    environments: dict[str, Environment],
    found: dict[tuple[str, str, str | None], list[tuple[int, str]]],
) -> list[tuple[int, str]] | None:
    """The versions one specified selector picks as (id, number), newest first (None: all
    versions of the pacticipant). `found`: the everyday forms' answers, read with the names."""
    if spec.only_pacticipant:
        return None
    form = _common_form(spec)
    if form is not None:
        return found.get(form, [])
    # The head of the main branch (its name is the pacticipant's, known only now).
    branch = spec.branch or (pacticipant.main_branch if spec.main_branch else None)
    if spec.latest and branch and not (spec.version or spec.tag or spec.environment):
        return read_rows(
            Version,
            f"SELECT v.id, v.number FROM {Branch._meta.db_table} b"
            f" JOIN {BranchVersion._meta.db_table} bv ON bv.id = b.head_id"
            f" JOIN {Version._meta.db_table} v ON v.id = bv.version_id"
            " WHERE b.pacticipant_id = %s AND b.name = %s",
            [pacticipant.id, branch],
        )
    return list(_selected(spec, pacticipant, environments).values_list("id", "number"))


def _selected(spec: SelectorSpec, pacticipant: Pacticipant, environments: dict[str, Environment]) -> QuerySet[Version]:
    """The versions of the other selector forms (branches, tags, latest, environments)."""
    versions = Version.objects.filter(pacticipant=pacticipant)
    branch = spec.branch or (pacticipant.main_branch if spec.main_branch else None)
    if spec.main_branch and not pacticipant.main_branch:
        return versions.none()
    head = spec.latest
    if spec.version:
        versions = versions.filter(number=spec.version)
    if spec.environment:
        versions = versions.filter(id__in=_live_in(environments[spec.environment].id, pacticipant))
    if branch and head and not spec.tag and not spec.environment:
        return versions.filter(id=_branch_head(pacticipant, branch))
    if branch:
        on_branch = BranchVersion.objects.filter(pacticipant=pacticipant, branch_name=branch).values("version_id")
        versions = versions.filter(id__in=on_branch)
    if spec.tag and spec.latest and not spec.environment and not branch:
        # Driven by the tag index: the newest version carrying the tag.
        newest = Tag.objects.filter(pacticipant=pacticipant, name=spec.tag).order_by("-version_id")
        return versions.filter(id=Subquery(newest.values("version_id")[:1]))
    if spec.tag:
        tagged = Tag.objects.filter(pacticipant=pacticipant, name=spec.tag).values("version_id")
        versions = versions.filter(id__in=tagged)
    versions = versions.order_by("-id")
    return versions[:1] if head else versions


def _expand(
    pid: int, name: str, spec: SelectorSpec, found: list[tuple[int, str]], *, specified: bool
) -> list[ResolvedSelector]:
    base = {"pacticipant_id": pid, "pacticipant_name": name, "spec": spec, "specified": specified}
    if not found:
        return [ResolvedSelector(**base)]
    many = len(found) > 1
    return [ResolvedSelector(**base, version_id=vid, version_number=number, one_of_many=many) for vid, number in found]


def _inferred_versions(
    query: MatrixQuery, ids: set[int], environments: dict[str, Environment]
) -> list[tuple[int, int, str]]:
    """(pacticipant id, version id, number) for the "to" target of every counterpart, set-based."""
    if query.environment:
        return _live_versions(environments[query.environment].id, ids)
    owners = Pacticipant.objects.filter(id__in=ids)
    if query.tag and query.latest:
        newest = Tag.objects.filter(pacticipant=OuterRef("pk"), name=query.tag).order_by("-version_id")
        heads = owners.annotate(v=Subquery(newest.values("version_id")[:1])).values("v")
        versions = Version.objects.filter(id__in=heads)
    elif query.tag:
        versions = Version.objects.filter(pacticipant_id__in=ids, tags__name=query.tag)
    elif query.main_branch and query.latest:
        heads = Branch.objects.filter(pacticipant_id__in=ids, name=F("pacticipant__main_branch"))
        versions = Version.objects.filter(id__in=heads.values("head__version_id"))
    elif query.main_branch:
        versions = Version.objects.filter(
            pacticipant_id__in=ids, branch_versions__branch_name=F("pacticipant__main_branch")
        )
    else:  # latest=true alone
        newest = Version.objects.filter(pacticipant=OuterRef("pk")).order_by("-id")
        versions = Version.objects.filter(id__in=owners.annotate(v=Subquery(newest.values("id")[:1])).values("v"))
    return list(versions.order_by("-id").values_list("pacticipant_id", "id", "number"))


def _live_versions(environment_id: int, ids: set[int]) -> list[tuple[int, int, str]]:
    """Every version of the pacticipants live in the environment: all application instances
    deployed there and all supported releases; newest first."""
    sql = f"""
        SELECT DISTINCT live.pacticipant_id, live.version_id, v.number
        FROM (
            SELECT pacticipant_id, version_id FROM {DeployedVersion._meta.db_table}
             WHERE environment_id = %(env)s AND pacticipant_id = ANY(%(ids)s::bigint[]) AND undeployed_at IS NULL
            UNION ALL
            SELECT pacticipant_id, version_id FROM {ReleasedVersion._meta.db_table}
             WHERE environment_id = %(env)s AND pacticipant_id = ANY(%(ids)s::bigint[]) AND support_ended_at IS NULL
        ) live
        JOIN {Version._meta.db_table} v ON v.id = live.version_id
        ORDER BY live.version_id DESC"""
    return read_rows(Version, sql, {"env": environment_id, "ids": sorted(ids)})


def _inferred(
    query: MatrixQuery, counterparts: dict[int, str], environments: dict[str, Environment]
) -> list[ResolvedSelector]:
    """Selectors for the other side of each integration, from the "to" option (step 4)."""
    if not counterparts:
        return []
    specs = {
        pid: SelectorSpec(
            pacticipant=name,
            latest=query.latest,
            tag=query.tag,
            environment=query.environment,
            main_branch=query.main_branch,
        )
        for pid, name in counterparts.items()
    }
    if not (query.latest or query.target_given):
        return [
            ResolvedSelector(pid, name, specs[pid], specified=False, all_versions=True)
            for pid, name in sorted(counterparts.items(), key=lambda item: item[1])
        ]
    found: dict[int, list[tuple[int, str]]] = {pid: [] for pid in counterparts}
    for pid, vid, number in _inferred_versions(query, set(counterparts), environments):
        found[pid].append((vid, number))
    selectors: list[ResolvedSelector] = []
    for pid, name in sorted(counterparts.items(), key=lambda item: item[1]):
        selectors += _expand(pid, name, specs[pid], found[pid], specified=False)
    return selectors


def _integration_rows(
    explicit: list[int], all_versions: set[int], existing: set[int]
) -> list[tuple[bool, int, str, int, str]]:
    """(required, consumer id and name, provider id and name): the providers the selected
    consumer versions really have pacts with (required), then the integrations of the
    selected pacticipants (required where a consumer is selected with all its versions)."""
    pacticipant = Pacticipant._meta.db_table
    sql = f"""
        SELECT DISTINCT true, pub.consumer_id, c.name, pub.provider_id, p.name
        FROM {ContractPublication._meta.db_table} pub
        JOIN {pacticipant} c ON c.id = pub.consumer_id
        JOIN {pacticipant} p ON p.id = pub.provider_id
        WHERE pub.consumer_version_id = ANY(%(explicit)s::bigint[]) AND pub.is_current
        UNION ALL
        SELECT false, i.consumer_id, c.name, i.provider_id, p.name
        FROM {IntegrationModel._meta.db_table} i
        JOIN {pacticipant} c ON c.id = i.consumer_id
        JOIN {pacticipant} p ON p.id = i.provider_id
        WHERE i.consumer_id = ANY(%(all)s::bigint[]) OR i.provider_id = ANY(%(existing)s::bigint[])"""
    return read_rows(Version, sql, {"explicit": explicit, "all": sorted(all_versions), "existing": sorted(existing)})


def _integrations(query: MatrixQuery, specified: list[ResolvedSelector]) -> list[Integration]:
    """The integrations involved (step 3): required where a specified pacticipant is consumer."""
    explicit = [s.version_id for s in specified if s.version_id is not None]
    all_versions = {s.pacticipant_id for s in specified if s.all_versions}
    existing = {s.pacticipant_id for s in specified if s.exists}
    found: dict[tuple[int, int], Integration] = {}

    def add(cid: int, cname: str, pid: int, pname: str, required: bool) -> None:
        known = found.get((cid, pid))
        found[(cid, pid)] = Integration(cid, cname, pid, pname, required or bool(known and known.required))

    if explicit or existing:
        for required, cid, cname, pid, pname in _integration_rows(explicit, all_versions, existing):
            add(cid, cname, pid, pname, required or cid in all_versions)
    integrations = list(found.values())
    if not query.infers_counterparts:
        # Several selectors and no target: only the integrations between the selected ones.
        chosen = {s.pacticipant_id for s in specified}
        integrations = [i for i in integrations if i.consumer_id in chosen and i.provider_id in chosen]
    return sorted(integrations, key=lambda i: (i.consumer_name, i.provider_name))


def _ignores(query: MatrixQuery, pacticipants: dict[str, Pacticipant]) -> list[ResolvedIgnore]:
    wanted = [
        (pacticipants[s.pacticipant].id, s.version) for s in query.ignore if s.pacticipant in pacticipants and s.version
    ]
    versions: dict[tuple[int, str], int] = {}
    if wanted:
        condition = reduce(or_, (Q(pacticipant_id=pid, number=number) for pid, number in wanted))
        for vid, pid, number in Version.objects.filter(condition).values_list("id", "pacticipant_id", "number"):
            versions[(pid, number)] = vid
    resolved = []
    for spec in query.ignore:
        owner = pacticipants.get(spec.pacticipant or "")
        pid = owner.id if owner else None
        vid = versions.get((pid, spec.version)) if pid is not None and spec.version else None
        resolved.append(ResolvedIgnore(spec.pacticipant or "", spec.version, pid, vid))
    return resolved


# Pacticipants (0) and environments (1) by name; versions by number (2); the latest versions
# (3): each id from the (pacticipant, id) index alone, then its row (as one ordered scan, the
# generic plan walked the primary key back from the newest version of any pacticipant, 8,570
# rows for the hub's); branch heads (4), through the branch's denormalised head. Versions and
# branches are matched as any of the names with any of the numbers (branches): every probe an
# index condition, where joining the pairs unnested was planned as hash joins over whole
# tables. A pair nobody asked for (A's number of B) is dropped by _by_name.
_BY_NAME_SQL = f"""
SELECT 0, id, name, main_branch, NULL::bigint, NULL::text
FROM {Pacticipant._meta.db_table} WHERE name = ANY(%(names)s::text[])
UNION ALL
SELECT 1, id, name, NULL, NULL, NULL FROM {Environment._meta.db_table} WHERE name = ANY(%(envs)s::text[])
UNION ALL
SELECT 2, p.id, p.name, v.number, v.id, v.number
FROM {Pacticipant._meta.db_table} p
JOIN {Version._meta.db_table} v ON v.pacticipant_id = p.id AND v.number = ANY(%(numbers)s::text[])
WHERE p.name = ANY(%(numbered)s::text[])
UNION ALL
SELECT 3, p.id, p.name, NULL, v.id, v.number
FROM {Pacticipant._meta.db_table} p
JOIN {Version._meta.db_table} v ON v.id = (
    SELECT l.id FROM {Version._meta.db_table} l WHERE l.pacticipant_id = p.id ORDER BY l.id DESC LIMIT 1
)
WHERE p.name = ANY(%(latest)s::text[])
UNION ALL
SELECT 4, p.id, p.name, b.name, v.id, v.number
FROM {Pacticipant._meta.db_table} p
JOIN {Branch._meta.db_table} b ON b.pacticipant_id = p.id AND b.name = ANY(%(branches)s::text[])
JOIN {BranchVersion._meta.db_table} bv ON bv.id = b.head_id
JOIN {Version._meta.db_table} v ON v.id = bv.version_id
WHERE p.name = ANY(%(branched)s::text[])
"""
_FORM_OF_KIND = {2: BY_NUMBER, 3: LATEST, 4: BRANCH_HEAD}


def _by_name(
    names: set[str], env_names: set[str], forms: set[tuple[str, str, str | None]]
) -> tuple[dict[str, Pacticipant], dict[str, Environment], dict[tuple[str, str, str | None], list[tuple[int, str]]]]:
    """The named pacticipants and environments, and the versions of the selectors in an
    everyday form (`forms`: a version by number, the latest, a branch head), in one
    statement: a can-i-deploy's first question, asked in one round trip. The instances
    carry only what resolving reads: ids, names and main branches."""
    if not names and not env_names:
        return {}, {}, {}

    def of(kind: str, position: int) -> list[str]:
        # The names (position 1) or the numbers and branches (2) of the forms of one kind.
        return sorted({form[position] for form in forms if form[0] == kind})

    params = {
        "names": sorted(names),
        "envs": sorted(env_names),
        "numbered": of(BY_NUMBER, 1),
        "numbers": of(BY_NUMBER, 2),
        "latest": of(LATEST, 1),
        "branched": of(BRANCH_HEAD, 1),
        "branches": of(BRANCH_HEAD, 2),
    }
    pacticipants: dict[str, Pacticipant] = {}
    environments: dict[str, Environment] = {}
    found: dict[tuple[str, str, str | None], list[tuple[int, str]]] = {}
    for kind, pk, name, text, version_id, number in read_rows(Version, _BY_NAME_SQL, params):
        if kind == 0:
            pacticipants[name] = Pacticipant(id=pk, name=name, main_branch=text)
        elif kind == 1:
            environments[name] = Environment(id=pk, name=name)
        elif (key := (_FORM_OF_KIND[kind], name, text)) in forms:
            found.setdefault(key, []).append((version_id, number))
    return pacticipants, environments, found


def resolve(query: MatrixQuery) -> Resolution:
    """Validate the query against the database and resolve every selector (400 on problems)."""
    problems = list(query.problems)
    names = {s.pacticipant for s in query.selectors if s.pacticipant}
    names |= {s.pacticipant for s in query.ignore if s.pacticipant}
    env_names = {s.environment for s in query.selectors if s.environment} | {query.environment} - {None}
    specs = [_branch_head_for_deploy_questions(spec, query) for spec in query.selectors]
    forms = {form for form in map(_common_form, specs) if form is not None}
    pacticipants, environments, found = _by_name(names, env_names, forms)
    problems += [
        f"Pacticipant {s.pacticipant} not found"
        for s in query.selectors
        if s.pacticipant and s.pacticipant not in pacticipants
    ]
    problems += [f"Environment with name '{name}' does not exist" for name in sorted(env_names - set(environments))]
    if problems:
        raise InvalidSelectors(_dedupe(problems))

    specified: list[ResolvedSelector] = []
    for spec in specs:
        owner = pacticipants[spec.pacticipant]
        versions = _specified_versions(spec, owner, environments, found)
        if versions is None:
            specified.append(ResolvedSelector(owner.id, owner.name, spec, all_versions=True))
        else:
            specified += _expand(owner.id, owner.name, spec, versions, specified=True)

    integrations = _integrations(query, specified)
    chosen = {s.pacticipant_id for s in specified}
    counterparts: dict[int, str] = {}
    if query.infers_counterparts:
        for i in integrations:
            for pid, name in ((i.consumer_id, i.consumer_name), (i.provider_id, i.provider_name)):
                if pid not in chosen:
                    counterparts[pid] = name
    return Resolution(
        specified=tuple(specified),
        inferred=tuple(_inferred(query, counterparts, environments)),
        ignores=tuple(_ignores(query, pacticipants)),
        integrations=tuple(integrations),
        ignore_given=query.ignore_given,
        no_target_for_single_selector=len(query.selectors) == 1 and not query.target_given,
    )
