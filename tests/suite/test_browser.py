"""The published history in a real browser: asv's HTML, built from results of two environments that
`relu-bench results` merged, stored on a branch and restored, shows a benchmark's graph with points for
both environments and both commits; its link leads to the "Which ReLU?" report (`relu-bench report`), which
renders its tables and plots. Debian's Chromium, driven by Playwright; screenshots in artifacts/.

The pages load jQuery, Flot & co. from the published folder (relu_bench/report/offline.py); every request to another
host is refused and fails the test, as a machine without internet would."""

import contextlib
import functools
import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ENV_DIR, ROOT, relu_bench

from relu_bench.envs.asv_envs import environments
from relu_bench.envs.asv_run import scratch_conf
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import asv_environ, link_pythons
from relu_bench.report.semantics import asv_environments, collect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ENVS = ["theano-1.0.5", "pytensor-3.0.7"]
BENCHMARK = "relu.Forward.time_forward"
BENCH = r"^relu\.Forward\.time_forward\('max_x0', '100x100', 'float64'\)$"
# The report's ratios and plots divide by the copy floor at the same point.
FLOOR_BENCH = r"^floors\.Floors\.time_floor\('copy', '100x100', 'float64'\)$"
SCREENSHOT = ROOT / "artifacts" / "asv-graph.png"
REPORT_SCREENSHOT = ROOT / "artifacts" / "relu-report.png"
ASV = [sys.executable, "-m", "asv"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory, new_project):
    """asv's HTML for two commits x two environments, and the report linked from it, the way publish.yml
    makes them (the shards measure the semantics, as `relu-bench bench` does there)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium "
            "(python3 -m relu_bench.run_tests does so as root; Playwright cannot download a browser here)"
        )
    pythons = link_pythons(releases()[name]["python"] for name in ENVS)
    if not all(pythons.values()):
        pytest.skip(f"Python missing for {ENVS}: {pythons}")
    tmp_path = tmp_path_factory.mktemp("history")
    project = new_project("repo")
    repo = project.path
    project.slow_max_x0()
    project.git("commit", "-qam", "second: max_x0 slower")
    hashes = tmp_path / "commits.txt"
    hashes.write_text(project.git("rev-list", "main") + "\n")

    # One shard per environment, as publish.yml's matrix jobs make them.
    env = asv_environ()
    shards = []
    for release in ENVS:
        conf = scratch_conf(tmp_path / f"shard-{release}", ENV_DIR, repo=repo)
        shard = conf.parent / "results"
        name = environments([release], conf)[release].name
        subprocess.run(
            [*ASV, "machine", "--yes", "--machine", "browser-test", "--config", str(conf)],
            env=env,
            cwd=repo,
            check=True,
            capture_output=True,
        )
        cmd = [
            *ASV,
            "run",
            f"HASHFILE:{hashes}",
            "--config",
            str(conf),
            "--machine",
            "browser-test",
            "-E",
            name,
            "--bench",
            BENCH,
            "--bench",
            FLOOR_BENCH,
            "-a",
            "rounds=1",
            "--no-pull",
            "--show-stderr",
        ]
        run = subprocess.run(cmd, env=env, cwd=repo, capture_output=True, text=True)
        assert len(list(shard.glob("browser-test/*-*.json"))) == 2, (run.stdout + run.stderr)[-5000:]
        envs = [e for e in asv_environments(ENV_DIR) if e[0] == name]
        assert envs and not collect(shard / "browser-test", envs), f"semantics not measured in {name}"
        shards.append(shard)

    site_dir = tmp_path / "site"
    merged, restored = tmp_path / "merged", site_dir / "results"
    for args in (
        ["merge", *shards, "--dir", merged],
        ["store", "--dir", merged, "--repo", repo],
        ["restore", "--dir", restored, "--repo", repo],
    ):
        proc = relu_bench("results", *args, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    conf = scratch_conf(site_dir, ENV_DIR, repo=repo)
    proc = subprocess.run([*ASV, "publish", "--config", str(conf)], env=env, cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = site_dir / "html"
    report = ["report", "--results-dir", restored, "--machine", "browser-test", "build", "--link"]
    report += ["--html-dir", html, "--out", html / "report"]
    proc = relu_bench(*report, cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return html


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def refuse_other_hosts(page, refused):
    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), refuse)


@contextlib.contextmanager
def browser_page(server):
    """A Chromium page that reaches only the local server, and the page errors and other hosts' addresses it
    collects (the caller checks them)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors, refused = [], []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            refuse_other_hosts(page, refused)
            yield page, errors
            assert not refused, f"the page needs other hosts: {refused}"
        finally:
            browser.close()


def test_graph_shows_both_environments_and_both_commits(server):
    with browser_page(server) as (page, errors):
        page.goto(f"{server}/index.html#{BENCHMARK}?p-variant='max_x0'&p-shape='100x100'&p-dtype='float64'")
        page.wait_for_function("() => window.$ && $('#main-graph').data('plot')", timeout=60_000)
        page.wait_for_timeout(500)  # let the plot finish drawing before the screenshot
        series = page.evaluate(
            """() => $('#main-graph').data('plot').getData().map(s => ({
                label: s.label || '',
                points: s.data.filter(d => d && d[1] !== null && isFinite(d[1])).length}))"""
        )
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        title = page.locator("#title").inner_text() if page.locator("#title").count() else ""
    # One parameter point was measured, so each drawn series is one environment.
    drawn = [s for s in series if s["points"] >= 2]
    assert len(drawn) >= 2, f"series with points for both commits: {series} (title {title!r}, errors {errors})"
    for release in ENVS:  # asv labels a series with its environment's requirements
        assert any(release in s["label"] for s in drawn), f"no series for {release}: {series}"
    # flot throws this when asv's page draws into a container not laid out yet (width 0); it depends on timing
    # (seen once in 5 runs, under load) and not on the data, which the asserts above check.
    assert not [e for e in errors if not e.startswith("Invalid dimensions for plot, width = 0")], errors


def test_report_is_linked_from_asv_index_and_renders(server):
    with browser_page(server) as (page, errors):
        page.goto(f"{server}/index.html")
        link = page.locator("a#relu-report-link")
        link.wait_for(state="visible", timeout=60_000)
        link.click()
        page.wait_for_url(f"{server}/report/index.html", timeout=30_000)
        page.wait_for_load_state("load")
        heading = page.locator("h1#which-relu").inner_text()
        tables = {
            section: page.locator(f"section#{section} table").count() for section in ("fastest", "timings", "semantics")
        }
        plots = page.evaluate(
            """() => [...document.querySelectorAll('section#plots img')].map(i => ({
                src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0}))"""
        )
        semantics = page.locator("section#semantics").inner_text()
        REPORT_SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(REPORT_SCREENSHOT), full_page=True)
    assert heading == "Which ReLU?"
    assert all(tables.values()), f"a section without a table: {tables}"
    assert plots and all(p["loaded"] for p in plots), f"plots missing or not loaded: {plots}"
    for release in ENVS:
        assert release in semantics, f"no semantics of {release} in: {semantics[:2000]}"
    assert not errors, errors
