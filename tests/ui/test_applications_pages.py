"""The application pages: the list (search, keyset pages, labels) and one application's page
(versions, where it runs, integrations, can-i-deploy per environment, badges)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from contracts.models import Label, Pacticipant
from tests.builders import TestData
from tests.client import ApiClient

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def get(api: ApiClient, path: str, **extra: str):
    return api.get(path, **HTML, **extra)


def text(response) -> str:
    """The page's words, tags dropped and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def names(response) -> list[str]:
    """The application names of the list's rows, in order."""
    return re.findall(r'<th scope="row"><a href="/ui/applications/[^"]+">([^<]+)</a>', response.content.decode())


def section(response, title_id: str) -> str:
    """The words of one section of the page (by its heading's id)."""
    html = response.content.decode()
    match = re.search(rf'<section aria-labelledby="{title_id}">(.*?)</section>', html, re.S)
    assert match, title_id
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.fixture
def shop(td: TestData) -> TestData:
    """Web (main branch, repository, label) consumes Orders and Payments; Mobile consumes Web."""
    td.environment("production", production=True)
    td.environment("test")
    td.publish("Web", "1.0.0", provider="Orders", branch="main").verify("10")
    td.publish("Web", "1.1.0", providers=["Orders", "Payments"], branch="main", tags=["rc"], variant="v11")
    td.verify("10", contract=td.contracts[("Web", "1.1.0", "Orders")])
    td.verify("20", contract=td.contracts[("Web", "1.1.0", "Payments")], success=False)
    td.publish("Mobile", "5", provider="Web")
    td.deploy("Orders", "10", to="production")
    td.deploy("Payments", "20", to="production")
    td.deploy("Web", "1.0.0", to="production", target="blue")
    td.deploy("Web", "1.1.0", to="test")
    td.release("Web", "1.0.0", to="test")
    web = Pacticipant.objects.get(name="Web")
    web.main_branch, web.repository_url = "main", "https://git.example/shop/web"
    web.save()
    Label.objects.create(pacticipant=web, name="frontend")
    return td


def test_the_list_shows_every_application_with_its_labels(api: ApiClient, shop: TestData) -> None:
    response = get(api, "/ui/applications")
    assert response.status_code == 200
    assert names(response) == ["Mobile", "Orders", "Payments", "Web"]
    html = response.content.decode()
    assert 'badge badge-label">frontend<' in html
    assert 'badge badge-branch">main<' in html
    assert 'href="https://git.example/shop/web"' in html
    assert 'aria-current="page">Applications<' in html


def test_the_list_searches_by_name(api: ApiClient, shop: TestData) -> None:
    assert names(get(api, "/ui/applications?q=ORD")) == ["Orders"]
    assert "No application matches" in text(get(api, "/ui/applications?q=zzz"))


def test_the_list_pages_by_keyset_both_ways(api: ApiClient, td: TestData) -> None:
    for n in range(30):
        td.version(f"App{n:02d}", "1")
    first = get(api, "/ui/applications")
    assert len(names(first)) == 25
    after = re.search(r'rel="next" href="/ui/applications\?([^"]+)"', first.content.decode()).group(1)
    second = get(api, "/ui/applications?" + unescape(after))
    assert names(second) == [f"App{n:02d}" for n in range(25, 30)]
    before = re.search(r'rel="prev" href="/ui/applications\?([^"]+)"', second.content.decode()).group(1)
    assert names(get(api, "/ui/applications?" + unescape(before))) == names(first)


def test_a_repository_url_that_is_not_http_is_never_a_link(api: ApiClient, td: TestData) -> None:
    td.version("Evil", "1")
    Pacticipant.objects.filter(name="Evil").update(repository_url="javascript:alert(1)")
    for path in ("/ui/applications", "/ui/applications/Evil"):
        html = get(api, path).content.decode()
        assert 'href="javascript:' not in html
        assert "<code>javascript:alert(1)</code>" in html


