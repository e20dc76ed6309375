"""The page of `policykg serve`, used as a person would in headless Chromium: pick a policy from the
list, run a canned question, read concepts by their labels (the IRI as link and tooltip), download
the answer as CSV and JSON. Skips when Chromium, its driver or selenium is missing."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from policykg.endpoint import Limits, make_server
from test_viewer_browser import _browser, _screenshot

A15 = "https://w3id.org/dpv/legal/eu/gdpr#A15"


@pytest.fixture(scope="module")
def base(examples_store_path: Path):
    srv = make_server(examples_store_path, port=0, limits=Limits(timeout=20.0, workers=1))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()
    srv.endpoint.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path):
    d = _browser(offline=False)
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield d
    d.quit()


def run_question(driver, base: str, name: str, policy: str | None = None, evidence: bool = False):
    """Open the page, open the question, pick the policy from the list, run it; return its answer element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver.get(base)
    box = driver.find_element(By.ID, f"q-{name}")
    box.find_element(By.TAG_NAME, "summary").click()
    if policy is not None:
        Select(box.find_element(By.CSS_SELECTOR, "select[name=policy]")).select_by_value(policy)
    if evidence:
        box.find_element(By.CSS_SELECTOR, "input[name=evidence]").click()
    box.find_element(By.TAG_NAME, "button").click()
    out = box.find_element(By.CSS_SELECTOR, "form + div")
    WebDriverWait(driver, 30).until(lambda d: out.get_attribute("data-ready") == "true")
    return out


def cli(store: Path, *args: str) -> str:
    from click.testing import CliRunner

    from policykg.cli import main

    result = CliRunner().invoke(main, ["query", *args, "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_policy_list_offers_every_policy_of_the_store(driver, base, examples_store):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from policykg.store import policy_graphs

    driver.get(base)
    picker = Select(driver.find_element(By.CSS_SELECTOR, "#q-rights select[name=policy]"))
    offered = [o.get_attribute("value") for o in picker.options]
    assert offered == [""] + [g.removeprefix("https://w3id.org/policykg/policy/") for g in policy_graphs(examples_store)]
    assert "lumen-analytics — Lumen Analytics Privacy Notice" in [o.get_attribute("textContent") for o in picker.options]


def test_answer_shows_labels_with_the_iri_as_link_and_title(driver, base, tmp_path):
    from selenium.webdriver.common.by import By

    out = run_question(driver, base, "rights", policy="lumen-analytics")
    rows = out.find_elements(By.CSS_SELECTOR, "table tr")[1:]
    assert rows, out.text
    assert {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows} == {"lumen-analytics"}
    link = out.find_element(By.CSS_SELECTOR, f'a[title="{A15}"]')
    assert link.text == "right of access"
    assert link.get_attribute("href") == A15
    assert "https://" not in out.find_element(By.TAG_NAME, "table").text, "a raw IRI is shown"
    _screenshot(driver, tmp_path, "endpoint-rights.png")


def test_downloads_are_what_the_command_line_prints(driver, base, downloads, examples_store_path):
    from selenium.webdriver.common.by import By

    out = run_question(driver, base, "rights", policy="lumen-analytics", evidence=True)
    for fmt in ("csv", "json"):
        link = out.find_element(By.CSS_SELECTOR, f"a.download-{fmt}")
        assert link.text == f"Download {fmt.upper()}"
        link.click()
        target = downloads / f"rights-lumen-analytics.{fmt}"
        deadline = time.monotonic() + 20
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert target.exists(), sorted(p.name for p in downloads.iterdir())
        printed = cli(examples_store_path, "rights", "--param", "policy=lumen-analytics", "--evidence", "--format", fmt)
        assert target.read_text(encoding="utf-8") + "\n" == printed
    assert json.loads((downloads / "rights-lumen-analytics.json").read_text())["head"]["vars"][-2:] == ["sentence",
                                                                                                       "section"]


def test_every_policy_shows_by_its_name_in_the_ad_hoc_answer(driver, base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base)
    driver.find_element(By.CSS_SELECTOR, "#adhoc button").click()
    out = driver.find_element(By.ID, "adhoc-out")
    WebDriverWait(driver, 30).until(lambda d: out.get_attribute("data-ready") == "true")
    first = out.find_elements(By.CSS_SELECTOR, "table tr")[1].find_element(By.TAG_NAME, "span")
    assert first.text == "brightpath-learning"
    assert first.get_attribute("title") == "https://w3id.org/policykg/policy/brightpath-learning"
    assert out.find_element(By.CSS_SELECTOR, "a.download-csv").get_attribute("href").startswith(base + "sparql?query=")


def test_only_web_iris_become_links(driver, base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base)
    box = driver.find_element(By.CSS_SELECTOR, "#adhoc textarea")
    box.clear()
    box.send_keys('SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <https://w3id.org/dpv#ThirdParty> } }')
    driver.find_element(By.CSS_SELECTOR, "#adhoc button").click()
    out = driver.find_element(By.ID, "adhoc-out")
    WebDriverWait(driver, 30).until(lambda d: out.get_attribute("data-ready") == "true")
    links = out.find_elements(By.CSS_SELECTOR, "table a")
    assert [(a.text, a.get_attribute("href")) for a in links] == [("third party", "https://w3id.org/dpv#ThirdParty")]
    assert out.find_element(By.CSS_SELECTOR, 'span[title="javascript:alert(1)"]').text == "javascript:alert(1)"
