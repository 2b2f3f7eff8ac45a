"""The clean (contracts/services/clean.py): which versions the keep selectors keep, what goes
with the others, the dry run, the limit, the lock, and what stays right afterwards."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from contracts.keep_selectors import DEFAULT_KEEP_SELECTORS, KeepSelector
from contracts.models import (
    Branch,
    BranchVersion,
    Contract,
    ContractPublication,
    DeployedVersion,
    Integration,
    ReleasedVersion,
    Tag,
    Verification,
    Version,
)
from contracts.selectors.keep import keep_query, keep_selectors_effective, kept_now
from contracts.services import clean, deployments
from contracts.services.clean import HANDLED, versions_clean
from contracts.services.integration_summaries import integration_summary_refresh
from contracts.services.versions import tag_add
from tests.builders import TestData

pytestmark = pytest.mark.django_db
EVERYTHING = 1_000_000


def age(pacticipant: str, number: str, days: float) -> None:
    Version.objects.filter(pacticipant__name=pacticipant, number=number).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def remaining() -> set[str]:
    return {f"{name} {number}" for name, number in Version.objects.values_list("pacticipant__name", "number")}


# ---------------------------------------------------------------- which versions are kept


@pytest.fixture
def scene(td: TestData, settings) -> TestData:
    """Web (consumer) on main and two feature branches with tags, API (provider) deployed and
    released, Mobile without branches. W5, W6 and A6 are a day old, the rest 200 days.

    Always kept whatever the selectors: A2 (deployed in production), A5 (deployed in test),
    A3 (released, supported) and the main branch heads W5 and A6.
    """
    settings.ACCORD_USE_FIRST_TAG_AS_BRANCH = False
    td.environment("production", production=True)
    td.environment("test")
    td.publish("Web", "W1", provider="API", branch="main", tags=["prod"])
    td.publish("Web", "W2", provider="API", branch="main")
    td.publish("Web", "W3", provider="API", branch="feat/a")
    td.publish("Web", "W4", provider="API", branch="feat/a", tags=["prod"])
    td.publish("Web", "W5", provider="API", branch="main")
    td.publish("Web", "W6", provider="API", branch="feat/b", tags=["dev"])
    td.branch("API", "A1", "main").deploy("API", "A1", to="production")
    td.branch("API", "A2", "main").deploy("API", "A2", to="production")  # ends A1's deployment
    td.release("API", "A3", to="production").release("API", "A4", to="production")
    deployments.release_end_support(released_version=ReleasedVersion.objects.get(version__number="A4"))
    td.branch("API", "A5", "main").deploy("API", "A5", to="test")
    td.branch("API", "A6", "main")
    tag_add(version=td.version("Mobile", "M1"), name="prod")
    td.version("Mobile", "M2")
    for pacticipant, number in Version.objects.values_list("pacticipant__name", "number"):
        age(pacticipant, number, 1 if number in {"W5", "W6", "A6"} else 200)
    return td


ALWAYS = {"API A2", "API A3", "API A5", "Web W5", "API A6"}
SELECTOR_CASES = {
    "max age": ([{"maxAge": 30}], {"Web W6"}),
    "branch heads": ([{"branch": True, "latest": True}], {"Web W4", "Web W6"}),
    "one branch's head": ([{"branch": "feat/a", "latest": True}], {"Web W4"}),
    "one branch": ([{"branch": "feat/a"}], {"Web W3", "Web W4"}),
    "the main branch": ([{"mainBranch": True}], {"Web W1", "Web W2", "API A1"}),
    "the main branch head of one pacticipant": ([{"mainBranch": True, "latest": True, "pacticipant": "Web"}], set()),
    "latest with a tag": ([{"tag": "prod", "latest": True}], {"Web W4", "Mobile M1"}),
    "latest per tag": ([{"tag": True, "latest": True}], {"Web W4", "Web W6", "Mobile M1"}),
    "a tag": ([{"tag": "prod"}], {"Web W1", "Web W4", "Mobile M1"}),
    "latest per pacticipant": ([{"latest": True}], {"Web W6", "Mobile M2"}),
    "latest of one pacticipant": ([{"pacticipant": "Web", "latest": True}], {"Web W6"}),
    "everything of one pacticipant": ([{"pacticipant": "Mobile"}], {"Mobile M1", "Mobile M2"}),
    "an environment": ([{"environment": "production"}], set()),
    "deployed in one environment": ([{"deployed": True, "environment": "test"}], set()),
    "latest deployed": ([{"deployed": True, "latest": True}], set()),
    "branch heads of a max age": ([{"branch": True, "latest": True, "maxAge": 30}], {"Web W6"}),
    "latest with a tag of one pacticipant": ([{"tag": "prod", "latest": True, "pacticipant": "Web"}], {"Web W4"}),
    "latest with a tag within a max age": ([{"tag": "prod", "latest": True, "maxAge": 300}], {"Web W4", "Mobile M1"}),
    "snake_case keys": ([{"main_branch": True}, {"max_age": 30}], {"Web W1", "Web W2", "API A1", "Web W6"}),
    "several selectors": ([{"tag": "dev"}, {"branch": "feat/a"}], {"Web W6", "Web W3", "Web W4"}),
    "the defaults": (
        [selector.as_dict() for selector in DEFAULT_KEEP_SELECTORS],
        {"Web W4", "Web W6", "Mobile M1", "Mobile M2"},
    ),
}


@pytest.mark.parametrize("keep, kept_too", SELECTOR_CASES.values(), ids=SELECTOR_CASES.keys())
def test_keep_selectors(scene, keep, kept_too):
    expected = ALWAYS | kept_too
    dry = versions_clean(keep=keep, limit=EVERYTHING, dry_run=True)
    assert (dry.versions_total, dry.versions_kept, dry.deleted["versions"]) == (14, len(expected), 14 - len(expected))
    assert remaining() == {f"{p} {n}" for p, n in Version.objects.values_list("pacticipant__name", "number")}

    result = versions_clean(keep=keep, limit=EVERYTHING)
    assert result.status == "done"
    assert remaining() == expected
    assert result.deleted["versions"] == 14 - len(expected)


@pytest.mark.parametrize("keep, kept_too", SELECTOR_CASES.values(), ids=SELECTOR_CASES.keys())
def test_the_batch_check_agrees_with_the_keep_set(scene, keep, kept_too):
    """kept_now (row by row, what a batch re-checks under its lock) and keep_query (set-based,
    the keep table) are two spellings of one rule."""
    now = timezone.now()
    for selector in keep_selectors_effective(keep):
        set_sql, set_params = keep_query(selector, now)
        row_sql, row_params = kept_now(selector, "v", now)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM ({set_sql}) kept", set_params)
            by_set = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT v.id FROM contracts_version v WHERE {row_sql}", row_params)
            by_row = {row[0] for row in cursor.fetchall()}
        assert by_set == by_row, selector


def test_deployed_released_and_main_heads_are_kept_whatever_the_selectors_say(scene):
    versions_clean(keep=[{"pacticipant": "Nobody"}], limit=EVERYTHING)
    assert remaining() == ALWAYS
    assert Branch.objects.get(pacticipant__name="Web", name="main").head.version.number == "W5"


def test_a_version_deployed_while_the_clean_runs_is_kept(scene):
    """The keep set is computed once; each batch checks its versions again under its lock."""
    deployed = []

    def deploy_w3(result):
        if not deployed:
            scene.deploy("Web", "W3", to="test")
            deployed.append(True)

    result = versions_clean(keep=[{"maxAge": 30}], limit=EVERYTHING, batch_size=1, on_batch=deploy_w3)
    assert remaining() == ALWAYS | {"Web W6", "Web W3"}
    assert result.deleted["versions"] == 14 - 7


# ---------------------------------------------------------------- dry run and limit


def test_a_dry_run_deletes_nothing_and_counts_what_the_run_then_deletes(scene):
    before = {model: model.objects.count() for model in (Version, ContractPublication, Verification, Tag, Contract)}
    dry = versions_clean(keep=[{"maxAge": 30}], limit=EVERYTHING, dry_run=True)
    assert {model: model.objects.count() for model in before} == before
    assert dry.status == "dry_run"
    assert dry.as_dict()["counts"]["versionsToDelete"] == 8
    assert dry.by_pacticipant["Web"]["count"] == 4
    assert dry.by_pacticipant["Web"]["fromVersion"]["number"] == "W1"
    assert dry.by_pacticipant["Web"]["toVersion"]["number"] == "W4"
    assert {entry["count"] for entry in dry.kept_by_selector if entry["selector"] == {"maxAge": 30}} == {3}

    done = versions_clean(keep=[{"maxAge": 30}], limit=EVERYTHING)
    assert done.deleted == dry.deleted
    assert done.by_pacticipant == dry.by_pacticipant


def test_the_limit_deletes_the_oldest_first_and_the_next_run_goes_on(scene):
    first = versions_clean(keep=[{"maxAge": 30}], limit=3, batch_size=2)
    assert (first.deleted["versions"], first.batches, first.stopped_by) == (3, 2, "limit")
    assert not remaining() & {"Web W1", "Web W2", "Web W3"}
    assert "Web W4" in remaining()

    dry = versions_clean(keep=[{"maxAge": 30}], limit=2, dry_run=True)
    assert dry.deleted["versions"] == 2
    assert dry.by_pacticipant["Web"]["fromVersion"]["number"] == "W4"

    second = versions_clean(keep=[{"maxAge": 30}], limit=100)
    assert (second.deleted["versions"], second.stopped_by) == (5, "nothing left")
    assert versions_clean(keep=[{"maxAge": 30}], limit=100).deleted["versions"] == 0


def test_settings_give_the_defaults(scene, settings):
    settings.ACCORD_CLEAN_KEEP_VERSION_SELECTORS = [{"tag": "prod"}]
    settings.ACCORD_CLEAN_DELETION_LIMIT = 2
    result = versions_clean()
    assert result.deleted["versions"] == 2
    assert {"deployed": True} in result.keep and {"tag": "prod"} in result.keep


# ---------------------------------------------------------------- what goes with a version


@pytest.fixture
def content(td: TestData) -> TestData:
    """Web 1 and 2 publish content X, Web 3 content Y, Web 4 (the main head) content Z; API p1
    and p2 are old, p3 is API's main head and deployed; Web 2 is tagged prod.

    keep=[{"tag": "prod"}] deletes Web 1, Web 3, API p1 and p2, and Mobile m1.
    """
    td.environment("production", production=True)
    td.publish("Web", "1", provider="API").verify("p1")
    x = td.contract
    td.publish("Web", "2", provider="API", tags=["prod"])
    td.publish("Web", "3", provider="API", variant="y").verify("p2", success=False)
    y = td.contract
    td.publish("Web", "4", provider="API", branch="main", variant="z")
    td.branch("API", "p3", "main").verify("p3", contract=x).verify("p3", contract=y).verify("p3")
    td.verify("p2")  # the newest result for the latest pact: from a version that goes
    td.deploy("API", "p3", to="production").deploy("Web", "2", to="production")
    td.publish("Mobile", "m1", provider="API").verify("p3")
    td.x, td.y = x, y  # type: ignore[attr-defined]
    return td


def test_pacts_and_results_of_deleted_versions_go_and_shared_content_stays(content):
    x, y = content.x, content.y  # type: ignore[attr-defined]
    result = versions_clean(keep=[{"tag": "prod"}], limit=EVERYTHING)

    assert remaining() == {"Web 2", "Web 4", "API p3"}
    assert Contract.objects.filter(pk=x.pk).exists()  # Web 2 still publishes it
    assert not Contract.objects.filter(pk=y.pk).exists()  # no one does any more
    assert set(ContractPublication.objects.values_list("consumer_version__number", flat=True)) == {"2", "4"}
    # p3's results stay, but for content no one publishes (Y, and Mobile m1's).
    assert set(Verification.objects.values_list("provider_version__number", "contract_id")) == {
        ("p3", x.pk),
        ("p3", ContractPublication.objects.get(consumer_version__number="4").contract_id),
    }
    assert result.deleted == {
        "versions": 5,
        "publications": 3,
        "contracts": 2,
        "verifications": 5,
        "tags": 0,
        "branchVersions": 0,
        "deployments": 0,
        "releases": 0,
    }


def test_tags_branch_memberships_ended_deployments_go_and_heads_move_back(td: TestData):
    td.environment("production", production=True)
    td.publish("Web", "1", provider="API", branch="feat", tags=["t"]).deploy("Web", "1", to="production")
    td.publish("Web", "2", provider="API", branch="feat").deploy("Web", "2", to="production")  # ends 1's
    td.publish("Web", "3", provider="API", branch="feat")  # feat's head, and it goes
    td.publish("Web", "4", provider="API", branch="main")
    result = versions_clean(keep=[{"pacticipant": "Nobody"}], limit=EVERYTHING)
    assert remaining() == {"Web 2", "Web 4"}  # 2 is deployed; 4 is main's head
    assert (result.deleted["tags"], result.deleted["deployments"], result.deleted["branchVersions"]) == (1, 1, 2)
    assert not Tag.objects.exists()
    assert DeployedVersion.objects.get().version.number == "2"
    assert Branch.objects.get(name="feat").head.version.number == "2"
    assert Branch.objects.get(name="main").head.version.number == "4"
    assert BranchVersion.objects.count() == 2


def test_a_branch_left_without_versions_has_no_head(td: TestData):
    td.publish("Web", "1", provider="API", branch="feat").publish("Web", "2", provider="API", branch="main")
    versions_clean(keep=[{"pacticipant": "Nobody"}], limit=EVERYTHING)
    assert remaining() == {"Web 2"}
    assert Branch.objects.get(name="feat").head is None


def summaries() -> dict[tuple[str, str], tuple]:
    return {
        (row.consumer.name, row.provider.name): (
            row.latest_publication_id,
            row.latest_consumer_version_number,
            row.latest_verification_id,
            row.latest_provider_version_number,
            row.latest_verification_success,
            row.verification_status,
        )
        for row in Integration.objects.select_related("consumer", "provider")
    }


def test_integration_summaries_stay_right(content):
    assert summaries()[("Web", "API")][3] == "p2"
    versions_clean(keep=[{"tag": "prod"}], limit=EVERYTHING)
    stored = summaries()
    for consumer_id, provider_id in Integration.objects.values_list("consumer_id", "provider_id"):
        integration_summary_refresh(consumer_id=consumer_id, provider_id=provider_id)
    assert stored == summaries()
    assert stored[("Web", "API")][1:] == ("4", stored[("Web", "API")][2], "p3", True, "verified")
    assert stored[("Mobile", "API")][1:] == (None, None, None, None, "unverified")


def can_i_deploy(api, pacticipant: str, version: str) -> tuple:
    response = api.get(f"/can-i-deploy?pacticipant={pacticipant}&version={version}&environment=production")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = sorted(
        (
            row["consumer"]["version"]["number"],
            row["provider"]["version"]["number"] if row["provider"].get("version") else None,
            (row.get("verificationResult") or {}).get("success"),
        )
        for row in body["matrix"]
    )
    return body["summary"], rows


def test_can_i_deploy_answers_the_same_for_kept_versions(content, api):
    questions = [("Web", "2"), ("Web", "4"), ("API", "p3")]
    before = {question: can_i_deploy(api, *question) for question in questions}
    versions_clean(keep=[{"tag": "prod"}], limit=EVERYTHING)
    assert {question: can_i_deploy(api, *question) for question in questions} == before
    assert before[("Web", "2")][0]["deployable"] is True


def test_rows_of_other_apps_follow_their_on_delete(content):
    """Found through the models: drift's runs forget a deleted version, a verification run's
    pact goes with its content, and contracts/ names neither."""
    from drift.models import LiveRun
    from tests.builders import live_target
    from verifier.models import VerificationRun, VerificationRunPact

    target = live_target("API", "production")
    p1 = content.version("API", "p1")
    run = LiveRun.objects.create(
        target=target, provider=p1.pacticipant, environment=target.environment, trigger="api", provider_version=p1
    )
    verification_run = VerificationRun.objects.create(
        provider=p1.pacticipant, provider_version_number="p9", base_url="http://x"
    )
    y_pact = VerificationRunPact.objects.create(run=verification_run, contract=content.y, success=False)  # type: ignore[attr-defined]
    x_pact = VerificationRunPact.objects.create(
        run=verification_run,
        contract=content.x,  # type: ignore[attr-defined]
        success=True,
        verification=Verification.objects.get(provider_version__number="p1"),
    )
    versions_clean(keep=[{"tag": "prod"}], limit=EVERYTHING)

    run.refresh_from_db()
    assert (run.provider_version_id, run.provider_version_number) == (None, None)
    assert not VerificationRunPact.objects.filter(pk=y_pact.pk).exists()
    x_pact.refresh_from_db()
    assert x_pact.verification_id is None  # p1's result went; the run's record of it stays


def test_every_relation_into_a_deleted_model_is_handled_or_followed():
    """A new foreign key into what the clean deletes is either in HANDLED (done in SQL) or
    followed generically; a PROTECT one would stop the clean, so none may exist."""
    from django.db import models

    for model in (
        Version,
        Contract,
        ContractPublication,
        Verification,
        BranchVersion,
        Tag,
        DeployedVersion,
        ReleasedVersion,
    ):
        for relation in model._meta.get_fields(include_hidden=True):
            if relation.auto_created and not relation.concrete and (relation.one_to_one or relation.one_to_many):
                key = (relation.related_model, relation.field.name)
                assert key in HANDLED or relation.on_delete in (models.CASCADE, models.SET_NULL, models.DO_NOTHING), key


# ---------------------------------------------------------------- access and the lock


def test_each_batch_is_an_admin_write(scene, monkeypatch):
    from contracts import access

    writes = []
    monkeypatch.setattr(access, "_handlers", [*access.registered(), lambda actor, write: writes.append(write)])
    versions_clean(keep=[{"maxAge": 30}], limit=EVERYTHING, batch_size=5)
    assert [(write.action, write.admin, write.details["versions"]) for write in writes] == [
        ("versions.clean", True, 5),
        ("versions.clean", True, 3),
    ]


def test_a_reader_cannot_clean(scene):
    from contracts import access

    reader = access.Actor(kind="token", name="ci", scopes=frozenset({"read", "write"}))
    with access.acting_as(reader), pytest.raises(access.Forbidden, match="cleaning old versions needs an admin"):
        versions_clean(keep=[{"maxAge": 30}], limit=EVERYTHING)
    assert len(remaining()) == 14
    with connection.cursor() as cursor:  # the lock went with the failed clean
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_two_cleans_at_once_one_says_already_running(settings):
    """Two sessions (threads with their own connections): the second finds the advisory lock taken."""
    settings.ACCORD_USE_FIRST_TAG_AS_BRANCH = False
    td = TestData()
    for number in range(1, 5):
        td.publish("Web", str(number), provider="API", branch="main")
    inside, release = threading.Event(), threading.Event()
    results = {}

    def hold_after_first_batch(result):
        if result.batches == 1:
            inside.set()
            assert release.wait(60), "the main thread never let the first clean go on"

    def first_clean():
        try:
            results["first"] = versions_clean(
                keep=[{"pacticipant": "Nobody"}], limit=EVERYTHING, batch_size=1, on_batch=hold_after_first_batch
            )
        except BaseException as exc:  # reported by the main thread
            results["first"] = exc
            inside.set()
        finally:
            connection.close()

    thread = threading.Thread(target=first_clean)
    thread.start()
    try:
        assert inside.wait(60), "the first clean never finished a batch"
        second = versions_clean(keep=[{"pacticipant": "Nobody"}], limit=EVERYTHING)
    finally:
        release.set()
        thread.join(60)
    assert second.status == "already_running"
    assert second.deleted == {}
    first = results["first"]
    assert not isinstance(first, BaseException), first
    assert (first.status, first.deleted["versions"]) == ("done", 3)
    assert remaining() == {"Web 4"}  # main's head
    # The lock is free again: a third clean runs (with nothing left to delete).
    assert versions_clean(keep=[{"pacticipant": "Nobody"}], limit=EVERYTHING).status == "done"


# ---------------------------------------------------------------- the task


def test_the_task_does_nothing_while_the_clean_is_off(scene, settings):
    from contracts.tasks import clean_task

    settings.ACCORD_CLEAN_ENABLED = False
    assert clean_task() == {"status": "disabled"}
    assert len(remaining()) == 14


def test_the_task_cleans_as_configured(scene, settings):
    from contracts.tasks import clean_task

    settings.ACCORD_CLEAN_ENABLED = True
    settings.ACCORD_CLEAN_KEEP_VERSION_SELECTORS = [{"maxAge": 30}]
    settings.ACCORD_CLEAN_DELETION_LIMIT = 5
    settings.ACCORD_CLEAN_DRY_RUN = True
    assert clean_task()["toDelete"]["versions"] == 5
    assert len(remaining()) == 14
    settings.ACCORD_CLEAN_DRY_RUN = False
    assert clean_task()["deleted"]["versions"] == 5
    assert clean_task()["deleted"]["versions"] == 3
    assert remaining() == ALWAYS | {"Web W6"}


def test_invalid_selectors_are_refused():
    from contracts.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="unknown keep selector key 'lastest'"):
        versions_clean(keep=[{"lastest": True}], limit=1)
    with pytest.raises(InvalidInput, match="selects every version"):
        versions_clean(keep=[{"latest": False}], limit=1)


def test_the_effective_selectors_always_keep_what_runs_and_main_heads():
    assert keep_selectors_effective([{"deployed": True}, {"maxAge": 7}]) == [
        KeepSelector(deployed=True),
        KeepSelector(max_age=7),
        KeepSelector(released=True),
        KeepSelector(main_branch=True, latest=True),
    ]
    assert clean.LOCK_KEY  # a constant, shared by every process
