"""Matrix query strings: the exact ones both CLIs send, Rack nesting rules, and every problem."""

from __future__ import annotations

import pytest

from contracts.matrix.query import (
    DEFAULT_LIMIT,
    IgnoreSpec,
    MatrixQuery,
    SelectorSpec,
    parse_matrix_query,
)

FOO_123 = SelectorSpec(pacticipant="Foo", version="1.2.3")

# client-wire.md section 3: what the Rust and Ruby CLIs send, and what it must mean.
CLI_QUERIES = {
    "rust version to environment": (
        "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvpv&environment=production",
        MatrixQuery(selectors=(FOO_123,), latestby="cvpv", environment="production"),
    ),
    "ruby version to environment": (
        "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&environment=production",
        MatrixQuery(selectors=(FOO_123,), latestby="cvp", environment="production"),
    ),
    "rust branch to environment": (
        "q[][pacticipant]=Foo&q[][branch]=main&latestby=cvpv&environment=production",
        MatrixQuery(
            selectors=(SelectorSpec(pacticipant="Foo", branch="main"),), latestby="cvpv", environment="production"
        ),
    ),
    "ruby branch to environment": (
        "q[][pacticipant]=Foo&q[][latest]=true&q[][branch]=main&latestby=cvp&environment=production",
        MatrixQuery(
            selectors=(SelectorSpec(pacticipant="Foo", branch="main", latest=True),),
            latestby="cvp",
            environment="production",
        ),
    ),
    "rust ignore": (
        "q[][pacticipant]=Foo&q[][version]=1.2.3&ignore[][pacticipant]=Bar&latestby=cvpv&environment=production",
        MatrixQuery(
            selectors=(FOO_123,),
            ignore=(IgnoreSpec("Bar"),),
            ignore_given=True,
            latestby="cvpv",
            environment="production",
        ),
    ),
    "ruby ignore": (
        "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&environment=production&ignore[][pacticipant]=Bar",
        MatrixQuery(
            selectors=(FOO_123,),
            ignore=(IgnoreSpec("Bar"),),
            ignore_given=True,
            latestby="cvp",
            environment="production",
        ),
    ),
    "rust latest tag to tag": (
        "q[][pacticipant]=Foo&q[][latest]=true&q[][tag]=dev&tag=prod&latestby=cvp&latest=true",
        MatrixQuery(
            selectors=(SelectorSpec(pacticipant="Foo", latest=True, tag="dev"),),
            latestby="cvp",
            latest=True,
            tag="prod",
        ),
    ),
    "ruby latest tag to tag": (
        "q[][pacticipant]=Foo&q[][latest]=true&q[][tag]=dev&latestby=cvp&latest=true&tag=prod",
        MatrixQuery(
            selectors=(SelectorSpec(pacticipant="Foo", latest=True, tag="dev"),),
            latestby="cvp",
            latest=True,
            tag="prod",
        ),
    ),
    "two pacticipant/version pairs": (
        "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv",
        MatrixQuery(selectors=(FOO_123, SelectorSpec(pacticipant="Bar", version="4.5.6")), latestby="cvpv"),
    ),
    "can-i-merge": (
        "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&latest=true&mainBranch=true",
        MatrixQuery(selectors=(FOO_123,), latestby="cvp", latest=True, main_branch=True),
    ),
    "percent-encoded brackets (pact files replayed by verifiers)": (
        "q%5B%5D%5Bpacticipant%5D=Foo&q%5B%5D%5Bversion%5D=1.2.3&latestby=cvpv",
        MatrixQuery(selectors=(FOO_123,), latestby="cvpv"),
    ),
    "hash form": (
        "q[0][pacticipant]=Foo&q[1][pacticipant]=Bar&q[0][version]=1.2.3&q[1][version]=4.5.6",
        MatrixQuery(selectors=(FOO_123, SelectorSpec(pacticipant="Bar", version="4.5.6"))),
    ),
    "encoded names and spaces": (
        "q[][pacticipant]=My%20App&q[][version]=feat%2Fx+1",
        MatrixQuery(selectors=(SelectorSpec(pacticipant="My App", version="feat/x 1"),)),
    ),
    "blank values are absent": (
        "q[][pacticipant]=Foo&q[][version]=&q[][tag]=&tag=&environment=&latestby=",
        MatrixQuery(selectors=(SelectorSpec(pacticipant="Foo"),)),
    ),
    "ignore with version, and ignore[]=NAME": (
        "q[][pacticipant]=Foo&ignore[][pacticipant]=Bar&ignore[][version]=2&ignore[]=Baz",
        MatrixQuery(
            selectors=(SelectorSpec(pacticipant="Foo"),),
            ignore=(IgnoreSpec("Bar", "2"), IgnoreSpec("Baz")),
            ignore_given=True,
        ),
    ),
    "success filter and limit": (
        "q[][pacticipant]=Foo&success[]=true&success[]=&limit=5&days=3",
        MatrixQuery(selectors=(SelectorSpec(pacticipant="Foo"),), success=(True, None), limit=5),
    ),
    "q[][latest] other than true is not latest": (
        "q[][pacticipant]=Foo&q[][latest]=false&q[][mainBranch]=yes",
        MatrixQuery(selectors=(SelectorSpec(pacticipant="Foo"),)),
    ),
}


