"""Keep selectors as SQL: which versions the clean keeps (contracts/services/clean.py).

Each selector has two spellings of one rule: `keep_query`, set-based, selects every version
it keeps (the clean's keep table, computed once); `kept_now` is a condition on one version,
for the few versions of a batch, checked again under their lock (through the indexes).
tests/contracts/test_clean.py checks that the two agree for every kind of selector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.conf import settings

from contracts.exceptions import InvalidInput
from contracts.keep_selectors import KeepSelector, keep_selector_parse, with_always_kept

Fragment = tuple[str, list[object]]


def sql_and(fragments: Sequence[Fragment]) -> Fragment:
    """SQL conditions with their parameters, ANDed (TRUE for none)."""
    if not fragments:
        return "TRUE", []
    return " AND ".join(f"({text})" for text, _ in fragments), [p for _, params in fragments for p in params]


def sql_or(fragments: Sequence[Fragment]) -> Fragment:
    """SQL conditions with their parameters, ORed."""
    return " OR ".join(f"({text})" for text, _ in fragments), [p for _, params in fragments for p in params]


def _criteria(selector: KeepSelector, v: str, now: datetime, *, tag_joined: bool = False) -> list[Fragment]:
    """The selector's criteria on the version aliased `v` ("latest" only where it means a branch head)."""
    env_params: list[object] = [selector.environment] if selector.environment else []
    env_d = " AND d.environment_id IN (SELECT id FROM contracts_environment WHERE name = %s)" if env_params else ""
    env_r = " AND r.environment_id IN (SELECT id FROM contracts_environment WHERE name = %s)" if env_params else ""
    deployed = (
        f"EXISTS (SELECT 1 FROM contracts_deployedversion d WHERE d.version_id = {v}.id "
        f"AND d.undeployed_at IS NULL{env_d})",
        list(env_params),
    )
    released = (
        f"EXISTS (SELECT 1 FROM contracts_releasedversion r WHERE r.version_id = {v}.id "
        f"AND r.support_ended_at IS NULL{env_r})",
        list(env_params),
    )
    out: list[Fragment] = []
    if selector.pacticipant:
        out.append(
            (f"{v}.pacticipant_id IN (SELECT id FROM contracts_pacticipant WHERE name = %s)", [selector.pacticipant])
        )
    if selector.max_age:
        out.append((f"{v}.created_at >= %s", [now - timedelta(days=selector.max_age)]))
    if selector.deployed:
        out.append(deployed)
    if selector.released:
        out.append(released)
    if selector.environment and not (selector.deployed or selector.released):
        out.append(sql_or([deployed, released]))
    if selector.branch:
        named = selector.branch if isinstance(selector.branch, str) else None
        if selector.latest:
            out.append(
                (
                    "EXISTS (SELECT 1 FROM contracts_branch b JOIN contracts_branchversion bv ON bv.id = b.head_id "
                    f"WHERE bv.version_id = {v}.id{' AND b.name = %s' if named else ''})",
                    [named] if named else [],
                )
            )
        else:
            out.append(
                (
                    f"EXISTS (SELECT 1 FROM contracts_branchversion bv WHERE bv.version_id = {v}.id"
                    f"{' AND bv.branch_name = %s' if named else ''})",
                    [named] if named else [],
                )
            )
    if selector.main_branch:
        if selector.latest:
            out.append(
                (
                    "EXISTS (SELECT 1 FROM contracts_branch b JOIN contracts_branchversion bv ON bv.id = b.head_id "
                    "JOIN contracts_pacticipant p ON p.id = b.pacticipant_id "
                    f"WHERE bv.version_id = {v}.id AND b.name = p.main_branch)",
                    [],
                )
            )
        else:
            out.append(
                (
                    "EXISTS (SELECT 1 FROM contracts_branchversion bv JOIN contracts_pacticipant p "
                    f"ON p.id = bv.pacticipant_id WHERE bv.version_id = {v}.id AND bv.branch_name = p.main_branch)",
                    [],
                )
            )
    if selector.tag and not tag_joined:
        named = selector.tag if isinstance(selector.tag, str) else None
        out.append(
            (
                f"EXISTS (SELECT 1 FROM contracts_tag t WHERE t.version_id = {v}.id{' AND t.name = %s' if named else ''})",
                [named] if named else [],
            )
        )
    return out


