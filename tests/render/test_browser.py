"""report.html in a real headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it).

The page is served by a loopback ``http.server`` that records every request,
and Chromium runs with a dead proxy for anything else, so "the page made no
request" is observed, not assumed. ``--dump-dom`` gives the DOM after the
page's script ran; ``--enable-logging=stderr`` gives console messages (script
errors, Content-Security-Policy violations). The hostile payloads point their
would-be fetches (``<img src>``, ``<iframe>``, stylesheet, Markdown image) at
the same server and mark the page if a script ever runs.

Screenshots and the dumped DOM are kept as CI artefacts in
``$AUDITOR_ARTIFACTS_DIR`` (default ``auditor-report/browser/`` in the repo).

Chromium missing is a failure, not a skip: this is the only proof that the
report works in a browser.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path

import pytest

from auditor.render.html import render_html
from auditor.render.view import build_view
from tests.render.conftest import REPO, DemoRun
from tests.render.hostile import crafted_result, hostile_result
from tests.render.htmlscan import scan_html
from tests.render.test_html import TEMPLATE_ATTRS, TEMPLATE_TAGS

ARTIFACTS = Path(os.environ.get("AUDITOR_ARTIFACTS_DIR", REPO / "auditor-report" / "browser"))
#: Chromium adds these to the DOM it dumps (none is ours to forbid).
_BROWSER_TAGS = frozenset({"tbody"})


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "chromium is not installed: the browser tests need Debian's chromium "
        "(apt-get install -y chromium; .ci/run installs it)"
    )


@dataclass
class Server:
    root: Path
    port: int = 0
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A loopback HTTP server for ``tmp_path`` that records every request path."""
    state = Server(root=tmp_path)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            state.requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass(frozen=True)
class Page:
    dom: str
    console: list[str]
    stderr: str


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
        "--hide-scrollbars",
        # anything not on loopback goes to a dead proxy (loopback is never proxied)
        "--proxy-server=http://127.0.0.1:9",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