@pytest.mark.parametrize(("query_string", "expected"), CLI_QUERIES.values(), ids=CLI_QUERIES.keys())
def test_parse(query_string, expected):
    query = parse_matrix_query(query_string)

    assert query.problems == ()
    assert query == expected


def test_a_repeated_key_starts_a_new_selector_as_in_rack():
    query = parse_matrix_query("q[][pacticipant]=Foo&q[][version]=2&q[][version]=3&q[][pacticipant]=Bar")

    # Rack: the second version starts a selector, which the next pacticipant then fills in.
    assert query.selectors == (
        SelectorSpec(pacticipant="Foo", version="2"),
        SelectorSpec(pacticipant="Bar", version="3"),
    )


def test_a_selector_left_without_pacticipant_is_a_problem():
    query = parse_matrix_query("q[][pacticipant]=Foo&q[][version]=2&q[][version]=3")

    assert query.selectors == (SelectorSpec(pacticipant="Foo", version="2"), SelectorSpec(version="3"))
    assert query.problems == ("Please specify the pacticipant name (selector 2 has none)",)


# The Pact Broker clients' own contracts (real-client-contracts, V2 file): a verifier
# replays their queries with the keys grouped and sorted, as pact files store them.
GROUPED = {
    "two versions": (
        "latestby=cvpv&q[][pacticipant]=Foo+Thing&q[][pacticipant]=Bar&q[][version]=1%2e2%2e3&q[][version]=4%2e5%2e6",
        [SelectorSpec(pacticipant="Foo Thing", version="1.2.3"), SelectorSpec(pacticipant="Bar", version="4.5.6")],
    ),
    "a version and the latest with a tag": (
        "latestby=cvpv&q[][latest]=true&q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][tag]=prod&q[][version]=1%2e2%2e3",
        [SelectorSpec(pacticipant="Foo", version="1.2.3"), SelectorSpec(pacticipant="Bar", latest=True, tag="prod")],
    ),
    "a version and the latest": (
        "latestby=cvpv&q[][latest]=true&q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1%2e2%2e4",
        [SelectorSpec(pacticipant="Foo", version="1.2.4"), SelectorSpec(pacticipant="Bar", latest=True)],
    ),
    "a version and all versions with a tag": (
        (
            "ignore[][pacticipant]=Foo&ignore[][version]=3%2e4%2e5&latestby=cvpv&q[][pacticipant]=Bar&"
            "q[][pacticipant]=Foo&q[][tag]=prod&q[][version]=4%2e5%2e6"
        ),
        [SelectorSpec(pacticipant="Bar", version="4.5.6"), SelectorSpec(pacticipant="Foo", tag="prod")],
    ),
    "pacticipants only": (
        "latestby=cvpv&q[][pacticipant]=Foo&q[][pacticipant]=Bar&success[]=true",
        [SelectorSpec(pacticipant="Foo"), SelectorSpec(pacticipant="Bar")],
    ),
}


