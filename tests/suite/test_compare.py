"""`relu-bench compare`, the pull-request check: a real slowdown is caught (that benchmark only), identical code
passes, a benchmark that raises is named while the other comparisons still show; and the rule itself."""

import json
import math
import os
import traceback

import pytest
from conftest import ENV_DIR, Project, relu_bench

from relu_bench.comparisons import Comparison, of_timings
from relu_bench.matrix import releases
from relu_bench.paired import summarize
from relu_bench.prcheck import uncompared_families, vanished_timings
from relu_bench.pythons import link_pythons
from relu_bench.rule import (
    FAILED,
    FASTER,
    NEW,
    RULE,
    SAME,
    SKIPPED,
    SLOWER,
    VANISHED,
    WORSE,
    exit_code,
    holm,
    judge,
)
from relu_bench.significance import t_test_p

# One release, two variants, one small point each: a few minutes for all three runs.
ENV = "theano-1.0.5"
BENCH = [
    r"^relu\.Forward\.time_forward\('(max_x0|switch_lt|relu_op)', '100x100', 'float64'\)$",
    r"^graph\.Graph\.track_nodes\('(max_x0|switch_lt)', 'forward'\)$",
]


@pytest.fixture(scope="module")
def project(new_project):
    python = releases()[ENV]["python"]
    if not link_pythons([python])[python]:
        pytest.skip(f"Python {python} (for {ENV}) not found: `relu-bench envs list`")
    return new_project("project")


def branch(project, name, change=None):
    """A commit on top of the project's base made by change(project) (None: an empty commit, same code)."""
    project.git("switch", "-q", "-c", name, project.base)
    if change:
        change(project)
    project.git("commit", "-q", "--allow-empty", "-am", name)
    return project.git("rev-parse", "HEAD")


def run_check(project, head, out):
    """`relu-bench compare` of the project's copy (its own tools and relu_impls), BASE against head."""
    args = ["compare", project.base, head, "--release", ENV, "--env-dir", ENV_DIR, "--output", out]
    args += ["--table", out / "summary.md"]
    for regex in BENCH:
        args += ["--bench", regex]
    proc = relu_bench(*args, cwd=project.path, capture_output=True, text=True, env=dict(os.environ))
    log = proc.stdout + proc.stderr
    report = json.loads((out / "comparison.json").read_text()) if (out / "comparison.json").exists() else None
    assert report is not None, log[-6000:]
    return proc.returncode, report, log


def by_point(report):
    return {(c["benchmark"], c["params"]): c for c in report["comparisons"]}


def test_help_documents_exit_codes():
    out = relu_bench("compare", "--help", capture_output=True, text=True, check=True).stdout
    for line in ("0  nothing slower", "1  a slowdown", "2  a benchmark failed or vanished"):
        assert line in out


def test_a_slower_variant_is_flagged_and_only_it(project, tmp_path):
    head = branch(project, "slower", Project.slow_max_x0)
    code, report, log = run_check(project, head, tmp_path)
    print(report and (tmp_path / "table.md").read_text())
    assert code == 1, log[-6000:]
    points = by_point(report)
    slowed = ("relu.Forward.time_forward", "variant=max_x0, shape=100x100, dtype=float64")
    assert points[slowed]["status"] == SLOWER and points[slowed]["ratio"] > 2, log[-4000:]
    others = {key: c["status"] for key, c in points.items() if key != slowed}
    assert len(others) == 4 and not {SLOWER, WORSE, FAILED} & set(others.values()), others
    assert "paired" in points[slowed]["note"]
    table = (tmp_path / "table.md").read_text()
    assert "| 🔴 slower | `relu.Forward.time_forward` | variant=max_x0, shape=100x100, dtype=float64 |" in table
    assert (tmp_path / "summary.md").read_text() == table  # --table appends the same Markdown
    assert list((tmp_path / "results" / "pr-check").glob(f"{head[:8]}-*.json"))


