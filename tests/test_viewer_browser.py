"""The offline HTML viewer, used as a person would: headless Chromium opens the file with the
network switched off, waits for the layout, counts the nodes drawn, searches, clicks, and saves a
screenshot (in pytest's tmp dir, or $POLICYKG_SCREENSHOTS when set).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package (dev extra).

Run as a script to time a page: ``python tests/test_viewer_browser.py page.html`` prints the
nodes drawn and the milliseconds from load to the end of the layout.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SMALL = ROOT / "tests" / "data" / "viz" / "two-policies.trig"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _browser(offline: bool = True):
    """A headless Chromium driven by selenium, or a skip that says what is missing. ``offline=False``
    lets it reach servers (the tests of ``policykg serve`` start theirs on 127.0.0.1)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e .[dev])")
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if not offline:
        return driver
    # no network at all: a page that needed a CDN would stay blank and fail the wait below
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    return driver


def open_viewer(driver, page: Path, timeout: float = 60, fragment: str = "") -> float:
    """Load the page (with ``#fragment``) and wait until it says it is laid out; return the seconds."""
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.monotonic()
    driver.get("about:blank")           # a new document each time, even when only the fragment differs
    driver.get(page.resolve().as_uri() + (f"#{fragment}" if fragment else ""))
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body && document.body.dataset.ready === 'true'"))
    return time.monotonic() - started


