#!/usr/bin/env python3
"""The dashboard (issue 15, docs/dashboard.md) in a real headless Chromium
against a real `piperun serve` on 127.0.0.1 (serve_test.Service: lab plans,
tokens ci = deployer+operator, lead = approver+operator+deployer, watcher =
viewer). Every wait is bounded; each test stops its browser and its service.
Screenshots of the main views go to SHOTS_DIR (test artefacts).

  dashboard_browser_test.py PIPERUN SHOTS_DIR [unittest arguments]

Exits 77 (ctest: skipped) only when no chromium is installed.
"""
import os
import shutil
import sys

SYSTEM_PYTHON = "/usr/bin/python3"
try:
    import selenium  # noqa: F401
except ImportError:
    # Debian's python3-selenium belongs to Debian's python3: run there when this one lacks it.
    if os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON):
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    raise

import datetime  # noqa: E402
import http.client  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import unittest  # noqa: E402
import urllib.parse  # noqa: E402

from zoneinfo import ZoneInfo  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service as DriverService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import serve_test  # noqa: E402

SHOTS = None
WAIT_S = 45
XSS_VERSION = "<script>alert(1)</script>"
XSS_REASON = "<img src=x onerror=alert(2)><script>alert(3)</script>"


class Page:
    """One headless Chromium showing the dashboard of `svc`."""

    def __init__(self, test, svc, width=1280, height=800):
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=%d,%d" % (width, height), "--no-first-run", "--disable-extensions"]:
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=DriverService(executable_path=shutil.which("chromedriver")),
                                       options=options)
        test.addCleanup(self.driver.quit)
        self.driver.set_page_load_timeout(WAIT_S)
        self.svc = svc
        self.driver.get(svc.url + "/")
        # A reload would drop this: its presence at the end proves the page was never reloaded.
        self.driver.execute_script("window.__sameDocument = 'yes';")

    def until(self, what, predicate):
        deadline = time.time() + WAIT_S
        last = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except Exception as e:  # an element replaced while read: read again
                last = e
            time.sleep(0.1)
        raise AssertionError("waited %d s for %s (last: %r); page text:\n%s\nservice log:\n%s"
                             % (WAIT_S, what, last, self.text(), self.svc.log()))

    def read(self, what, reader):
        """reader()'s value, read again when a live redraw replaced an element under it."""
        return self.until(what, lambda: (reader(),))[0]

    def text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except Exception:
            return ""

    def sign_in(self, token_name):
        self.until("the sign-in form", lambda: self.driver.find_element(By.ID, "token").is_displayed())
        self.driver.find_element(By.ID, "token").send_keys(self.svc.tokens[token_name])
        self.driver.find_element(By.CSS_SELECTOR, "#signin-form button").click()
        self.until("signed in", lambda: "Signed in as " + token_name in self.driver.find_element(By.ID, "who").text)

    def sign_out(self):
        self.driver.find_element(By.ID, "signout").click()
        self.until("the sign-in form", lambda: self.driver.find_element(By.ID, "token").is_displayed())

    def type_into(self, selector, text):
        """Types into a field; once it has the focus the page holds its redraws."""
        def typed():
            field = self.driver.find_element(By.CSS_SELECTOR, selector)
            field.clear()
            field.send_keys(text)
            return self.driver.find_element(By.CSS_SELECTOR, selector).get_attribute("value") == text
        self.until("%r typed into %s" % (text, selector), typed)

    def click(self, selector):
        """Clicks, again if a live redraw replaced the element before the click reached it."""
        self.until("a click on " + selector, lambda: self.driver.find_element(By.CSS_SELECTOR, selector).click() or True)

    def go(self, fragment):
        self.driver.execute_script("location.hash = arguments[0];", fragment)

    def stage(self, stage_id):
        """(state word, version shown) of a stage card."""
        card = self.driver.find_element(By.CSS_SELECTOR, '#stages [data-stage="%s"]' % stage_id)
        versions = card.find_elements(By.CLASS_NAME, "stage-version")
        return card.get_attribute("data-state"), versions[0].text if versions else None

    def actions(self, version):
        row = self.driver.find_element(By.CSS_SELECTOR, "#versions tbody tr")
        self.assert_row(row, version)
        return sorted(f.get_attribute("data-action") for f in row.find_elements(By.CSS_SELECTOR, "form.act"))

    @staticmethod
    def assert_row(row, version):
        if row.get_attribute("data-version") != version:
            raise AssertionError("row of %r, not %r" % (row.get_attribute("data-version"), version))

    def row_text(self, version, css):
        """The text of one cell's part (a CSS selector inside the row) of `version` in the versions table."""
        row = self.driver.find_element(By.CSS_SELECTOR, "#versions tbody tr")
        self.assert_row(row, version)
        return row.find_element(By.CSS_SELECTOR, css).text

    def timeline(self, run_id):
        """The lines of a run's timeline as the page shows them."""
        return self.driver.find_element(By.ID, "timeline-%d" % run_id).text.split("\n")

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def assert_no_dialog_and_no_injected_markup(self, test):
        with test.assertRaises(NoAlertPresentException):
            self.driver.switch_to.alert.text
        scripts = self.driver.execute_script("return [...document.scripts].map(s => s.getAttribute('src'));")
        test.assertEqual(scripts, ["/static/app.js"])
        test.assertEqual(self.driver.execute_script("return document.querySelectorAll('#view img').length;"), 0)
        test.assertEqual(self.driver.execute_script("return window.__sameDocument;"), "yes")


