"""`relu-bench report`: the "Which ReLU?" report from real asv results (fixtures/report, see its README)."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import asv
import pytest
from conftest import ROOT, relu_bench

from relu_bench.config import load_asv_conf
from relu_bench.report import changes as report_changes
from relu_bench.report import link as report_link
from relu_bench.report import noise
from relu_bench.report import semantics as report_semantics
from relu_bench.report.results import Measurement, Release
from relu_bench.report.series import lineage
from relu_impls.semantics import EXPECTED

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"
MACHINE = "fixture"
PYTENSOR_ENV = "existing-py_repo_.venvs_pytensor-3.0.7_bin_python"


@pytest.fixture
def results(tmp_path):
    """A writable copy of the fixture's results directory."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "results"))


def build(results, tmp_path):
    out = tmp_path / "html" / "report"
    proc = relu_bench("report", "--results-dir", results, "build", "--out", out, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return out, json.loads((out / "changes.json").read_text())


def result_path(results, env):
    return next((results / MACHINE).glob(f"*-{env}.json"))


def test_report_has_every_section(results, tmp_path):
    out, _ = build(results, tmp_path)
    page = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    assert '<h1 id="which-relu">Which ReLU?</h1>' in page
    for section in ("changes", "fastest", "plots", "timings", "semantics"):
        assert f'<section id="{section}">' in page
    for heading in ("## What changed between releases", "## Fastest variant", "## Plots", "## Semantics at"):
        assert heading in md
    # Releases come from the stored semantics (existing envs name none), in lineage order.
    assert "releases: theano-1.0.5, pytensor-3.0.7." in md
    for table in ("theano-1.0.5, c linker", "pytensor-3.0.7, c linker", "pytensor-3.0.7, numba linker"):
        assert f"#### {table}" in md
    # Every variant as a ratio to the copy floor; the fixture's shapes as columns.
    assert "| 100x100 float64 fwd | 100x100 float64 grad | 1000x1000 float64 fwd |" in md
    assert "| copy floor (time) |" in md
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert plots == ["c-1000x1000-float64.png", "c-100x100-float64.png", "numba-1000x1000-float64.png"]
    assert all((out / "plots" / p).read_bytes()[:4] == b"\x89PNG" for p in plots)
    for p in plots:
        assert f'src="plots/{p}"' in page and f"(plots/{p})" in md


def test_semantics_table_shows_what_was_measured(results, tmp_path):
    out, _ = build(results, tmp_path)
    md = (out / "report.md").read_text()
    values, grads = EXPECTED["switch_gt"]
    assert f"| switch_gt | {values} | {grads} | {values} | {grads} |" in md  # pytensor: c and numba
    assert "| nnet_relu | unavailable | unavailable |" in md


def stat_columns(path, update):
    """Rewrite every stored point of a result file: update(column name, values) for each benchmark's row."""
    data = json.loads(path.read_text())
    for row in data["results"].values():
        for i, column in enumerate(data["result_columns"]):
            if column == "result" or column.startswith("stats_"):
                row[i] = update(column, row[i])
    path.write_text(json.dumps(data))


def scale(path, benchmark, combo, factor):
    """Multiply one stored point's time and its statistics (interval, quartiles) by factor."""
    data = json.loads(path.read_text())
    row = data["results"][benchmark]
    params = row[data["result_columns"].index("params")]
    i = 0
    for values, value in zip(params, combo):
        i = i * len(values) + values.index(repr(value))
    for column in ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75"):
        row[data["result_columns"].index(column)][i] *= factor
    path.write_text(json.dumps(data))


def test_planted_slowdown_is_listed(results, tmp_path):
    _, before = build(results, tmp_path)
    subject = "max_x0 forward, c, 1000x1000 float64"
    assert not [c for c in before if c["subject"] == subject]
    scale(result_path(results, PYTENSOR_ENV), "relu.Forward.time_forward", ("max_x0", "1000x1000", "float64"), 10)
    _, after = build(results, tmp_path)
    found = [c for c in after if c["subject"] == subject]
    assert len(found) == 1
    assert found[0]["before"] == "theano-1.0.5" and found[0]["after"] == "pytensor-3.0.7"
    assert "slower" in found[0]["detail"]


def test_single_sample_results_are_left_out_and_named(results, tmp_path):
    """What `asv run --quick` stores (one sample: an interval of (-inf, inf)) is too little to judge a change by."""
    path = result_path(results, PYTENSOR_ENV)
    scale(path, "relu.Forward.time_forward", ("max_x0", "1000x1000", "float64"), 10)
    points = sum(v == v for row in json.loads(path.read_text())["results"].values() for v in row[0] if v is not None)
    infinite = {"stats_ci_99_a": -math.inf, "stats_ci_99_b": math.inf}
    stat_columns(path, lambda column, values: [v if v is None else infinite.get(column, v) for v in values])
    out, changes = build(results, tmp_path)
    assert not [c for c in changes if c["kind"] == "time"]  # the 10x above included
    md = (out / "report.md").read_text()
    assert f"pytensor-3.0.7: {points} timings left out, without a confidence interval" in md
    assert md.count("timings left out") == 1  # theano-1.0.5's, with intervals, are all read


def test_planted_semantics_change_is_listed(results, tmp_path):
    _, before = build(results, tmp_path)
    assert not [c for c in before if c["kind"] == "semantics"]
    path = next((results / MACHINE / "semantics").glob(f"*-{PYTENSOR_ENV}.semantics"))
    record = json.loads(path.read_text())
    row = next(r for r in record["rows"] if (r["variant"], r["linker"], r["dtype"]) == ("switch_lt", "c", "float64"))
    assert row["values"] == "0 -0 inf 0 nan"
    row["values"] = "0 0 inf 0 nan"
    path.write_text(json.dumps(record))
    out, after = build(results, tmp_path)
    found = [c for c in after if c["kind"] == "semantics"]
    assert [(c["subject"], c["detail"]) for c in found] == [("switch_lt value at -0, c (float64)", "-0 → 0")]
    # Only float64 was changed: the cell shows both dtypes, marked as differing from EXPECTED.
    assert "| switch_lt | **64: 0 0 inf 0 nan / 32: 0 -0 inf 0 nan ≠** |" in (out / "report.md").read_text()


PLAIN = {"numpy": "2.4.6", "pytensor": "3.0.7"}
TAGGED = {**PLAIN, "torch": "2.13.0+cpu", "mlx[cpu]": "0.32.4"}


def as_virtualenv(results, env, requirements):
    """A copy of the PyTensor result file as asv stores one of its virtualenvs: `requirements` pinned, named `env`."""
    source = result_path(results, PYTENSOR_ENV)
    data = json.loads(source.read_text())
    data.update(env_name=env, requirements=requirements, params={**data["params"], "python": "3.11", **requirements})
    path = source.with_name(f"{source.name[:8]}-{env}.json")
    path.write_text(json.dumps(data))
    return path


def test_an_environment_with_torch_and_mlx_is_a_release_of_its_own(results, tmp_path):
    """One library version in two asv environments, one with torch and mlx (relu_impls.releases.RELEASE_TAGS): two
    releases, each with its own tables, neither dropped as the other's second environment."""
    as_virtualenv(results, "plain", PLAIN)
    as_virtualenv(results, "tagged", TAGGED)
    result_path(results, PYTENSOR_ENV).unlink()
    proc = relu_bench("report", "--results-dir", results, "build", "--out", tmp_path / "r", capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"second environment" not in proc.stderr
    md = (tmp_path / "r" / "report.md").read_text()
    assert "releases: theano-1.0.5, pytensor-3.0.7, pytensor-3.0.7-torch-mlx." in md
    for release in ("pytensor-3.0.7", "pytensor-3.0.7-torch-mlx"):
        assert f"#### {release}, c linker" in md and f"#### {release}, numba linker" in md


def test_an_environment_with_torch_and_mlx_is_compared_with_its_own_line_only(results, tmp_path):
    """Beside the plain environment of its version, a tagged one differs in what else is installed, not in the
    release: a slowdown there is no change between releases."""
    as_virtualenv(results, "plain", PLAIN)
    tagged = as_virtualenv(results, "tagged", TAGGED)
    result_path(results, PYTENSOR_ENV).unlink()
    scale(tagged, "relu.Forward.time_forward", ("max_x0", "1000x1000", "float64"), 10)
    _, changes = build(results, tmp_path)
    assert not [c for c in changes if "pytensor-3.0.7-torch-mlx" in (c["before"], c["after"])]


def test_commit_option_and_unknown_commit(results, tmp_path):
    out = tmp_path / "r"
    ok = relu_bench("report", "--results-dir", results, "build", "--commit", "70e976fa", "--out", out)
    assert ok.returncode == 0
    bad = relu_bench(
        "report",
        "--results-dir",
        results,
        "build",
        "--commit",
        "deadbeef",
        "--out",
        out,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "deadbeef" in bad.stderr


def test_lineage_order():
    names = [
        ("pytensor", "3.3.7"),
        ("theano", "1.0.5"),
        ("aesara", "2.9.4"),
        ("pytensor", "2.18.6"),
        ("theano", "0.9.0"),
        ("theano-pymc", "1.1.2"),
        ("pytensor", "3.0.7"),
        ("theano", "1.0.4"),
        ("theano", "0.8.2"),
        ("theano", "0.7.0"),
    ]
    ordered = [r.label for r in lineage({Release(*n) for n in names} | {Release("pytensor", "3.0.7", ("torch",))})]
    theanos = ["theano-0.7.0", "theano-0.8.2", "theano-0.9.0", "theano-1.0.4", "theano-1.0.5", "theano-pymc-1.1.2"]
    pytensors = ["pytensor-2.18.6", "pytensor-3.0.7", "pytensor-3.0.7-torch", "pytensor-3.3.7"]
    assert ordered == theanos + ["aesara-2.9.4", *pytensors]


def measurement(seconds, quartiles, release=None, variant="v"):
    """One C-linker 1x1 float64 gradient timing, for the change rules."""
    release = release or Release("theano", "1.0.5")
    return Measurement(release, "c", "1x1", "float64", variant, "gradient", seconds, quartiles, "e")


@pytest.mark.parametrize(
    "a, b, moved",
    [
        ((1.0, (0.9, 1.1)), (1.5, (1.4, 1.6)), True),  # disjoint quartiles, 1.5x
        ((1.0, (0.9, 1.3)), (1.25, (1.2, 1.3)), False),  # overlapping quartiles: a bimodal point, say
        ((1.0, (0.99, 1.01)), (1.03, (1.025, 1.035)), False),  # disjoint but under the default limit
    ],
)
def test_noise_rule(a, b, moved):
    assert bool(report_changes.moved(measurement(*a), measurement(*b), noise.UNMEASURED)) is moved


def test_a_new_fastest_variant_is_listed_only_when_it_beats_the_old_one_beyond_the_noise():
    def timing(version, variant, seconds):
        return measurement(seconds, (seconds * 0.99, seconds * 1.01), Release("pytensor", version), variant)

    # nnet_relu won by a hair in 2.9, and 2.18 lacks it: no "fastest" change (the availability list has it)
    gone = [timing("2.9", "nnet_relu", 1.00), timing("2.9", "half_abs", 1.01), timing("2.18", "half_abs", 0.99)]
    assert report_changes.fastest_changes(gone, noise.UNMEASURED) == []
    # switch_lt overtook half_abs by far more than the noise: listed
    beaten = [timing("2.9", "half_abs", 1.0), timing("2.9", "switch_lt", 30.0)]
    beaten += [timing("2.18", "half_abs", 1.0), timing("2.18", "switch_lt", 0.5)]
    (change,) = report_changes.fastest_changes(beaten, noise.UNMEASURED)
    assert change.detail.startswith("half_abs (") and "→ switch_lt (" in change.detail
    # mul_gt_lt and half_abs tied in 0.8.2 (143 and 144 µs); in 0.9.0 mul_gt_lt became slow and half_abs (142 µs)
    # leads: the time change is listed, a "fastest" change from a near-tie is not
    tied = [timing("2.9", "mul_gt_lt", 1.43), timing("2.9", "half_abs", 1.44)]
    tied += [timing("2.18", "half_abs", 1.42), timing("2.18", "mul_gt_lt", 5.0)]
    assert report_changes.fastest_changes(tied, noise.UNMEASURED) == []


def test_link_into_asv_index(tmp_path):
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    template = Path(asv.__file__).parent / "www" / "index.html"  # the page `asv publish` writes
    shutil.copy(template, html_dir / "index.html")
    (html_dir / "report").mkdir()
    report_link.link_index(html_dir, html_dir / "report")
    report_link.link_index(html_dir, html_dir / "report")
    text = (html_dir / "index.html").read_text()
    assert text.count(f'id="{report_link.LINK_ID}"') == 1
    nav = text[text.index('<nav id="nav"') : text.index("</nav>")]
    assert f'<a id="{report_link.LINK_ID}" href="report/index.html">' in nav


def test_plain_asv_publish_rebuilds_and_links_the_report(results, tmp_path):
    """asv publish deletes its HTML folder; the project's asv plugin puts the report back, every time."""
    conf = dict(load_asv_conf(), results_dir=str(results), html_dir=str(tmp_path / "html"), repo=str(ROOT))
    conf_path = tmp_path / "asv.conf.json"
    conf_path.write_text(json.dumps(conf))
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "asv", "publish", "--config", conf_path], cwd=ROOT, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        index = (tmp_path / "html" / "index.html").read_text()
        assert index.count('id="relu-report-link" href="report/index.html"') == 1
        assert (tmp_path / "html" / "report" / "index.html").exists()
        assert "Skipping results" not in proc.stdout + proc.stderr  # the semantics are not taken for results


def test_asv_publish_reports_the_newest_commit_on_the_machine_holding_most_of_it(results):
    """Shards of one CI run can land on different CPU models (machines): not by file time, which merging resets."""
    from relu_bench.asv_plugin import newest_result

    fixture = results / MACHINE
    files = sorted(fixture.glob("*.json"))
    files = [f for f in files if f.name != "machine.json"]
    commit = json.loads(files[0].read_text())["commit_hash"]
    other = results / "other-cpu"
    other.mkdir()
    (other / "machine.json").write_text((fixture / "machine.json").read_text().replace(MACHINE, "other-cpu"))
    for i, f in enumerate(files):
        data = json.loads(f.read_text())
        if i == 0:  # one release of the same commit on the other machine
            (other / f.name).write_text(json.dumps(data))
        data.update(commit_hash="0" * 40, date=data["date"] - 1)  # an older commit, written last
        (other / f"00000000-{data['env_name']}.json").write_text(json.dumps(data))
    assert newest_result(results) == (MACHINE, commit)
    assert newest_result(results / "nothing") == (None, None)


def test_asv_publish_reports_the_run_just_taken_when_two_machines_hold_a_commit_alike(results):
    """`relu-bench bench --machine aa1`, then `--machine aa2`: the second publish shows aa2's run."""
    from relu_bench.asv_plugin import newest_result

    fixture = results / MACHINE
    commit = None
    for name in ("aa1", "aa2"):  # aa2 run second, as `relu-bench bench --machine aa2` would
        (results / name).mkdir()
        (results / name / "machine.json").write_text((fixture / "machine.json").read_text().replace(MACHINE, name))
        for f in fixture.glob("*.json"):
            if f.name != "machine.json":
                data = json.loads(f.read_text())
                commit = data["commit_hash"]
                later = 10**6 if name == "aa2" else 0
                column = data["result_columns"].index("started_at")
                for row in data["results"].values():
                    row[column] = 1_700_000_000_000 + later
                data["params"]["machine"] = name
                (results / name / f.name).write_text(json.dumps(data))
    shutil.rmtree(fixture)
    assert newest_result(results) == ("aa2", commit)


def test_link_without_asv_nav_still_links():
    text = report_link.link_html("<html><body><p>x</p></body></html>")
    assert 'id="relu-report-link" href="report/index.html"' in text


@pytest.mark.slow  # runs in every backend environment (a minute or more)
def test_collect_measures_in_each_backend_venv(results, backend_venvs):
    machine = results / MACHINE
    shutil.rmtree(machine / "semantics")
    args = ["report", "--results-dir", results, "collect", "--only-existing"]
    for venv in backend_venvs:
        args += ["--python", venv / "bin" / "python"]
    proc = relu_bench(*args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = [json.loads(p.read_text()) for p in (machine / "semantics").glob("*.semantics")]
    # Named as asv names `-E existing:PYTHON`, so the report finds each env's results.
    expected = {report_semantics.existing_environment(str(v / "bin" / "python"), None)[0] for v in backend_venvs}
    assert {r["env_name"] for r in records} == expected
    for record in records:
        assert record["label"] == f"{record['library']}-{record['version']}"
        row = next(
            r for r in record["rows"] if (r["variant"], r["linker"], r["dtype"]) == ("switch_gt", "c", "float64")
        )
        assert (row["values"], row["grads"]) == EXPECTED["switch_gt"]


def test_asv_regressions_page_defaults_to_the_report_s_default_where_no_pair_was_measured():
    assert load_asv_conf()["regressions_thresholds"] == {".*": pytest.approx(noise.DEFAULT_LIMIT - 1)}


def report_build(results, tmp_path):
    out = tmp_path / "html" / "report"
    return relu_bench("report", "--results-dir", results, "build", "--out", out, capture_output=True, text=True)


def cut(path):
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


@pytest.mark.parametrize(
    "spoil, named",
    [
        (lambda r: cut(result_path(r, PYTENSOR_ENV)), PYTENSOR_ENV),  # truncated: once one release of two, exit 0
        (lambda r: rewrite(result_path(r, PYTENSOR_ENV), date="yesterday"), "its date 'yesterday'"),
        (lambda r: rewrite(result_path(r, PYTENSOR_ENV), results=[]), PYTENSOR_ENV),
        (lambda r: cut(r / "benchmarks.json"), "benchmarks.json (not valid JSON"),
    ],
)
def test_a_file_the_report_cannot_read_is_named_and_the_build_fails(results, tmp_path, spoil, named):
    spoil(results)
    proc = report_build(results, tmp_path)
    assert proc.returncode == 2 and named in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "html" / "report" / "index.html").exists()


def rewrite(path, **fields):
    path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))


def test_asv_publish_warns_about_an_unreadable_result_and_publishes_the_rest(results, tmp_path):
    from relu_bench.asv_plugin import newest_result

    rewrite(result_path(results, PYTENSOR_ENV), date="yesterday")
    assert newest_result(results)[0] == MACHINE  # no TypeError: the site is still deployed


def test_an_unreadable_semantics_file_is_named_and_the_build_fails(results, tmp_path):
    broken = next((results / MACHINE / "semantics").glob("*.semantics"))
    broken.write_text('["not", "a record"]')
    out = tmp_path / "html" / "report"
    proc = relu_bench("report", "--results-dir", results, "build", "--out", out, capture_output=True, text=True)
    assert proc.returncode == 2 and broken.name in proc.stderr