@pytest.mark.parametrize("query", ["after=nope", "after=WzFd", "after=a&before=b"])
def test_a_bad_list_query_is_a_400_page(api: ApiClient, shop: TestData, query: str) -> None:
    response = get(api, f"/ui/applications?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_the_application_page_shows_what_it_is(api: ApiClient, shop: TestData) -> None:
    response = get(api, "/ui/applications/Web")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Web · Accord</title>" in html
    facts = re.search(r'<dl class="facts facts-box">(.*?)</dl>', html, re.S).group(1)
    assert "main" in facts and "https://git.example/shop/web" in facts and "frontend" in facts
    assert 'href="/pacticipants/Web"' in facts


def test_versions_newest_first_with_branch_tag_and_environment_badges(api: ApiClient, shop: TestData) -> None:
    versions = section(get(api, "/ui/applications/Web"), "versions-title")
    assert versions.index("1.1.0") < versions.index("1.0.0")
    assert "1.1.0 main (head) rc test" in versions
    # 1.1.0 is deployed to test; 1.0.0 is deployed to production and released in test.
    row_110 = versions[versions.index("1.1.0") : versions.index("1.0.0")]
    assert "test" in row_110 and "production" not in row_110
    assert "production" in versions[versions.index("1.0.0") :]


def test_versions_page_older_by_keyset(api: ApiClient, td: TestData) -> None:
    for n in range(25):
        td.version("App", f"1.{n}")
    first = get(api, "/ui/applications/App")
    numbers = re.findall(r"<code>(1\.\d+)</code></a></th>", first.content.decode())
    assert numbers == [f"1.{n}" for n in range(24, 4, -1)]
    older = re.search(r'rel="next" href="/ui/applications/App\?([^"]+)"', first.content.decode()).group(1)
    second = get(api, "/ui/applications/App?" + unescape(older))
    assert re.findall(r"<code>(1\.\d+)</code></a></th>", second.content.decode()) == [
        f"1.{n}" for n in range(4, -1, -1)
    ]
    assert 'rel="next"' not in second.content.decode()
    assert "Newest versions" in second.content.decode()


def test_where_it_runs_per_environment(api: ApiClient, shop: TestData) -> None:
    runs = section(get(api, "/ui/applications/Web"), "runs-title")
    assert "production 1.0.0 deployed instance blue" in runs
    assert "test 1.1.0 deployed" in runs and "1.0.0 released" in runs
    orders = section(get(api, "/ui/applications/Mobile"), "runs-title")
    assert orders.count("not deployed or released") == 2


def test_integrations_as_consumer_and_as_provider_with_their_status(api: ApiClient, shop: TestData) -> None:
    response = get(api, "/ui/applications/Web")
    integrations = section(response, "integrations-title")
    consumer_part, provider_part = integrations.split("As provider")
    assert "Orders 1.1.0" in consumer_part and "verified" in consumer_part
    assert "Payments 1.1.0" in consumer_part and "failed" in consumer_part
    assert "Mobile 5" in provider_part and "unverified" in provider_part
    html = response.content.decode()
    assert 'href="/ui/applications/Payments"' in html and 'href="/ui/applications/Mobile"' in html


def test_can_i_deploy_per_environment_for_the_main_branch_head(api: ApiClient, shop: TestData) -> None:
    response = get(api, "/ui/applications/Web")
    deploy = section(response, "deploy-title")
    assert "For version 1.1.0 , the head of its main branch (main)" in deploy
    # Payments 20 in production failed 1.1.0's pact; no version of Orders or Payments runs in test.
    assert "production no The verification for the pact between version 1.1.0 of Web and" in deploy
    assert (
        "test unknown There is no verified pact between version 1.1.0 of Web and a version of Orders currently in test"
        in deploy
    )
    html = response.content.decode()
    assert 'href="/ui/can-i-deploy?pacticipant=Web&amp;version=1.1.0&amp;environment=production"' in html
    # The same verdict as the API for the same question.
    body = api.get(
        "/can-i-deploy?pacticipant=Web&version=1.1.0&environment=production", HTTP_ACCEPT="application/hal+json"
    ).json()
    assert body["summary"]["deployable"] is False
    assert body["summary"]["reason"].split("\n")[0] in deploy


def test_without_a_main_branch_the_latest_version_is_checked(api: ApiClient, shop: TestData) -> None:
    deploy = section(get(api, "/ui/applications/Mobile"), "deploy-title")
    assert "For version 5 , its latest version" in deploy
    assert "There is no verified pact between" in deploy


def test_badges_to_copy_as_markdown(api: ApiClient, shop: TestData) -> None:
    html = unescape(get(api, "/ui/applications/Web").content.decode())
    base = "http://testserver"
    for markdown in (
        f"[![Web/Orders pact]({base}/pacts/provider/Orders/consumer/Web/latest/badge)]({base})",
        f"[![Mobile/Web pact]({base}/pacts/provider/Web/consumer/Mobile/latest/badge)]({base})",
        f"[![Web can-i-merge]({base}/pacticipants/Web/main-branch/can-i-merge/badge)]({base})",
        f"[![Web main to production]({base}/pacticipants/Web/branches/main/latest-version/can-i-deploy/"
        f"to-environment/production/badge)]({base})",
    ):
        assert f'data-copy="{markdown}"' in html, markdown
    # Every badge URL is one Accord serves.
    for url in set(re.findall(r'<img src="http://testserver(/[^"]+)"', html)):
        badge = api.get(url)
        assert badge.status_code == 200 and badge["Content-Type"].startswith("image/svg+xml"), url


def test_an_unknown_application_is_a_404_page(api: ApiClient, shop: TestData) -> None:
    response = get(api, "/ui/applications/Nobody")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "No application named “Nobody”" in response.content.decode()


@pytest.mark.parametrize("query", ["before=x", "before=0", "before=99999999999999999999999"])
def test_a_bad_versions_cursor_is_a_400_page(api: ApiClient, shop: TestData, query: str) -> None:
    response = get(api, f"/ui/applications/Web?{query}")
    assert response.status_code == 400
    assert "before" in text(response)


def test_the_home_page_links_to_the_applications(api: ApiClient, shop: TestData) -> None:
    html = get(api, "/").content.decode()
    assert 'href="/ui/applications/Web"' in html and 'href="/ui/applications/Orders"' in html


def test_names_with_a_slash_round_trip(api: ApiClient, td: TestData) -> None:
    td.publish("team/web", "1", provider="Orders")
    html = get(api, "/ui/applications/Orders").content.decode()
    assert 'href="/ui/applications/team%2Fweb"' in html
    assert get(api, "/ui/applications/team%2Fweb").status_code == 200


@pytest.mark.parametrize("size", [1, 15])
def test_the_application_page_runs_a_bounded_number_of_queries(
    api: ApiClient, td: TestData, django_assert_max_num_queries, size: int
) -> None:
    td.environment("production", production=True)
    td.environment("test")
    for n in range(size):
        td.publish("Web", f"1.{n}", providers=[f"P{n}", "Orders"], branch="main", variant=str(n))
        td.verify("10", contract=td.contracts[("Web", f"1.{n}", "Orders")])
        td.publish(f"C{n}", "1", provider="Web")
    td.deploy("Web", "1.0", to="production")
    td.deploy("Orders", "10", to="production")
    Pacticipant.objects.filter(name="Web").update(main_branch="main")
    # The page's reads (about ten) and can-i-deploy for each of the two environments.
    with django_assert_max_num_queries(27):
        response = get(api, "/ui/applications/Web")
    assert response.status_code == 200
    assert len(re.findall(r"<code>1\.\d+</code></a></th>", response.content.decode())) == size


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_runs_a_constant_number_of_queries(
    api: ApiClient, td: TestData, django_assert_num_queries, size: int
) -> None:
    for n in range(size):
        td.version(f"App{n:02d}", "1")
        Label.objects.create(pacticipant=Pacticipant.objects.get(name=f"App{n:02d}"), name="team")
    with django_assert_num_queries(2):
        response = get(api, "/ui/applications?q=app")
    assert len(names(response)) == min(size, 25)


@pytest.mark.parametrize("path", ["/ui/applications/a%00b", "/ui/applications?q=a%00b", "/ui/applications?after=%00"])
def test_a_nul_character_is_a_4xx_page_never_a_500(api: ApiClient, shop: TestData, path: str) -> None:
    response = get(api, path)
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("text/html")


def test_links_follow_a_script_name(api: ApiClient, shop: TestData) -> None:
    html = get(api, "/ui/applications/Web", SCRIPT_NAME="/pact").content.decode()
    assert 'href="/pact/ui/applications/Orders"' in html
    assert 'href="/pact/ui/can-i-deploy?pacticipant=Web&amp;version=1.1.0&amp;environment=production"' in html
    assert 'href="/pact/pacticipants/Web"' in html
    assert "http://testserver/pact/pacts/provider/Orders/consumer/Web/latest/badge" in html
    listing = get(api, "/ui/applications", SCRIPT_NAME="/pact").content.decode()
    assert 'href="/pact/ui/applications/Web"' in listing and 'hx-get="/pact/ui/applications"' in listing