def test_identical_code_passes(project, tmp_path):
    head = branch(project, "same")
    code, report, log = run_check(project, head, tmp_path)
    assert code == 0, (tmp_path / "table.md").read_text() + log[-3000:]
    # 3 paired timings (relu_op's op classes from two trees), 2 graph counts. Timings are measured, so a
    # "faster" may show (it does not gate); a slowdown may not.
    statuses = {(c["benchmark"], c["params"]): c["status"] for c in report["comparisons"]}
    assert len(statuses) == 5 and set(statuses.values()) <= {SAME, FASTER}, statuses
    assert [s for (b, _), s in statuses.items() if b.startswith("graph.")] == [SAME] * 2, statuses


def test_a_pull_request_cannot_delete_the_benchmark_that_judges_it(project, tmp_path):
    """The suite that runs is BASE's: a PR that drops a benchmark and slows its variant is still measured."""

    def hide_and_slow(project):
        project.edit("asv_bench/benchmarks/relu.py", "    def time_forward(", "    def hidden_forward(")
        project.slow_max_x0()

    head = branch(project, "hiding", hide_and_slow)
    code, report, log = run_check(project, head, tmp_path)
    assert code == 1, log[-6000:]
    slowed = ("relu.Forward.time_forward", "variant=max_x0, shape=100x100, dtype=float64")
    assert by_point(report)[slowed]["status"] == SLOWER


def test_a_benchmark_that_raises_is_named_and_the_rest_still_compared(project, tmp_path):

    def broken_switch_lt(project):
        project.edit(
            "relu_impls/variants.py",
            "def switch_lt(x):\n",
            "def switch_lt(x):\n    raise RuntimeError('deliberately broken')\n",
        )

    head = branch(project, "broken", broken_switch_lt)
    code, report, log = run_check(project, head, tmp_path)
    assert code == 2, log[-6000:]
    points = by_point(report)
    failed = sorted(key for key, c in points.items() if c["status"] == FAILED)
    assert failed == [
        ("graph.Graph.track_nodes", "variant=switch_lt, function=forward"),
        ("relu.Forward.time_forward", "variant=switch_lt, shape=100x100, dtype=float64"),
    ]
    for key, c in points.items():
        if key not in failed:
            assert isinstance(c["base"], (int, float)) and isinstance(c["head"], (int, float)), c
    table = (tmp_path / "table.md").read_text()
    assert table.count("❌ failed") == 2 and "variant=max_x0" in table


# ---------------------------------------------------------------- the rule, on made-up numbers


def measured(factors, jitter=(1.0,), blocks=30):
    """Paired outcomes of one environment, one timing per factor: HEAD = BASE × factor × jitter, block by block."""
    outcome = {}
    for i, factor in enumerate(factors):
        pairs = [[1e-3, 1e-3 * factor * jitter[b % len(jitter)]] for b in range(blocks)]
        outcome[f"relu.Forward.time_forward('v{i}')"] = dict(
            {"label": f"variant=v{i}", "sides": ["ok", "ok"], "blocks": pairs}, **summarize(pairs)
        )
    return {"env": outcome}


def judged(outcomes, across=None):
    return judge(of_timings(outcomes, across))


def across_processes(factors, jitter=(1.0,), rounds=8):
    """Outcomes across processes in the same shape: one [BASE, HEAD] block per round."""
    outcome = measured(factors, jitter, rounds)["env"]
    for result in outcome.values():
        result["p"] = t_test_p([math.log(h / b) for b, h in result["blocks"]])
    return {"env": outcome}


def test_a_process_wide_slowdown_that_pairing_cannot_see_is_flagged():
    """HEAD sets -O0 for the whole process: the paired process imported the library once and reads 1.00."""
    (c,) = judged(measured([1.0], jitter=(0.99, 1.0, 1.01)), across_processes([14.6], jitter=(0.9, 1.0, 1.1)))
    assert c.status == SLOWER and exit_code([c]) == 1
    assert abs(c.ratio - 1.0) < 0.02 and c.process_ratio > 13
    assert "separate processes only: something process-wide" in c.note


