"""The interactive flow map (`graph --format html`), in a real headless Chromium: it loads offline without an
error, shows every node, pans and zooms, searches, filters, and a click on a node lists its findings with
links to their rule's documentation and to file:line (issue 20, item 7)."""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from eventlint.cli import main
from tests.browser import Browser, find_chromium
from tests.helpers import fixture

SHOP = fixture("shop")
CHROMIUM = find_chromium()

if CHROMIUM is None and os.environ.get("CI"):  # .ci/run installs it: in CI a missing browser is a failure, not a skip
    raise RuntimeError("CI: no chromium found; .ci/run should have installed Debian's chromium package")

pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (.ci/run installs it)"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium, chromium-browser or google-chrome on PATH and EVENTLINT_CHROMIUM unset (.ci/run installs Debian's chromium)"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("flowmap")
    html = out / "shop.html"
    result = CliRunner().invoke(main, ["graph", str(SHOP), "-o", str(html)])
    assert result.exit_code == 0, result.output
    browser = Browser(CHROMIUM, out / "profile")
    try:
        browser.open(html.as_uri())
        yield browser, html, out
    finally:
        browser.close()


def _findings():
    return json.loads(CliRunner().invoke(main, ["check", str(SHOP), "--format", "json", "--no-cache"]).stdout)["diagnostics"]


def _rects(browser):
    return browser.evaluate(
        "Array.from(document.querySelectorAll('#fm-canvas g.node')).map(function (g) {"
        " var r = g.getBoundingClientRect(); return {mid: g.getAttribute('data-node'), name: g.querySelector('text').textContent,"
        " x: r.left, y: r.top, w: r.width, h: r.height, dim: g.classList.contains('fm-dim')}; })"
    )


def _canvas(browser):
    return browser.evaluate("(function () { var r = document.getElementById('fm-canvas').getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; })()")


def test_the_page_is_one_offline_file_and_loads_without_an_error(page):
    browser, html, _ = page
    text = html.read_text(encoding="utf-8")
    assert "src=" not in text and "<link" not in text and "@import" not in text  # nothing fetched
    assert browser.evaluate("document.documentElement.getAttribute('data-flowmap')") == "ready"
    assert browser.errors() == []
    assert browser.evaluate("document.getElementById('fm-legend').textContent").count("service") >= 1


