"""relu_bench/report/offline.py: the HTML every `asv publish` of this project writes loads its scripts and styles from
the
published folder itself, never from a third-party host (a page opened offline works)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from relu_bench.config import load_asv_conf
from relu_bench.report.offline import localize

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"
LOADED = re.compile(r'<(?:script|link)\b[^>]*?\s(?:src|href)="([^"]+)"')


def test_published_index_loads_only_files_of_its_own_folder(tmp_path):
    results = shutil.copytree(FIXTURE, tmp_path / "results")
    html = tmp_path / "html"
    conf = dict(load_asv_conf(), results_dir=str(results), html_dir=str(html), repo=str(ROOT))
    (tmp_path / "asv.conf.json").write_text(json.dumps(conf))
    cmd = [sys.executable, "-m", "asv", "publish", "--config", tmp_path / "asv.conf.json"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    loaded = LOADED.findall((html / "index.html").read_text())
    assert "vendor/jquery-3.3.1/jquery.min.js" in loaded and "vendor/bootstrap-3.1.1/bootstrap.min.css" in loaded
    assert [src for src in loaded if re.match(r"(https?:)?//", src)] == []
    assert [src for src in loaded if not (html / src).is_file()] == []


def test_a_remote_library_without_a_copy_is_named(tmp_path):
    (tmp_path / "index.html").write_text('<script src="https://cdn.example/new-plot.min.js"></script>')
    with pytest.raises(ValueError, match="new-plot.min.js"):
        localize(tmp_path)