def _screenshot(driver, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("POLICYKG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    driver.save_screenshot(str(path))
    return path


@pytest.fixture(scope="module")
def driver():
    d = _browser()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def small_store():
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(SMALL), format=ox.RdfFormat.TRIG)
    return store


def _page(store, tmp_path: Path, view: str, **options) -> tuple[Path, object]:
    from policykg.projections import project
    from policykg.viewers import render

    graph = project(store, view, **options)
    page = tmp_path / f"{view}.html"
    page.write_bytes(render(graph, "html"))
    return page, graph


def _click_node(driver, label: str) -> None:
    """Click where the node labelled ``label`` is drawn on the canvas."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    x, y = driver.execute_script(
        "var n = cy.nodes().filter(function (n) { return n.data('label') === arguments[0]; })[0];"
        "var p = n.renderedPosition(); return [p.x, p.y];".replace("arguments[0]", repr(label)))
    canvas = driver.find_element(By.ID, "cy")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)).click().perform()


def test_viewer_draws_every_node_of_the_sharing_view_offline(driver, small_store, tmp_path):
    page, graph = _page(small_store, tmp_path, "sharing")
    open_viewer(driver, page)
    drawn = driver.execute_script("return cy.nodes().length")
    assert drawn == graph.number_of_nodes()
    assert driver.execute_script("return document.body.dataset.nodes") == str(graph.number_of_nodes())
    assert _screenshot(driver, tmp_path, "sharing.png").stat().st_size > 0


def test_viewer_search_finds_a_node_and_shows_its_evidence(driver, small_store, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page, graph = _page(small_store, tmp_path, "sharing")
    open_viewer(driver, page)
    box = driver.find_element(By.ID, "search")
    box.send_keys("advertis")
    assert driver.find_element(By.ID, "search-count").text == "1 found"
    box.send_keys(Keys.ENTER)
    panel = driver.find_element(By.ID, "panel").text
    assert "advertisers" in panel
    assert "We collect your e-mail address and phone number and share them with advertisers." in panel
    assert "We share information with advertising partners." in panel
    _screenshot(driver, tmp_path, "search.png")


def test_viewer_click_on_a_node_shows_the_policy_and_sentence(driver, small_store, tmp_path):
    from selenium.webdriver.common.by import By

    page, _ = _page(small_store, tmp_path, "question", question="merger-transfer-without-consent")
    open_viewer(driver, page)
    _click_node(driver, "Acme Ltd")
    panel = driver.find_element(By.ID, "panel")
    assert panel.find_element(By.TAG_NAME, "h2").text == "Acme Ltd"
    assert "In a merger your data may pass to the buyer; we will notify you first </script><b>." in panel.text
    assert "acme" in [e.text for e in panel.find_elements(By.CLASS_NAME, "policy")]
    _screenshot(driver, tmp_path, "question.png")


def test_viewer_click_on_an_edge_shows_its_safeguards(driver, small_store, tmp_path):
    from selenium.webdriver.common.by import By

    page, _ = _page(small_store, tmp_path, "policy", policies=["acme"])
    open_viewer(driver, page)
    # a person clicks the line where no node covers it: the point of the edge farthest from all nodes
    x, y = driver.execute_script("""
        var e = cy.edges().filter(function (e) { return e.data('safeguards'); })[0];
        var a = e.source().renderedPosition(), b = e.target().renderedPosition(), best = null;
        for (var t = 0.25; t <= 0.75; t += 0.05) {
          var p = { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
          var clear = Math.min.apply(null, cy.nodes().map(function (n) {
            var q = n.renderedPosition(); return Math.hypot(q.x - p.x, q.y - p.y) - n.renderedWidth() / 2; }));
          if (!best || clear > best.clear) best = { x: p.x, y: p.y, clear: clear };
        }
        return [best.x, best.y];""")
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = driver.find_element(By.ID, "cy")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)).click().perform()
    panel = driver.find_element(By.ID, "panel").text
    assert "safeguards: notice, no consent" in panel
    assert "In a merger your data may pass to the buyer" in panel


def test_viewer_page_makes_no_network_request(driver, small_store, tmp_path):
    page, _ = _page(small_store, tmp_path, "collection")
    open_viewer(driver, page)
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (r) { return r.name; })")
    assert urls == []


def test_viewer_legend_lists_the_kinds_drawn(driver, small_store, tmp_path):
    from selenium.webdriver.common.by import By

    page, graph = _page(small_store, tmp_path, "policy", policies=["acme"])
    open_viewer(driver, page)
    shown = {b.get_attribute("data-kind") for b in driver.find_elements(By.CSS_SELECTOR, "#legend button")}
    assert shown == {d["kind"] for _, d in graph.nodes(data=True)}


def test_viewer_opens_a_big_graph_laid_out_at_export(driver, tmp_path):
    import networkx as nx

    from policykg.viewers import BROWSER_LAYOUT_MAX_NODES, render

    g = nx.DiGraph(title="many controllers")
    hubs = [f"r{i}" for i in range(10)]
    for h in hubs:
        g.add_node(h, label=f"recipient {h}", kind="recipient", iri="", policy="", evidence="")
    for i in range(BROWSER_LAYOUT_MAX_NODES):
        g.add_node(f"c{i}", label=f"controller {i}", kind="controller", iri="", policy=f"p{i}", evidence="")
        for h in (hubs[i % 10], hubs[(i * 7) % 10]):
            g.add_edge(f"c{i}", h, label="", relation="shares with", weight=1, policy=f"p{i}",
                       evidence=f"[p{i}] We share data with {h}.")
    page = tmp_path / "big.html"
    page.write_bytes(render(g, "html"))
    open_viewer(driver, page)
    assert driver.execute_script("return document.body.dataset.layout") == "preset"
    assert driver.execute_script("return cy.nodes().length") == g.number_of_nodes()
    _screenshot(driver, tmp_path, "big.png")


if __name__ == "__main__":   # time a page: python tests/test_viewer_browser.py page.html
    browser = _browser()
    try:
        for arg in sys.argv[1:]:
            seconds = open_viewer(browser, Path(arg), timeout=300)
            nodes, edges, layout_ms = browser.execute_script(
                "return [cy.nodes().length, cy.edges().length, document.body.dataset.layoutMs]")
            print(f"{arg}: {nodes} nodes, {edges} edges drawn; page load to laid out {seconds:.2f} s "
                  f"(script start to layoutstop {layout_ms} ms)")
    finally:
        browser.quit()
