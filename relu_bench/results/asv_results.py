"""asv's result files, read one way for every reader (the bench summary, the PR check, fidelity, the report).

An asv result file holds, per benchmark, one value per point of the product of its parameter lists (asv's
order): a number, None for a failure (an exception, a timeout), or NaN for a skip (NotImplementedError in
setup; also a point `--bench` did not select). Each point's stats carry asv's 99 % confidence interval from
2 samples on; a single sample (`asv run --quick`) has none, or (-inf, inf).
"""

import math
from itertools import product
from pathlib import Path

FAILED, SKIPPED, MEASURED = "failed", "skipped", "measured"


def file_name(commit, env_name):
    """The name asv gives a commit's result file in one environment, inside its machine folder."""
    return f"{commit[:8]}-{env_name}.json"


def load(path):
    """asv's Results of one result file."""
    from asv.results import Results  # `relu-bench results shards` and others run without asv

    return Results.load(str(path))


def of_commit(results_dir, machine, commit, env_names):
    """{env name: Results} of one commit; environments without a result file are absent."""
    paths = {name: Path(results_dir, machine, file_name(commit, name)) for name in env_names}
    return {name: load(path) for name, path in paths.items() if path.exists()}


def state(value):
    """FAILED (None), SKIPPED (NaN) or MEASURED."""
    if value is None:
        return FAILED
    return SKIPPED if isinstance(value, float) and math.isnan(value) else MEASURED


def unquote(value):
    """A parameter value as asv stores it (its repr) without the quotes: "'max_x0'" -> "max_x0"."""
    return value.strip("'\"")


def label(param_names, combo):
    """ "name=value, ..." of one parameter point, as the PR check's tables show it."""
    return ", ".join(f"{name}={unquote(value)}" for name, value in zip(param_names, combo))


def selected(benchmarks, name):
    """[(index, param values)] of the points of one benchmark that asv's Benchmarks selected (`--bench`)."""
    combos = list(product(*benchmarks[name]["params"]))
    return [(index, combos[index]) for index in benchmarks.benchmark_selection.get(name) or range(len(combos))]


def points(results, name, params=None):
    """[(param values as stored, value, stats)] of one benchmark in one Results, one per point of
    product(*params) (default: the parameters stored with it); None when the file has no result for it."""
    if results is None or name not in results.get_all_result_keys():
        return None
    params = results.get_result_params(name) if params is None else params
    values, stats = results.get_result_value(name, params), results.get_result_stats(name, params)
    return list(zip(product(*params), values, stats))


def interval(stats):
    """asv's 99 % confidence interval (low, high) of one point, or None (a single sample)."""
    low, high = (stats or {}).get("ci_99_a"), (stats or {}).get("ci_99_b")
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return None
    return low, high


def quartiles(stats):
    """(q_25, q_75) of one point's samples: across the rounds' processes, the spread a run shows."""
    return (stats or {}).get("q_25"), (stats or {}).get("q_75")


def selected_benchmarks(regexes, conf):
    """asv's Benchmarks (from the results_dir/benchmarks.json of asv Config `conf`) as `asv run --bench REGEX...`
    selects them."""
    from asv.benchmarks import Benchmarks

    return Benchmarks.load(conf, regex=regexes)


def tally(result_file, benchmarks):
    """(numbers, skipped, failed names) of the selected benchmarks in one asv result file."""
    results = load(result_file)
    numbers = skipped = 0
    failed = []
    for name, bench in benchmarks.items():
        found = points(results, name, bench["params"])
        if found is None:
            failed.append(f"{name} (no result)")
            continue
        for index, combo in selected(benchmarks, name):
            point = state(found[index][1])
            if point == FAILED:
                failed.append(f"{name}({', '.join(combo)})")
            skipped += point == SKIPPED
            numbers += point == MEASURED
    return numbers, skipped, failed