def test_process_noise_alone_passes():
    (c,) = judged(measured([1.0], jitter=(0.99, 1.01)), across_processes([1.0], jitter=(0.8, 1.25, 1.0, 0.95)))
    assert c.status == SAME and not c.significant


def test_a_head_that_fails_only_in_its_own_processes_fails():
    across = across_processes([1.0])
    name = next(iter(across["env"]))
    across["env"][name]["sides"] = ["ok", {"error": "Traceback...\nValueError: unknown flag"}]
    (c,) = judged(measured([1.0]), across)
    assert c.status == FAILED and "separate processes" in c.note and "ValueError" in c.note


def test_more_instructions_in_a_faster_variant_are_noted_not_blocking():
    """maximum(0, x) for x*(x>0): 0.79x the time, 1.73x the instructions."""
    faster = judged(measured([0.79], jitter=(0.99, 1.01)))[0]
    faster.params = "variant=mul_gt, shape=1000x1000, dtype=float64"
    count = Comparison(
        "instructions.Instructions.track_instructions",
        "variant=mul_gt, function=forward",
        "env",
        "track",
        "instructions",
        1_000_000,
        1_730_000,
    )
    other = Comparison(
        "instructions.Instructions.track_instructions",
        "variant=max_x0, function=forward",
        "env",
        "track",
        "instructions",
        1_000_000,
        1_730_000,
    )
    judge([faster, count, other])
    assert faster.status == FASTER and count.status == SAME and "×1.73, but significantly faster" in count.note
    assert other.status == WORSE  # no faster timing of its own
    assert exit_code([faster, count, other]) == 1


def test_any_increase_of_a_track_figure_fails():
    c = Comparison("graph.Graph.track_nodes", "variant=v", "env", "track", "nodes", 3, 4)
    judge([c])
    assert c.status == WORSE and exit_code([c]) == 1


def test_instruction_counts_fail_beyond_their_tolerance_only():
    def counted(base, head):
        return Comparison(
            "instructions.Instructions.track_instructions", "v", "env", "track", "instructions", base, head
        )

    within, beyond = counted(1_000_000, 1_000_000 * (RULE.instructions - 0.005)), counted(1_000_000, 1_040_000)
    judge([within, beyond])
    assert within.status == SAME and beyond.status == WORSE and exit_code([within, beyond]) == 1


def test_page_faults_fail_when_a_call_takes_fresh_memory():
    def faults(base, head):
        return Comparison("faults.PageFaults.track_faults", "v", "env", "track", "faults", base, head)

    jitter, fresh_output = faults(0, RULE.faults), faults(0, 1953)  # 8 MB of new pages per call
    judge([jitter, fresh_output])
    assert jitter.status == SAME and fresh_output.status == WORSE and exit_code([jitter, fresh_output]) == 1


def test_a_small_significant_difference_below_the_threshold_passes():
    (c,) = judged(measured([1 + (RULE.threshold - 1) / 2], jitter=(0.99, 1.0, 1.01)))
    assert c.significant and c.status == SAME and exit_code([c]) == 0


def test_a_large_difference_within_the_noise_passes():
    """The median block ratio is beyond the threshold, but as many blocks went the other way."""
    (c,) = judged(measured([1.0], jitter=(0.7, 1.5, 1.4)))
    assert c.ratio > RULE.threshold and not c.significant and c.status == SAME


def test_a_ten_percent_slowdown_of_one_timing_among_many_is_flagged_and_only_it():
    comparisons = judged(measured([1.10] + [1.0] * 17, jitter=(0.98, 1.0, 1.02, 0.99, 1.01)))
    assert [c.status for c in comparisons] == [SLOWER] + [SAME] * 17, [(c.ratio, c.p) for c in comparisons]
    assert abs(comparisons[0].ratio - 1.10) < 0.01 and exit_code(comparisons) == 1


def test_a_slowdown_of_every_timing_is_seen():
    """No normalization by the other benchmarks: every timing 20 % slower is flagged, every one."""
    comparisons = judged(measured([1.2] * 10, jitter=(0.98, 1.0, 1.02)))
    assert [c.status for c in comparisons] == [SLOWER] * 10 and exit_code(comparisons) == 1


