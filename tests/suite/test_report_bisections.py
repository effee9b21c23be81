"""The report's changes between neighbouring releases name the release a stored bisection found."""

from relu_bench.report.bisections import annotate
from relu_bench.report.changes import Change
from relu_bench.report.results import Release

TIMED = "relu.Gradient.time_gradient('max_x0', '1000x1000', 'float64')"


def record(point="max_x0/gradient", kind="timing", benchmark=TIMED, good="3.0.7", bad="3.3.8", verdict="changed"):
    return {
        "library": "pytensor",
        "good": good,
        "bad": bad,
        "point": point,
        "kind": kind,
        "benchmark": benchmark,
        "verdict": verdict,
        "neighbours": ["3.2.4", "3.3.0"],
        "command": "relu-bench bisect pytensor ...",
    }


def change(subject="max_x0 gradient, c, 1000x1000 float64", before="3.0.7", after="3.3.8", kind="time"):
    return Change(kind, Release("pytensor", before), Release("pytensor", after), subject, "4.1 ms → 0.48 ms")


def test_a_change_inside_a_bisected_range_names_the_first_release():
    (c,) = annotate([change()], [record()])
    assert "(bisected: first in pytensor 3.3.0 (after 3.2.4;" in c.text()


def test_other_points_ranges_and_verdicts_are_left_alone():
    changes = [
        change(subject="max_x0 forward, c, 1000x1000 float64"),
        change(subject="max_x0 gradient, c, 100x100 float64"),
        change(before="2.18.6", after="3.0.7"),
    ]
    assert [c.bisection for c in annotate(changes, [record()])] == ["", "", ""]
    assert annotate([change()], [record(verdict="no change beyond noise")])[0].bisection == ""


def test_a_semantics_cell_is_matched_by_its_cell():
    cell = record(point="max_0x/gradient@0", kind="semantics", benchmark=None, good="0.9.0", bad="1.0.4")
    cell["library"] = "theano"
    before, after = Release("theano", "0.9.0"), Release("theano", "1.0.4")
    flipped = Change("semantics", before, after, "max_0x gradient at 0, c (float64)", "1 → 0")
    other = Change("semantics", before, after, "max_0x gradient at 0.5, c (float64)", "1 → 0")
    assert [bool(c.bisection) for c in annotate([flipped, other], [cell])] == [True, False]


def test_a_commit_bisection_of_a_release_pair_inside_the_change_names_the_commit():
    """Theano 0.9.0 → 1.0.0 bisected to its commits answers the report's 0.9.0 → 1.0.4, before the release record."""
    releases = record(point="max_0x/gradient@0", kind="semantics", benchmark=None, good="0.9.0", bad="1.0.4")
    commits = dict(releases, bad="1.0.0", neighbours=["a" * 40, "b" * 40])
    commits["commits"] = {"first": {"hash": "b" * 40, "subject": "Merge pull request #6477", "pr": 6477, "link": "L"}}
    for r in (releases, commits):
        r["library"] = "theano"
    before, after = Release("theano", "0.9.0"), Release("theano", "1.0.4")
    flipped = Change("semantics", before, after, "max_0x gradient at 0, c (float64)", "1 → 0")
    for stored in ([releases, commits], [commits, releases]):
        (c,) = annotate([flipped], stored)
        assert 'commit bbbbbbbbbbbb "Merge pull request #6477", PR #6477 (L;' in c.text()
    assert annotate([Change("semantics", after, Release("theano", "1.0.5"), flipped.subject, "")], [commits]) == [
        Change("semantics", after, Release("theano", "1.0.5"), flipped.subject, "")
    ]
