"""One list of variant names: the benchmark parameters (which key the published history and never change),
relu_impls' VARIANTS, the semantics table and the findings' tables name the same variants in the same order."""

import re

from benchmarks.common import VARIANT_NAMES
from conftest import ROOT

from relu_impls import VARIANTS
from relu_impls.semantics import BY_LINKER, EXPECTED

FINDINGS = (ROOT / "docs" / "findings.md").read_text()


def test_relu_impls_variants_are_the_benchmark_parameters():
    assert list(VARIANTS) == VARIANT_NAMES


def test_the_semantics_table_has_a_row_per_variant():
    assert list(EXPECTED) == VARIANT_NAMES


def semantics_tables():
    """{header's first cell: [variant of each row]} of the findings' semantics tables."""
    tables = {}
    for header, body in re.findall(r"^\| (variant[^|]*) \| value at [^\n]+\n\|[-|]+\|\n((?:\|.*\n)+)", FINDINGS, re.M):
        tables[header] = re.findall(r"^\| `(\w+)` \|", body, re.M)
    return tables


def test_the_semantics_tables_of_the_findings_list_every_variant_and_every_linker_row():
    tables = semantics_tables()
    assert tables.pop("variant") == VARIANT_NAMES
    assert tables == {f"variant ({linker} linker)": list(rows) for linker, rows in BY_LINKER.items()}


def test_the_timing_tables_of_the_findings_name_known_variants_and_one_has_them_all():
    headers = [h.split(" | ") for h in re.findall(r"^\| release \| copy \| (.+) \|$", FINDINGS, re.M)]
    for columns in headers:  # "switch_lt" or "switch_lt fwd / grad"; a last "median" column
        named = [c.split()[0] for c in columns if c != "median"]
        assert set(named) <= set(VARIANT_NAMES) and named == sorted(named, key=VARIANT_NAMES.index), columns
    assert VARIANT_NAMES in headers