def load(server: Server, name: str) -> Page:
    run = _run(server.root, "--virtual-time-budget=3000", "--dump-dom", server.url(name))
    assert run.returncode == 0, run.stderr[-3000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return Page(dom=run.stdout, console=console, stderr=run.stderr)


def screenshot(server: Server, name: str, png: Path) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    run = _run(
        server.root,
        "--virtual-time-budget=3000",
        "--window-size=1280,3600",
        f"--screenshot={png}",
        server.url(name),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one


def _keep(name: str, content: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(content, encoding="utf-8")


def _root_attrs(dom: str) -> str:
    match = re.search(r"<html[^>]*>", dom)
    assert match, dom[:500]
    return match.group(0)


def test_demo_report_renders_in_chromium_offline(demo_run: DemoRun, server: Server) -> None:
    assert demo_run.result.returncode == 0, demo_run.result.stderr[-3000:]
    shutil.copy(demo_run.out / "report.html", server.root / "report.html")
    page = load(server, "report.html")
    _keep("demo-report.dom.html", page.dom)

    root = _root_attrs(page.dom)
    assert 'data-ready="1"' in root and 'class="js"' in root  # the inline script ran
    assert page.console == [], page.console  # no script error, no CSP violation
    assert server.requests == ["/report.html"]  # nothing else was fetched

    text = scan_html(page.dom).all_text
    assert "Grades by principle" in text and "Recommendations by priority" in text
    # the grade table, with every principle graded
    table = page.dom.split('id="grade-table"')[1].split("</table>")[0]
    assert len(re.findall(r"<tr data-principle=", table)) == 8
    assert re.search(r'class="g-[ABCDFN]">(A\+|[A-D][+-]?|F|N/A)</span>', table)
    # the recommendations, Container Insights first
    now = page.dom.split('id="tier-now"')[1].split('id="tier-soon"')[0]
    first = now.split('<article class="rec rec-now" id="rec-')[1]
    assert first.startswith("OB001")
    assert "ops-pipeline-cluster" in first and "containerInsights,value=enabled" in first
    # the filter bar was switched on by the script and counted the rules
    assert re.search(r'id="filter-count"[^>]*>\d+ of \d+ rules shown<', page.dom)

    screenshot(server, "report.html", ARTIFACTS / "demo-report.png")
    assert server.requests == ["/report.html", "/report.html"]
    shutil.copy(demo_run.out / "report.html", ARTIFACTS / "demo-report.html")


@pytest.mark.parametrize("make", [hostile_result, crafted_result], ids=["scan", "crafted"])
def test_hostile_report_runs_no_script_and_fetches_nothing(make: object, server: Server) -> None:
    assert callable(make)
    beacon = server.url("beacon")
    html = render_html(build_view(make(beacon)))
    assert beacon in html  # the payloads are there, escaped
    (server.root / "hostile.html").write_text(html, encoding="utf-8")
    page = load(server, "hostile.html")
    kind = getattr(make, "__name__", "hostile")
    _keep(f"{kind}.dom.html", page.dom)

    root = _root_attrs(page.dom)
    assert "data-pwned" not in root  # no injected script or handler ran
    assert 'data-ready="1"' in root  # ours did
    assert server.requests == ["/hostile.html"]  # no <img>, <iframe>, CSS or link fetched
    assert page.console == [], page.console
    scan = scan_html(page.dom)
    assert set(scan.tags) <= TEMPLATE_TAGS | _BROWSER_TAGS, set(scan.tags) - TEMPLATE_TAGS
    assert {n for _, n, _ in scan.attrs} <= TEMPLATE_ATTRS | {"data-ready", "hidden"}
    assert "{{ 7*7 }}{% if true %}JINJA{% endif %}" in scan.all_text

    screenshot(server, "hostile.html", ARTIFACTS / f"{kind}.png")
    assert server.requests == ["/hostile.html", "/hostile.html"]


#: Measures, after layout, every table cell that is narrower than its longest word
#: (words measured with the font of the element holding them). Identifiers longer
#: than WORD_CAP px (an ARN) may wrap anywhere; ordinary words may not.
_LAYOUT_PROBE = """
<script>
addEventListener('load', () => {
  const WORD_CAP = 200;
  const ctx = document.createElement('canvas').getContext('2d');
  const longest = (cell) => {
    let best = 0, word = '';
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      ctx.font = getComputedStyle(n.parentElement).font;
      for (const w of n.data.split(/\\s+/)) {
        const px = ctx.measureText(w).width;
        if (px > best) { best = px; word = w; }
      }
    }
    return [Math.min(best, WORD_CAP), word];
  };
  const bad = [];
  const cells = document.querySelectorAll('#grade-table th, #grade-table td, th');
  for (const cell of cells) {
    if (!cell.offsetParent) continue;
    const cs = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const [need, word] = longest(cell);
    if (room + 1 < need) {
      bad.push(`${cell.tagName} "${word}" needs ${need.toFixed(0)}px, has ${room.toFixed(0)}px`);
    }
  }
  document.documentElement.setAttribute('data-cells', String(cells.length));
  document.documentElement.setAttribute('data-narrow', JSON.stringify(bad));
});
</script>
"""


@pytest.mark.parametrize("width", [420, 1024, 1400, 1600])
def test_table_cells_never_break_a_word_mid_word(
    demo_run: DemoRun, server: Server, width: int
) -> None:
    """Headers never wrap mid-word ("Res/ourc/e"); the grade table never goes one
    character per line (at 420 px it stacks instead)."""
    assert demo_run.result.returncode == 0, demo_run.result.stderr[-3000:]
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    # the probe is a script of the test's own: the page's CSP would (rightly) block it
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    html = html.replace("</body>", f"{_LAYOUT_PROBE}</body>")
    name = f"layout-{width}.html"
    (server.root / name).write_text(html, encoding="utf-8")
    run = _run(
        server.root,
        "--virtual-time-budget=3000",
        f"--window-size={width},2000",
        "--dump-dom",
        server.url(name),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    root = _root_attrs(run.stdout)
    cells = re.search(r'data-cells="(\d+)"', root)
    assert cells and int(cells.group(1)) > 100, root  # the probe ran over the tables
    narrow = re.search(r"data-narrow=\"([^\"]*)\"", root)
    assert narrow is not None, root
    assert html_unescape(narrow.group(1)) == "[]", html_unescape(narrow.group(1))