def _newest_per_group(selector: KeepSelector) -> bool:
    """`latest` that means the newest version per pacticipant (per tag name for `tag: true`)."""
    return selector.latest and not selector.latest_is_head


def keep_query(selector: KeepSelector, now: datetime) -> Fragment:
    """SELECT id of every version the selector keeps: set-based, for the whole broker."""
    if _newest_per_group(selector):
        if selector.tag is True:
            where, params = sql_and(_criteria(selector, "v", now, tag_joined=True))
            return (
                "SELECT max(v.id) AS id FROM contracts_version v JOIN contracts_tag t ON t.version_id = v.id "
                f"WHERE {where} GROUP BY v.pacticipant_id, t.name",
                params,
            )
        where, params = sql_and(_criteria(selector, "v", now))
        return f"SELECT max(v.id) AS id FROM contracts_version v WHERE {where} GROUP BY v.pacticipant_id", params
    where, params = sql_and(_criteria(selector, "v", now))
    return f"SELECT v.id FROM contracts_version v WHERE {where}", params


def kept_now(selector: KeepSelector, v: str, now: datetime) -> Fragment:
    """A condition on the version aliased `v`: the selector keeps it (the same answer as
    keep_query, row by row: for the few versions of a batch, through the indexes).

    "The newest" compares with max(id) of the group, which PostgreSQL reads backwards from
    the end of version_latest_idx (tag_head_idx for tags) and stops at the first match.
    """
    if not _newest_per_group(selector):
        return sql_and(_criteria(selector, v, now))
    if selector.tag is True:
        own, own_params = sql_and(_criteria(selector, v, now, tag_joined=True))
        newest, newest_params = sql_and(_criteria(selector, "w", now, tag_joined=True))
        return (
            f"EXISTS (SELECT 1 FROM contracts_tag t WHERE t.version_id = {v}.id AND {own} AND t.version_id = ("
            "SELECT max(t2.version_id) FROM contracts_tag t2 JOIN contracts_version w ON w.id = t2.version_id "
            f"WHERE t2.pacticipant_id = t.pacticipant_id AND t2.name = t.name AND {newest}))",
            own_params + newest_params,
        )
    own, own_params = sql_and(_criteria(selector, v, now))
    newest, newest_params = sql_and(_criteria(selector, "w", now))
    return (
        f"{own} AND {v}.id = (SELECT max(w.id) FROM contracts_version w "
        f"WHERE w.pacticipant_id = {v}.pacticipant_id AND {newest})",
        own_params + newest_params,
    )


def kept_now_ids(selectors: Sequence[KeepSelector], ids: list[int], now: datetime) -> Fragment:
    """SELECT id of those of the versions `ids` that a selector keeps now: one arm per
    selector, so that PostgreSQL plans each on its own (ORed in one WHERE, it hashes whole
    tables to test 200 rows)."""
    arms = [kept_now(selector, "v", now) for selector in selectors]
    return (
        " UNION ".join(f"SELECT v.id FROM contracts_version v WHERE v.id = ANY(%s) AND ({text})" for text, _ in arms),
        [p for _, params in arms for p in [ids, *params]],
    )


def keep_selectors_effective(keep: Sequence[KeepSelector | Mapping[str, object]] | None) -> list[KeepSelector]:
    """The selectors a clean uses: those given (else ACCORD_CLEAN_KEEP_VERSION_SELECTORS) plus
    those always kept (deployed, released, main branch heads). InvalidInput names a bad one."""
    given = settings.ACCORD_CLEAN_KEEP_VERSION_SELECTORS if keep is None else keep
    if not given:
        raise InvalidInput({"keep": ["give at least one keep selector"]})
    try:
        parsed = [item if isinstance(item, KeepSelector) else keep_selector_parse(item) for item in given]
    except ValueError as exc:
        raise InvalidInput({"keep": [str(exc)]}) from None
    return with_always_kept(parsed)