def test_every_node_is_on_screen_nothing_cut_off_and_the_screenshot_is_real(page):
    browser, _, out = page
    browser.evaluate("document.getElementById('fm-fit').click()")
    canvas, rects = _canvas(browser), _rects(browser)
    assert len(rects) == 16
    for r in rects:
        assert r["w"] > 0 and r["h"] > 0
        assert canvas["x"] - 1 <= r["x"] and r["x"] + r["w"] <= canvas["x"] + canvas["w"] + 1, r
        assert canvas["y"] - 1 <= r["y"] and r["y"] + r["h"] <= canvas["y"] + canvas["h"] + 1, r
    png = browser.screenshot(out / "flowmap.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1400, 1000) and len(png) > 30_000  # a drawn page, not a blank one


def test_a_click_on_a_service_lists_its_findings_with_links(page):
    browser, _, _ = page
    browser.evaluate("document.getElementById('fm-fit').click()")
    [payments] = [r for r in _rects(browser) if r["name"] == "payments"]
    browser.click(payments["x"] + payments["w"] / 2, payments["y"] + payments["h"] / 2)
    assert browser.evaluate("document.querySelector('#fm-panel h3').textContent") == "payments"
    items = browser.evaluate(
        "Array.from(document.querySelectorAll('#fm-findings > li')).map(function (li) {"
        " var a = li.querySelectorAll('a'); return {code: a[0].textContent, doc: a[0].href, where: a[1].textContent, file: a[1].href,"
        " explain: li.querySelector('details pre') ? li.querySelector('details pre').textContent : ''}; })"
    )
    expected = [d for d in _findings() if d["service"] == "payments"]
    assert len(items) == len(expected) > 0
    assert sorted(i["code"] for i in items) == sorted(d["code"] for d in expected)
    for item in items:
        assert item["doc"].endswith(f"/docs/rules/{item['code']}.md")
        assert item["explain"].startswith(f"# {item['code']} ")
        path, line, _ = item["where"].rsplit(":", 2)
        target = Path(unquote(urlsplit(item["file"]).path))
        assert item["file"].startswith("file://") and target == (SHOP / path).resolve() and target.is_file()
        assert int(line) <= len(target.read_text(encoding="utf-8").splitlines())
    assert browser.evaluate("document.querySelector('g.fm-selected text').textContent") == "payments"


def test_search_typed_into_the_box_dims_what_does_not_match(page):
    browser, _, _ = page
    browser.evaluate("var s = document.getElementById('fm-search'); s.focus(); s.value = '';")
    browser.call("Input.insertText", {"text": "Payment"})
    rects = _rects(browser)
    matching = {r["name"] for r in rects if not r["dim"]}
    assert matching == {r["name"] for r in rects if "payment" in r["name"].lower()} and len(matching) >= 3
    assert "matching \u201cPayment\u201d" in browser.evaluate("document.getElementById('fm-status').textContent")
    browser.evaluate("var s = document.getElementById('fm-search'); s.value = ''; s.dispatchEvent(new Event('input'));")
    assert not any(r["dim"] for r in _rects(browser))


def test_filters_by_context_severity_and_rule(page):
    browser, _, _ = page

    def choose(element: str, value: str) -> set[str]:
        browser.evaluate(f"var e = document.getElementById('{element}'); e.value = {json.dumps(value)}; e.dispatchEvent(new Event('change'));")
        return {r["name"] for r in _rects(browser) if not r["dim"]}

    drawn = json.loads(CliRunner().invoke(main, ["graph", str(SHOP), "--format", "json"]).stdout)
    members = set(drawn["contexts"]["fulfilment"]["services"])
    ids = {n["id"]: n for n in drawn["nodes"]}
    touching = {ids[b]["name"] for e in drawn["edges"] for a, b in ((e["source"], e["target"]), (e["target"], e["source"]))
                if ids[a]["name"] in members and ids[a]["kind"] == "service" and ids[b]["kind"] == "event"}
    assert choose("fm-context", "fulfilment") == members | touching and "StockDepleted" in touching
    choose("fm-context", "")
    eda606 = {d["service"] for d in _findings() if d["code"] == "EDA606"} | {d["event"] for d in _findings() if d["code"] == "EDA606"}
    assert choose("fm-rule", "EDA606") == eda606 - {None}
    choose("fm-rule", "")
    browser.evaluate("document.querySelector('input[name=fm-severity][value=none]').click()")
    clean = {r["name"] for r in _rects(browser) if r["dim"]}
    assert "refunds" in clean and "payments" not in clean
    browser.evaluate("document.querySelector('input[name=fm-severity][value=none]').click()")
    assert not any(r["dim"] for r in _rects(browser))


def test_wheel_zooms_in_and_fit_shows_everything_again(page):
    browser, _, _ = page
    browser.evaluate("document.getElementById('fm-fit').click()")
    home = browser.evaluate("document.querySelector('#fm-canvas svg').getAttribute('viewBox')")
    canvas = _canvas(browser)
    browser.wheel(canvas["x"] + canvas["w"] / 2, canvas["y"] + canvas["h"] / 2, -600)
    zoomed = browser.evaluate("document.querySelector('#fm-canvas svg').getAttribute('viewBox')")
    assert float(zoomed.split()[2]) < float(home.split()[2]) * 0.7
    browser.evaluate("document.getElementById('fm-fit').click()")
    assert browser.evaluate("document.querySelector('#fm-canvas svg').getAttribute('viewBox')") == home
    assert browser.errors() == []


def test_dragging_the_background_pans(page):
    browser, _, _ = page
    browser.evaluate("document.getElementById('fm-fit').click()")
    browser.wheel(*_centre(_canvas(browser)), -600)  # zoom in first, so there is room to move
    before = [float(v) for v in browser.evaluate("document.querySelector('#fm-canvas svg').getAttribute('viewBox')").split()]
    canvas = _canvas(browser)
    x, y = canvas["x"] + 10, canvas["y"] + 10  # a corner: background, not a node
    browser.call("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1})
    browser.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x + 120, "y": y + 60, "button": "left", "buttons": 1})
    browser.call("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": x + 120, "y": y + 60, "button": "left", "buttons": 0, "clickCount": 1})
    after = [float(v) for v in browser.evaluate("document.querySelector('#fm-canvas svg').getAttribute('viewBox')").split()]
    assert after[0] < before[0] and after[1] < before[1] and after[2:] == before[2:]  # moved with the mouse, same zoom


def test_enter_in_the_search_box_centres_and_opens_the_first_match(page):
    browser, _, _ = page
    browser.evaluate("document.getElementById('fm-fit').click(); var s = document.getElementById('fm-search'); s.focus(); s.value = '';")
    browser.call("Input.insertText", {"text": "StockDepleted"})
    browser.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
    browser.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
    assert browser.evaluate("document.querySelector('#fm-panel h3').textContent") == "StockDepleted"
    [node] = [r for r in _rects(browser) if r["name"] == "StockDepleted"]
    canvas = _canvas(browser)
    assert abs(node["x"] + node["w"] / 2 - (canvas["x"] + canvas["w"] / 2)) < canvas["w"] * 0.1
    browser.evaluate("var s = document.getElementById('fm-search'); s.value = ''; s.dispatchEvent(new Event('input'));")


@pytest.mark.parametrize("level", ["service", "context"])
def test_every_level_loads_and_every_node_opens(tmp_path, level):
    html = tmp_path / f"{level}.html"
    assert CliRunner().invoke(main, ["graph", str(SHOP), "--level", level, "-o", str(html)]).exit_code == 0
    browser = Browser(CHROMIUM, tmp_path / "profile")
    try:
        browser.open(html.as_uri())
        assert browser.evaluate("document.documentElement.getAttribute('data-flowmap')") == "ready"
        rects = _rects(browser)
        assert rects and all(r["mid"] for r in rects)
        for r in rects:
            browser.click(*_centre(r))
            assert browser.evaluate("document.querySelector('#fm-panel h3').textContent") == r["name"]
        assert browser.errors() == []
    finally:
        browser.close()


def _centre(rect):
    return rect["x"] + rect["w"] / 2, rect["y"] + rect["h"] / 2