def test_a_speedup_is_reported_and_passes():
    comparisons = judged(measured([0.8, 1.0], jitter=(0.99, 1.01)))
    assert [c.status for c in comparisons] == [FASTER, SAME] and exit_code(comparisons) == 0


def test_what_a_side_that_could_not_time_means():
    ok, skip, error = "ok", {"skip": "no nnet in this release"}, {"error": "Traceback...\nRuntimeError: broken"}
    cases = [((ok, error), FAILED), ((ok, skip), VANISHED), ((skip, skip), SKIPPED), ((skip, ok), NEW)]
    outcome = {f"t{i}": {"label": "", "sides": list(sides), "blocks": []} for i, (sides, _) in enumerate(cases)}
    comparisons = judged({"env": outcome})
    assert [c.status for c in comparisons] == [status for _, status in cases]
    assert "RuntimeError: broken" in comparisons[0].note and exit_code(comparisons) == 2


def test_an_environment_whose_paired_timing_could_not_run_fails_the_check():
    (c,) = judged({"env": {"error": "paired timing failed in python:\nSyntaxError: invalid syntax"}})
    assert c.status == FAILED and "SyntaxError" in c.note and exit_code([c]) == 2


def test_a_failure_note_quotes_the_exception_not_the_hint_a_library_appends():
    # As PyTensor raises a compile error: the node and a hint appended to the message, below the exception line.
    hint = "HINT: Set PyTensor `config.exception_verbosity` to `medium` or `high` for more information"
    try:
        try:
            raise KeyError("relu")
        except KeyError:
            raise AssertionError(f"key collision\nApply node that caused the error: relu(x)\n{hint}") from None
    except AssertionError:
        error = traceback.format_exc()
    outcome = {"t": {"label": "", "sides": ["ok", {"error": error}], "blocks": []}}
    assert of_timings({"env": outcome})[0].note == "raised in HEAD: AssertionError: key collision"
    during = f"{error}\nDuring handling of the above exception, another occurred:\n\n{error.replace('key', 'lock')}"
    (c,) = of_timings({"env": {"error": f"paired timing failed in python3.13:\n{during}"}})
    assert c.note == "could not run: AssertionError: lock collision"


def test_holm_corrects_for_many_comparisons():
    assert holm([0.001, 0.04, 0.03], 0.05) == [True, False, False]
    assert holm([0.001, 0.02, 0.03], 0.05) == [True, True, True]


def test_a_failure_outranks_a_slowdown():
    slower = Comparison("relu.Forward.time_forward", "variant=v", "env", "time", "seconds", 1.0, 2.0, status=SLOWER)
    broken = Comparison("relu.Forward.time_forward", "variant=w", "env", "time", "seconds", 1.0, None, status=FAILED)
    assert exit_code([slower, broken]) == 2


def test_a_timing_the_worker_never_returned_vanishes():
    """HEAD's code printing `{}` at exit, or a worker that selects nothing, once passed with no rows."""
    expected = {"relu.Forward.time_forward('v0')": "variant=v0", "relu.Forward.time_forward('v1')": "variant=v1"}
    paired = measured([1.0])  # only v0 came back
    (c,) = vanished_timings(expected, paired, {"env": {"error": "could not run"}})
    assert (c.benchmark, c.params, c.status) == ("relu.Forward.time_forward", "variant=v1", VANISHED)


def test_a_run_that_compared_no_instructions_fails():
    def counted(status, env="env"):
        return Comparison(
            "instructions.Instructions.track_instructions", "v", env, "track", "instructions", 1, 1, status=status
        )

    rows = judged(measured([1.0])) + [counted(SKIPPED), counted(SKIPPED)]
    rows += judged({"other": measured([1.0])["env"]}) + [counted(SAME, "other")]
    (c,) = uncompared_families(rows, ["env", "other"])
    assert (c.env, c.status) == ("env", FAILED) and "no instructions compared" in c.note
    assert exit_code(rows + [c]) == 2