@pytest.mark.parametrize(("query_string", "selectors"), GROUPED.values(), ids=GROUPED.keys())
def test_grouped_keys_from_pact_files_are_matched_by_position(query_string, selectors):
    query = parse_matrix_query(query_string)

    assert query.problems == ()
    assert list(query.selectors) == selectors


def test_grouped_keys_with_too_many_values_leave_a_selector_without_pacticipant():
    query = parse_matrix_query("q[][pacticipant]=Bar&q[][pacticipant]=Foo&q[][version]=1&q[][version]=2&q[][version]=3")

    assert query.problems == ("Please specify the pacticipant name (selector 3 has none)",)


def test_defaults():
    query = parse_matrix_query("q[][pacticipant]=Foo")

    assert (query.limit, query.latestby, query.success, query.ignore_given) == (DEFAULT_LIMIT, None, None, False)
    assert query.infers_counterparts  # a single selector looks at every integration


def test_several_selectors_without_a_target_do_not_infer():
    assert not parse_matrix_query("q[][pacticipant]=Foo&q[][pacticipant]=Bar").infers_counterparts
    assert parse_matrix_query("q[][pacticipant]=Foo&q[][pacticipant]=Bar&environment=prod").infers_counterparts


PROBLEMS = {
    "": ["Please provide 1 or more version selectors."],
    "latestby=cvp": ["Please provide 1 or more version selectors."],
    "q[][version]=1": ["Please specify the pacticipant name (selector 1 has none)"],
    "q[][pacticipant]=Foo&q[][version]=1&q[][latest]=true": [
        "A version number and latest flag cannot both be specified for Foo"
    ],
    "q[][pacticipant]=Foo&ignore[][version]=1": ["Please specify the pacticipant name to ignore"],
    "q[][pacticipant]=Foo&tag=prod&environment=prod": [
        "Cannot specify more than one of tag, environment and mainBranch"
    ],
    "q[][pacticipant]=Foo&mainBranch=true&environment=prod": [
        "Cannot specify more than one of tag, environment and mainBranch"
    ],
    "q[][pacticipant]=Foo&latest=true&environment=prod": ["Cannot specify both latest=true and an environment"],
    "q[][pacticipant]=Foo&limit=0": ["The limit must be 1 or more (got 0)"],
    "q[][pacticipant]=Foo&limit=-3": ["The limit must be 1 or more (got -3)"],
    "q[][pacticipant]=Foo&limit=ten": ["The limit must be a whole number of 1 or more (got 'ten')"],
    "q[][pacticipant]=Foo&limit=99999999999999999999999": [
        "The limit must be at most 1000000 (got 99999999999999999999999)"
    ],
    "q[][pacticipant]=Foo&latestby=cv": ["latestby must be one of cvpv, cvp, cp (got 'cv')"],
    "q[][pacticipant]=Foo&success[]=maybe": ["success[] values must be true, false or empty (got 'maybe')"],
    "q[][pacticipant]=Foo&q[0][pacticipant]=Bar": ["Use either q[][...] or q[N][...] parameters, not both"],
    "q[][pacticipant]=%FF": ["The query string is not valid UTF-8"],
    "q[][pacticipant]=Fo%00o": ["Query parameters cannot contain NUL characters"],
    "q[][pacticipant]=Foo&" * 101: ["At most 100 selectors and 100 ignore selectors can be given"],
}


@pytest.mark.parametrize(("query_string", "problems"), PROBLEMS.items(), ids=[k[:60] or "(empty)" for k in PROBLEMS])
def test_problems(query_string, problems):
    assert list(parse_matrix_query(query_string).problems) == problems


def test_every_problem_is_reported_at_once():
    query = parse_matrix_query("q[][version]=1&limit=0&latestby=x&latest=true&environment=prod")

    assert len(query.problems) == 4


def test_unbalanced_brackets_are_ignored_like_unknown_params():
    query = parse_matrix_query("q[][pacticipant]=Foo&q[[version]=1&foo]=2")

    assert query.selectors == (SelectorSpec(pacticipant="Foo"),)
    assert query.problems == ()
