"""The relu_bench package's shape: imports point one way and stay shallow, no module edits sys.path, the paired
worker stays a standalone file, and nothing imports the test runner."""

import ast
import functools

import pytest
from conftest import ROOT

TOOLS = ROOT / "relu_bench"
MAX_DEPTH = 5  # modules in the longest import chain, relu_bench.__main__ and relu_impls included


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in TOOLS.rglob("*.py") if "plants" not in p.parts}


def imports(name):
    """The relu_bench modules and relu_impls (one node) that module `name` imports, at any level of its code;
    relu_bench.__main__'s dispatch by name counts as importing every command."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for target in targets:
            if target.split(".")[0] == "relu_impls":
                found.add("relu_impls")
            elif target in MODULES and target != name:
                found.add(target)
    if name == "relu_bench.__main__":
        found |= {m for m in MODULES if m.startswith("relu_bench.commands.") and m != "relu_bench.commands.common_args"}
    return found


@functools.lru_cache(maxsize=None)
def longest_chain(name):
    if name == "relu_impls":
        return ("relu_impls",)
    return (name, *max((longest_chain(n) for n in imports(name)), key=len, default=()))


def reachable(name):
    seen, todo = set(), [name]
    while todo:
        for n in imports(todo.pop()) - seen:
            seen.add(n)
            if n != "relu_impls":
                todo.append(n)
    return seen


def test_the_longest_import_chain_is_at_most_five_modules():
    chain = max((longest_chain(name) for name in MODULES), key=len)
    assert len(chain) <= MAX_DEPTH, " → ".join(chain)


def test_no_import_comes_back_round():
    """No cycle: no module reaches itself through what it imports (each is above all it imports)."""
    assert not [name for name in MODULES if name in reachable(name)]


def test_the_top_level_is_packages_and_entry_modules():
    """relu_bench/ says the architecture: a handful of packages by concern, and few files beside them."""
    files = sorted(p.name for p in TOOLS.iterdir() if p.is_file())
    assert len(files) <= 12, files


def test_the_pr_check_does_not_import_the_publish_runner():
    assert "relu_bench.commands.bench" not in reachable("relu_bench.commands.compare")


def test_nothing_imports_the_test_runner():
    assert not [name for name in MODULES if "relu_bench.run_tests" in imports(name)]


def test_the_paired_worker_is_standalone():
    """It runs by path under every benchmark environment's Python (3.8 on), where no relu_bench package is."""
    assert not imports("relu_bench.measure.paired_worker")
    ast.parse((TOOLS / "measure" / "paired_worker.py").read_text(), feature_version=(3, 8))


@pytest.mark.parametrize("path", sorted([*TOOLS.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]), ids=str)
def test_no_module_edits_sys_path_or_waives_import_order(path):
    if path.name in ("paired_worker.py", "test_layout.py"):  # the worker imports each tree's relu_impls by
        return  # putting the tree first on sys.path; this file names what it looks for
    text = path.read_text()
    assert "sys.path" not in text and "E402" not in text
