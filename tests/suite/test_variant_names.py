"""One list of variant names: the benchmark parameters (which key the published history and never change),
relu_impls' VARIANTS, the semantics table and the README's tables name the same variants in the same order."""

import re

from benchmarks.common import VARIANT_NAMES
from conftest import ROOT

from relu_impls import VARIANTS
from relu_impls.semantics import EXPECTED

README = (ROOT / "README.md").read_text()


def test_relu_impls_variants_are_the_benchmark_parameters():
    assert list(VARIANTS) == VARIANT_NAMES


def test_the_semantics_table_has_a_row_per_variant():
    assert list(EXPECTED) == VARIANT_NAMES


def test_the_readme_semantics_table_lists_every_variant():
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| [^|]+ \|$", README, re.M)
    assert rows == VARIANT_NAMES


def test_the_readme_timing_tables_name_known_variants_and_one_has_them_all():
    headers = [h.split(" | ") for h in re.findall(r"^\| release \| copy \| (.+) \|$", README, re.M)]
    for columns in headers:  # "switch_lt" or "switch_lt fwd / grad"; a last "median" column
        named = [c.split()[0] for c in columns if c != "median"]
        assert set(named) <= set(VARIANT_NAMES) and named == sorted(named, key=VARIANT_NAMES.index), columns
    assert VARIANT_NAMES in headers
