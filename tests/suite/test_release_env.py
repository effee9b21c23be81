"""Environments for releases the matrix does not list, derived by rule (canned PyPI JSON, no network), and a
release that cannot be installed skipped by name while the bisection goes on."""

import json

import pytest
from conftest import ROOT

from relu_bench.bisection import releases
from relu_bench.bisection.bisect_search import Skipped, bisect_cell
from relu_bench.bisection.release_env import NoStack, derive
from relu_bench.bisection.release_index import IndexRelease, listing, numpy_cap
from relu_bench.envs.matrix import releases as matrix_releases

FIXTURES = ROOT / "tests" / "suite" / "fixtures" / "pypi"
TABLE = matrix_releases()


def document(library):
    return json.loads((FIXTURES / f"{library}.json").read_text())


def release(library, version):
    kept, _ = listing(document(library), pre=True)
    return {r.version: r for r in kept}[version]


def cap(library):
    return numpy_cap(document(library))


@pytest.mark.parametrize(
    "name, prefer",
    [
        ("theano-0.7.0", ()),
        ("theano-0.8.2", ()),
        ("theano-0.9.0", ()),
        ("theano-1.0.4", ()),
        ("theano-1.0.5", ()),
        ("theano-pymc-1.1.2", ()),
        ("aesara-2.9.4", ()),
        ("pytensor-2.18.6", ()),
        ("pytensor-3.0.7", ("3.11",)),  # the matrix runs it on the tests' Python 3.11
    ],
)
def test_the_rule_alone_gives_the_matrix_line_of_each_matrix_release(name, prefer):
    library, version = name.rsplit("-", 1)
    renamed = {f"other-{k}" if k == name else k: v for k, v in TABLE.items()}  # the rule, not the lookup
    assert derive(library, release(library, version), prefer, renamed, cap(library)) == TABLE[name]


def test_a_matrix_release_gets_its_line_as_written_so_asv_reuses_its_environment():
    # pytensor 3.3.8's line has jax, which no rule adds.
    assert derive("pytensor", release("pytensor", "3.3.8"), ("3.11",), table=TABLE) == TABLE["pytensor-3.3.8"]


@pytest.mark.parametrize(
    "library, version, prefer, python, numpy",
    [
        ("theano", "1.0.0", (), "3.8", "1.23.5"),  # fractions.gcd: < 3.9
        ("theano", "1.0.0rc1", (), "3.8", "1.23.5"),
        ("theano", "0.9.0rc1", (), "3.9", "1.23.5"),  # MutableMapping: < 3.10
        ("theano", "1.0.3", ("3.9",), "3.8", "1.23.5"),  # a preferred Python it cannot take is passed over
        ("aesara", "2.8.12", (), "3.11", "1.23.5"),  # uploaded before numpy 1.26 (no numpy.__config__.get_info)
        ("pytensor", "2.19.0", (), "3.11", "1.26.4"),
        ("pytensor", "3.1.1", (), "3.13", "2.4.6"),  # requires_python >= 3.12
    ],
)
def test_releases_outside_the_matrix_get_a_stack_their_constraints_allow(library, version, prefer, python, numpy):
    line = derive(library, release(library, version), prefer, TABLE, cap(library))
    assert (line["python"], line["req"]["numpy"], line["req"][library]) == (python, numpy, version)
    assert list(line["req"]) == ["numpy", "scipy", library]  # asv installs in this order: numpy first


def test_the_newest_releases_numpy_cap_holds_for_every_release():
    # Aesara 2.9.4 came out after numpy 2.0 and declares numpy<2.0.0; pytensor's newest needs numpy>=2: no cap.
    assert (cap("aesara"), cap("pytensor")) == ("<2.0.0", "")
    late = IndexRelease(
        "2.9.5", tuple(dict(f, upload_time_iso_8601="2025-01-01T00:00:00") for f in release("aesara", "2.9.4").files)
    )
    assert derive("aesara", late, (), TABLE, cap=cap("aesara"))["req"]["numpy"] == "1.26.4"


def test_theano_before_0_8_gets_the_setuptools_its_2to3_build_needs():
    old = IndexRelease("0.6.0", release("theano", "0.7.0").files)
    assert derive("theano", old, (), TABLE)["req"]["setuptools"] == "58.1.0"


def test_a_release_no_stack_fits_says_which_constraints():
    files = tuple(dict(f, requires_python=">=3.14") for f in release("pytensor", "3.3.8").files)
    with pytest.raises(NoStack, match=r">=3\.14"):
        derive("pytensor", IndexRelease("4.0.0", files), (), TABLE)


def test_a_release_that_fails_to_install_is_skipped_by_name_and_the_bisection_goes_on(monkeypatch, capsys):
    listed = {v: release("theano", v) for v in ("0.9.0", "1.0.0", "1.0.3", "1.0.4")}
    built = []

    def fake_build(line, env_dir):
        version = line["req"]["theano"]
        if version == "1.0.0":
            raise releases.Unusable("install failed: error: subprocess-exited-with-error")
        built.append(version)
        return f"/envs/{version}/bin/python"

    monkeypatch.setattr(releases, "build", fake_build)
    envs = releases.ReleaseBuilds("theano", listed, ROOT / ".asv" / "never", (), "")
    value = {"0.9.0": "1", "1.0.3": "0", "1.0.4": "0"}
    result = bisect_cell(list(listed), lambda v: value[envs.prepare(v).split("/")[2]])
    assert result.neighbours == ("0.9.0", "1.0.3")
    assert result.skipped == {"1.0.0": "install failed: error: subprocess-exited-with-error"}
    assert "theano 1.0.0: skipped: install failed" in capsys.readouterr().out
    with pytest.raises(Skipped):  # remembered: not built again
        envs.prepare("1.0.0")
    assert built.count("1.0.3") == 1
