"""`relu-bench fidelity`: a point without asv's figure is reported and fails the command (exit 2), never skipped."""

from conftest import relu_bench


def test_a_commit_without_asv_results_exits_2():
    proc = relu_bench(
        "fidelity",
        "--release",
        "theano-1.0.5",
        "--commit",
        "HEAD",
        "--machine",
        "no-such-machine",
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no asv results of" in proc.stdout and "relu-bench bench" in proc.stdout
