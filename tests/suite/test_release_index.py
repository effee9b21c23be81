"""Release listing for `relu-bench bisect`: PyPI's JSON (canned, no network) in version order, pre-releases on
request, post-releases kept, yanked releases dropped and named; the range and the pages of a release."""

import json

import pytest
from conftest import ROOT

from relu_bench.bisection.release_index import between, listing, pages
from relu_bench.errors import UserError

FIXTURES = ROOT / "tests" / "suite" / "fixtures" / "pypi"


def document(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def versions(name, **kwargs):
    return [r.version for r in listing(document(name), **kwargs)[0]]


def test_releases_are_in_version_order_not_the_index_order():
    # PyPI lists keys as strings: "1.0.10"-style and "0.10.0" sort wrongly as text.
    assert versions("theano") == ["0.7.0", "0.8.2", "0.9.0", "1.0.0", "1.0.3", "1.0.4", "1.0.5"]


def test_pre_releases_only_when_asked():
    assert versions("theano", pre=True) == [
        "0.7.0",
        "0.8.2",
        "0.9.0rc1",
        "0.9.0",
        "1.0.0rc1",
        "1.0.0",
        "1.0.3",
        "1.0.4",
        "1.0.5",
    ]


def test_yanked_releases_are_dropped_and_named_with_the_reason():
    kept, dropped = listing(document("pytensor"))
    assert "3.1.0" not in [r.version for r in kept]
    assert dropped == {"3.1.0": "yanked: " + document("pytensor")["releases"]["3.1.0"][0]["yanked_reason"]}


def test_post_releases_are_kept_after_their_release():
    doc = document("pytensor")
    doc["releases"]["3.0.7.post1"] = doc["releases"]["3.0.7"]
    assert [r.version for r in listing(doc)[0]][2:4] == ["3.0.7", "3.0.7.post1"]


def test_a_release_without_files_is_dropped_and_named():
    doc = document("aesara")
    doc["releases"]["2.9.5"] = []
    assert listing(doc)[1] == {"2.9.5": "no files on the index"}


def test_the_range_runs_from_good_to_bad_inclusive():
    kept, _ = listing(document("theano"))
    assert [r.version for r in between(kept, "0.9.0", "1.0.4")] == ["0.9.0", "1.0.0", "1.0.3", "1.0.4"]


@pytest.mark.parametrize("good, bad", [("1.0.4", "0.9.0"), ("0.9.0", "9.9.9"), ("0.9.0", "0.9.0")])
def test_a_range_that_is_not_one_is_an_error(good, bad):
    with pytest.raises(UserError):
        between(listing(document("theano"))[0], good, bad)


def test_pages_link_pypi_and_the_github_releases_page_where_pypi_has_the_repository():
    assert pages(document("pytensor"), "pytensor", "3.3.8") == {
        "pypi": "https://pypi.org/project/pytensor/3.3.8/",
        "releases": "https://github.com/pymc-devs/pytensor/releases",
    }
    assert pages(document("theano"), "theano", "1.0.0") == {"pypi": "https://pypi.org/project/theano/1.0.0/"}