def open_stream(test, svc):
    """A raw event stream held open until the test ends: its HTTP status."""
    address = urllib.parse.urlparse(svc.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    test.addCleanup(connection.close)
    connection.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + svc.tokens["watcher"]})
    return connection.getresponse().status


def piperun_log(svc, *args):
    """`piperun log --server URL ARGS` as a viewer: its output lines (it must succeed)."""
    done = subprocess.run([serve_test.PIPERUN, "log", "--server", svc.url] + list(args), capture_output=True,
                          text=True, timeout=30, env=dict(os.environ, PIPERUN_TOKEN=svc.tokens["watcher"]))
    if done.returncode != 0:
        raise AssertionError("piperun log %s: exit %d\n%s" % (args, done.returncode, done.stderr))
    return done.stdout.splitlines()


class Dashboard(unittest.TestCase):
    def test_a_page_holds_one_stream_whatever_its_view_and_a_full_service_still_shows_the_page(self):
        svc = serve_test.Service(self, [("Alpha", "a", {})])
        page = Page(self, svc)
        page.sign_in("watcher")
        page.until("the live stream open", lambda: page.driver.find_element(By.ID, "live").text.startswith("Live:"))
        for fragment, title in [("#/p/Alpha", "Alpha"), ("#/p/Alpha/log", "Alpha: audit log"),
                                ("#/", "Organisation: 1 pipeline"), ("#/p/Alpha", "Alpha")]:
            page.go(fragment)
            page.until(title, lambda: page.driver.find_element(By.CSS_SELECTOR, "#view h1").text == title)
        # The service holds 16 streams: beside the page's one, 15 more fit and the next is refused.
        self.assertEqual([open_stream(self, svc) for _ in range(15)], [200] * 15)
        self.assertEqual(open_stream(self, svc), 503)
        # A page opened now still reads and shows everything, and says why it is not live.
        late = Page(self, svc)
        late.sign_in("watcher")
        late.until("the paused notice", lambda: late.driver.find_element(By.ID, "live").text.startswith(
            "Live updates paused: the service has too many open streams"))
        late.until("Alpha's card", lambda: late.driver.find_elements(By.CSS_SELECTOR, '[data-pipeline="Alpha"]'))
        self.assertEqual(page.driver.execute_script("return window.__sameDocument;"), "yes")

    def test_organisation_lists_pipelines_and_a_version_moves_from_gamma_to_wave1_without_reload(self):
        svc = serve_test.Service(self, [("Alpha", "a", {"bake": 4}), ("Beta", "b", {"bake": 30}),
                                        ("Gamma", "g", {})])
        page = Page(self, svc)
        page.sign_in("watcher")
        self.assertEqual(page.driver.find_element(By.ID, "who").text, "Signed in as watcher: viewer (read)")
        names = page.until("three pipeline cards", lambda: [
            c.get_attribute("data-pipeline") for c in page.driver.find_elements(By.CSS_SELECTOR, "#pipelines .card")]
            if len(page.driver.find_elements(By.CSS_SELECTOR, "#pipelines .card")) == 3 else None)
        self.assertEqual(sorted(names), ["Alpha", "Beta", "Gamma"])
        self.assertIn("Organisation: 3 pipelines", page.text())

        # Submitted through the API while the page is open: the card shows it without a reload.
        svc.submit("Beta", "b-1.0", first_deploy=True)
        card = '#pipelines [data-pipeline="Beta"] [data-version="b-1.0"]'
        page.until("Beta's b-1.0 on the organisation view",
                   lambda: "b-1.0" in page.driver.find_element(By.CSS_SELECTOR, card).text)
        page.until("the live stream open", lambda: page.driver.find_element(By.ID, "live").text.startswith("Live:"))
        page.shot("organisation")

        page.go("#/p/Alpha")
        page.until("Alpha's stages", lambda: page.stage("gamma") == ("idle", None))
        self.assertEqual(page.read("the stages", lambda: [c.get_attribute("data-stage") for c in page.driver.find_elements(
            By.CSS_SELECTOR, "#stages .stage")]), ["gamma", "wave1", "wave2"])
        svc.submit("Alpha", "v1", first_deploy=True)
        seen = page.until("v1 in gamma", lambda: page.stage("gamma")[1] == "v1" and page.stage("gamma"))
        self.assertIn(seen[0], ("deploying", "baking"))
        page.until("v1 baking in gamma, with its time left",
                   lambda: page.stage("gamma")[0] == "baking" and " left of " in page.driver.find_element(
                       By.CSS_SELECTOR, '#stages [data-stage="gamma"]').text)
        page.until("v1 in wave1", lambda: page.stage("wave1")[1] == "v1")
        self.assertEqual(svc.stage_of("Alpha", "v1"), "wave1")
        # Each watched scope's datapoints, drawn against the threshold, with words for a screen reader.
        page.until("a chart of wave1's datapoints", lambda: page.driver.find_element(
            By.CSS_SELECTOR, '#alarms tr[data-scope="region a-east"] svg.chart'))
        self.assertRegex(page.read("the chart's label", lambda: page.driver.find_element(
            By.CSS_SELECTOR, '#alarms tr[data-scope="region a-east"] svg.chart').get_attribute("aria-label")), r"^\d+ datapoints? from 0\.001 to 0\.001; threshold 0\.01$")
        page.shot("pipeline")
        page.driver.execute_script("document.getElementById('versions').scrollIntoView();")
        page.shot("datapoints")
        page.assert_no_dialog_and_no_injected_markup(self)

        # A phone's width: nothing wider than the screen.
        page.driver.set_window_size(375, 800)
        page.until("the page within 375 px", lambda: page.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;"))
        page.shot("pipeline-375")

    def test_each_runs_timeline_is_the_cli_s_and_time_to_global_and_exposure_move_with_the_run(self):
        svc = serve_test.Service(self, [("Alpha", "a", {"bake": 4})])
        page = Page(self, svc)
        page.sign_in("watcher")
        page.go("#/p/Alpha")
        # The plan's time to global (lab_plans: 6 deploy steps of 1 s, 3 one-box bakes of 1 s, 3 bakes of 4 s).
        self.assertEqual(serve_test.lab_plans.lab_plan("Alpha", "a", bake=4)["analysis"]["time_to_global_s"], 21)
        page.until("the time to global", lambda: page.driver.find_element(By.ID, "time-to-global").text ==
                   "Time to global (plan): 21s")
        run_id = svc.submit("Alpha", "v1", first_deploy=True)["run_id"]
        # While in flight: exposure so far moves 0% (gamma has no traffic) -> 60% (wave1: the east region),
        # the elapsed time moves against the time to global, and the timeline grows without a reload.
        page.until("v1 in gamma at 0%", lambda: page.row_text("v1", ".exposure") ==
                   "Exposure so far: 0% of global traffic")
        early = page.read("v1's elapsed time", lambda: page.row_text("v1", ".elapsed"))
        self.assertRegex(early, r"^Elapsed \d+s of 21s to global \(\d+%\)$")
        lines_in_gamma = page.until("v1's timeline", lambda: len(page.timeline(run_id)))
        page.until("v1 in wave1 at 60%", lambda: page.row_text("v1", ".exposure") ==
                   "Exposure so far: 60% of global traffic")
        late = page.read("v1's elapsed time", lambda: page.row_text("v1", ".elapsed"))
        self.assertGreater(int(re.match(r"Elapsed (\d+)s", late).group(1)),
                           int(re.match(r"Elapsed (\d+)s", early).group(1)))
        self.assertGreater(page.read("v1's timeline", lambda: len(page.timeline(run_id))), lines_in_gamma)
        page.driver.execute_script("document.getElementById('versions').scrollIntoView();")
        page.shot("progress")
        page.driver.execute_script("document.getElementById('timelines').scrollIntoView();")
        page.shot("timeline")
        # Once deployed, the run stays shown (the newest ended run), and its lines are the CLI's, character for
        # character: `piperun log PIPELINE --version V` prints them under the run's header.
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        printed = piperun_log(svc, "Alpha", "--version", "v1")
        self.assertEqual(printed[0], "== run #%d: v1 (previous none: first deployment) deployed" % run_id)
        page.until("the page's timeline equal to the CLI's", lambda: page.timeline(run_id) == printed[1:])
        self.assertIn("deployed", printed[-1])
        # Shown as a terminal shows it: monospace, in a labelled box that the keyboard can reach and scroll.
        box = page.driver.find_element(By.ID, "timeline-%d" % run_id)
        self.assertIn("mono", page.driver.execute_script("return getComputedStyle(arguments[0]).fontFamily;", box))
        self.assertEqual((box.tag_name, box.get_attribute("tabindex"), box.get_attribute("aria-label")),
                         ("pre", "0", "Timeline of v1, run %d" % run_id))
        # Its summary folds it with the keyboard, and the choice survives live redraws.
        page.driver.find_element(By.ID, "timeline-summary-%d" % run_id).send_keys(Keys.ENTER)
        page.until("the timeline folded", lambda: page.driver.find_element(
            By.CSS_SELECTOR, '#timelines details[data-run="%d"]' % run_id).get_attribute("open") is None)
        svc.submit("Alpha", "v2")
        page.until("v2's timeline shown, v1's still folded", lambda: page.driver.find_elements(
            By.CSS_SELECTOR, "#timelines details[open] pre") and not page.driver.find_elements(
            By.ID, "timeline-%d" % run_id))
        page.driver.set_window_size(375, 800)
        page.until("the page within 375 px", lambda: page.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;"))
        page.assert_no_dialog_and_no_injected_markup(self)

    def test_rolled_back_then_blocked_pipelines_come_first_and_a_closed_window_says_when_it_opens(self):
        # Tomorrow in Tokyo: the only time the window allows, so it is closed now and opens at its 00:00.
        zone = "Asia/Tokyo"
        tomorrow = (datetime.datetime.now(ZoneInfo(zone)) + datetime.timedelta(days=1)).date()
        windows = {"timezone": zone, "deny": [], "off_hours_bake": 1.0,
                   "allow": [{"name": "tomorrow", "days": None, "hours": None,
                              "dates": [{"from": tomorrow.isoformat(), "to": tomorrow.isoformat()}]}]}
        svc = serve_test.Service(self, [("Alpha", "a", {}), ("Beta", "b", {"bake": 60}),
                                        ("Zeta", "z", {"windows": windows})])
        svc.submit("Beta", "b1", first_deploy=True)
        status, answer = svc.call("POST", "/api/v1/pipelines/Beta/rollback", {"reason": "bad canary"}, token="lead")
        self.assertEqual(status, 202, answer)
        self.assertEqual(svc.outcome("Beta", "b1"), "rolled_back")
        svc.submit("Zeta", "z1", first_deploy=True)
        svc.wait_for("z1 waiting for the window", lambda: [v["waiting_for"] for v in svc.pipeline("Zeta")["versions"]]
                     == ["window"])
        page = Page(self, svc)
        page.sign_in("watcher")
        cards = "#pipelines .card"
        page.until("rolled back, then blocked, then the rest", lambda: [
            (c.get_attribute("data-pipeline"), c.find_element(By.TAG_NAME, "h2").text)
            for c in page.driver.find_elements(By.CSS_SELECTOR, cards)] ==
            [("Beta", "Beta rolled back"), ("Zeta", "Zeta blocked"), ("Alpha", "Alpha")])
        self.assertIn("waits for window: ", page.read("Zeta's card", lambda: page.driver.find_element(
            By.CSS_SELECTOR, '#pipelines [data-pipeline="Zeta"]').text))
        page.driver.set_window_size(375, 800)
        page.until("the organisation within 375 px", lambda: page.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;"))
        page.driver.set_window_size(1280, 800)
        page.go("#/p/Zeta")
        opens = "Window (%s): closed; opens %s 00:00 %s (in " % (zone, tomorrow.strftime("%a %Y-%m-%d"), zone)
        page.until("the window's next opening in its own zone", lambda: page.driver.find_element(
            By.ID, "window").text.startswith(opens))
        self.assertRegex(page.driver.find_element(By.ID, "window").text, r"\(in [0-9hms ]+\)$")
        self.assertEqual(page.read("gamma", lambda: page.stage("gamma")), ("waiting", "z1"))
        page.shot("window")
        page.assert_no_dialog_and_no_injected_markup(self)

    def test_approve_button_only_for_an_approver_and_it_lets_the_run_go_on(self):
        svc = serve_test.Service(self, [("Alpha", "a", {"approval": True})])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 waiting for approval", lambda: any(
            v["version"] == "v1" and v["waiting_for"] == "approval" for v in svc.pipeline("Alpha")["versions"]))
        page = Page(self, svc)
        for who, expected in [("watcher", []), ("ci", ["rollback"])]:
            page.sign_in(who)
            page.go("#/p/Alpha")
            page.until("v1's row for " + who, lambda: page.actions("v1") == expected)
            self.assertIn("approval", page.read("v1's row", lambda: page.driver.find_element(
                By.CSS_SELECTOR, "#versions tbody tr").text))
            self.assertEqual(page.driver.find_elements(By.CSS_SELECTOR, 'form[data-action="approve"]'), [])
            page.sign_out()
        page.sign_in("lead")
        page.go("#/p/Alpha")
        page.until("the approve button for lead", lambda: page.actions("v1") == ["approve", "rollback"])
        self.assertEqual(page.read("wave1", lambda: page.stage("wave1")), ("waiting for approval", "v1"))
        self.assertEqual(page.read("the approve button", lambda: page.driver.find_element(
            By.CSS_SELECTOR, 'form[data-action="approve"] button').text), "Approve v1")
        page.shot("approval")
        # By keyboard alone: Tab from the top reaches the button, its focus is visible, Enter approves.
        page.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
        for _ in range(40):
            page.driver.switch_to.active_element.send_keys(Keys.TAB)
            if page.driver.execute_script("return document.activeElement.textContent;") == "Approve v1":
                break
        self.assertEqual(page.driver.execute_script("return document.activeElement.textContent;"), "Approve v1")
        self.assertNotEqual(page.driver.execute_script(
            "return getComputedStyle(document.activeElement).outlineStyle;"), "none")
        page.driver.switch_to.active_element.send_keys(Keys.ENTER)
        page.until("the approve button gone once approved",
                   lambda: not page.driver.find_elements(By.CSS_SELECTOR, 'form[data-action="approve"]'))
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        approvals = [e for e in svc.runs("Alpha") if e["type"] == "approval"]
        self.assertEqual([e["message"] for e in approvals], ["approved by lead"])
        page.go("#/p/Alpha/log")
        page.until("the approval in the audit log", lambda: "approved by lead" in page.driver.find_element(
            By.ID, "log").text)
        page.assert_no_dialog_and_no_injected_markup(self)

    def test_an_operator_overrides_a_firing_blocker_with_a_reason_and_the_version_starts(self):
        svc = serve_test.Service(self, [("Alpha", "a", {"block_on": True})], alarms=True)
        with open(os.path.join(svc.alarms, "org-event"), "w") as f:
            f.write("ALARM\n")
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 blocked", lambda: [v["waiting_for"] for v in svc.pipeline("Alpha")["versions"]] == ["org-event"])
        page = Page(self, svc)
        page.sign_in("watcher")
        page.go("#/p/Alpha")
        page.until("v1's row without actions for a viewer", lambda: page.actions("v1") == [])
        self.assertIn("org_event firing: stage starts blocked", page.read("the blockers", lambda: page.driver.find_element(
            By.ID, "blockers").text))
        self.assertEqual(page.read("gamma", lambda: page.stage("gamma")), ("waiting", "v1"))
        page.sign_out()
        page.sign_in("ci")
        page.go("#/p/Alpha")
        page.until("the override form for an operator", lambda: page.actions("v1") == ["override", "rollback"])
        self.assertEqual(page.read("the override targets", lambda: [o.text for o in page.driver.find_elements(
            By.CSS_SELECTOR, 'form[data-action="override"] option')]), ["org_event"])
        # Without a reason the browser does not send it (the field is required).
        page.click('form[data-action="override"] button')
        time.sleep(0.5)
        self.assertEqual([e for e in svc.runs("Alpha") if e["type"] == "override"], [])
        page.type_into('form[data-action="override"] input', "org event is a drill")
        page.click('form[data-action="override"] button')
        svc.wait_for("v1 past gamma's gate", lambda: svc.stage_of("Alpha", "v1") == "gamma" and not svc.pipeline(
            "Alpha")["versions"][0]["waiting_for"] == "org-event")
        page.until("gamma no longer waiting", lambda: page.stage("gamma")[0] in ("deploying", "baking"))
        overrides = [e["message"] for e in svc.runs("Alpha") if "drill" in e["message"]]
        self.assertEqual(len(overrides), 1, overrides)
        self.assertIn("ci", overrides[0])
        page.assert_no_dialog_and_no_injected_markup(self)

    def test_markup_in_a_version_name_and_a_rollback_reason_is_shown_as_text(self):
        svc = serve_test.Service(self, [("Alpha", "a", {"bake": 60})])
        svc.submit("Alpha", XSS_VERSION, first_deploy=True)
        page = Page(self, svc)
        page.sign_in("lead")
        page.until("the version on the organisation view, as text", lambda: XSS_VERSION in page.driver.find_element(
            By.CSS_SELECTOR, '#pipelines [data-pipeline="Alpha"]').text)
        page.go("#/p/Alpha")
        page.until("the version in gamma", lambda: page.stage("gamma")[1] == XSS_VERSION)
        page.type_into('form[data-action="rollback"] input', XSS_REASON)
        page.click('form[data-action="rollback"] button')
        self.assertEqual(svc.outcome("Alpha", XSS_VERSION), "rolled_back")
        message = "manual rollback by lead: " + XSS_REASON
        # The ended run's timeline (shown as the newest ended run) holds the reason, as text.
        run_id = svc.pipeline("Alpha")["recent_runs"][0]["run_id"]
        page.until("the reason in the run's timeline", lambda: any(
            message + ";" in line for line in page.timeline(run_id)))
        page.until("the version in the timeline's title", lambda: page.driver.find_element(
            By.ID, "timeline-summary-%d" % run_id).text.startswith(XSS_VERSION))
        page.assert_no_dialog_and_no_injected_markup(self)
        page.go("#/p/Alpha/log")
        page.until("the reason in the audit log", lambda: message in page.driver.find_element(By.ID, "log").text)
        # The filter box narrows the log to what matches every word.
        page.type_into("#log-filter", "manual rollback")
        page.until("only the rollback rows", lambda: all(
            "manual rollback" in row.text for row in page.driver.find_elements(By.CSS_SELECTOR, "#log tbody tr")))
        self.assertTrue(page.read("the count", lambda: page.driver.find_element(By.ID, "log-count").text).startswith(
            "1 of "))
        page.assert_no_dialog_and_no_injected_markup(self)
        page.driver.execute_script(
            "const f = document.getElementById('log-filter'); f.value = ''; f.dispatchEvent(new Event('input'));")
        page.shot("log")
        page.driver.set_window_size(375, 800)
        page.until("the audit log within 375 px", lambda: page.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth;"))


if __name__ == "__main__":
    PIPERUN, SHOTS = sys.argv[1], sys.argv[2]
    serve_test.PIPERUN = PIPERUN
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("SKIP: no chromium/chromedriver installed (Debian: apt-get install chromium chromium-driver)")
        sys.exit(77)
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
