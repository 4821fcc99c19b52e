#!/usr/bin/env python3
"""Blockers from a real Alertmanager (issue 14, docs/runtime.md "External
alarms from Alertmanager"): Debian's prometheus-alertmanager on 127.0.0.1
(clustering off), an alert posted through its API v2 keeps a stage of a
real `piperun serve` from starting; a silence lets it start. An unreachable
Alertmanager is unknown, which blocks (fail safe).

  alertmanager_test.py PIPERUN OPENAPI_CHECK ALERTMANAGER
"""
import datetime
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab_plans  # noqa: E402
import serve_test  # noqa: E402

ALERTMANAGER = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Alertmanager:
    def __init__(self, test):
        self.dir = tempfile.mkdtemp(prefix="alertmanager-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        with open(os.path.join(self.dir, "am.yml"), "w") as f:
            f.write("route:\n  receiver: quiet\nreceivers:\n  - name: quiet\n")
        self.url = "http://127.0.0.1:%d" % free_port()
        self.log = open(os.path.join(self.dir, "am.log"), "w")
        self.process = subprocess.Popen(
            [ALERTMANAGER, "--config.file=" + os.path.join(self.dir, "am.yml"),
             "--storage.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=" + self.url[len("http://"):], "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=self.log)
        test.addCleanup(self.stop)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v2/status", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("alertmanager did not start within 30 s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.log.close()

    def post(self, path, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read() or b"{}")

    def fire(self, name):
        self.post("/api/v2/alerts", [{"labels": {"alertname": name, "severity": "page"},
                                      "startsAt": iso(-5), "endsAt": iso(3600)}])

    def silence(self, name):
        self.post("/api/v2/silences", {"matchers": [{"name": "alertname", "value": name, "isRegex": False,
                                                     "isEqual": True}],
                                       "startsAt": iso(-1), "endsAt": iso(3600), "createdBy": "test",
                                       "comment": "the event is over"})


class AlertmanagerBlockers(unittest.TestCase):
    def test_a_firing_alert_holds_the_stage_and_a_silence_lets_it_start(self):
        am = Alertmanager(self)
        am.fire("org-event")
        svc = serve_test.Service(self, [("Alpha", "a", {"block_on": True})], extra_args=["--alertmanager", am.url])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 held at gamma by org-event", lambda: [
            (v["stage"], v["waiting_for"]) for v in svc.pipeline("Alpha")["versions"]] == [("gamma", "org-event")])
        why = svc.pipeline("Alpha")["versions"][0]["why"]
        self.assertEqual(why, "blocker org-event firing: external alarm org-event is ALARM")
        time.sleep(2)
        self.assertFalse([e for e in svc.runs("Alpha") if e["type"] == "stage_started"])
        am.silence("org-event")
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")

    def test_the_service_tells_a_webhook_that_a_stage_is_blocked(self):
        # `blocked` under serve, whose sink prints no progress (it was never sent there).
        am = Alertmanager(self)
        am.fire("org-event")
        received = []

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        target = {"name": "oncall", "events": ["blocked"], "blocked_after_s": 1, "run": None,
                  "webhook": "http://127.0.0.1:%d/hooks" % server.server_address[1]}
        svc = serve_test.Service(self, [("Alpha", "a", {"block_on": True, "notify": [target]})],
                                 extra_args=["--alertmanager", am.url])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("the webhook to be told that v1 is blocked", lambda: received)
        note = received[0]
        self.assertEqual((note["event"], note["pipeline"], note["version"], note["stage"], note["trigger"]),
                         ("blocked", "Alpha", "v1", "gamma", "org-event"))
        self.assertIn("blocker org-event firing: external alarm org-event is ALARM", note["text"])
        self.assertFalse([e for e in svc.runs("Alpha") if e["type"] == "stage_started"])

    def test_an_unreachable_alertmanager_is_unknown_and_blocks(self):
        svc = serve_test.Service(self, [("Alpha", "a", {"block_on": True})],
                                 extra_args=["--alertmanager", "http://127.0.0.1:%d" % free_port()])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 held at gamma", lambda: [
            v["waiting_for"] for v in svc.pipeline("Alpha")["versions"]] == ["org-event"])
        self.assertIn("state unknown (fail safe: treated as ALARM)", svc.pipeline("Alpha")["versions"][0]["why"])

    def test_the_plans_alertmanager_url_holds_the_stage_without_a_flag(self):
        am = Alertmanager(self)
        am.fire("org-event")
        svc = serve_test.Service(self, [("Alpha", "a", {"block_on": True, "alertmanager_url": am.url})])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 held at gamma by org-event", lambda: [
            (v["stage"], v["waiting_for"]) for v in svc.pipeline("Alpha")["versions"]] == [("gamma", "org-event")])
        self.assertEqual(svc.pipeline("Alpha")["versions"][0]["why"],
                         "blocker org-event firing: external alarm org-event is ALARM")
        am.silence("org-event")
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")

    def test_the_flag_overrides_the_plans_alertmanager_url(self):
        am = Alertmanager(self)  # nothing fires here; the plan's URL answers nothing
        svc = serve_test.Service(self, [("Alpha", "a", {"block_on": True,
                                                        "alertmanager_url": "http://127.0.0.1:%d" % free_port()})],
                                 extra_args=["--alertmanager", am.url])
        svc.submit("Alpha", "v1", first_deploy=True)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")

    def test_run_reads_the_plans_alertmanager_url_and_the_flag_overrides_it(self):
        am = Alertmanager(self)
        am.fire("org-event")
        folder = tempfile.mkdtemp(prefix="piperun-run-")
        self.addCleanup(shutil.rmtree, folder, True)
        plan = lab_plans.write(folder, "Alpha", "a", block_on=True, alertmanager_url=am.url)
        shutil.copy(os.path.join(HERE, "..", "runtime", "fixtures", "deploy.sh"), folder)
        shutil.copy(os.path.join(HERE, "fixtures", "metric.sh"), folder)
        os.makedirs(os.path.join(folder, "faults"))

        def run(state, *flags):
            return subprocess.run([serve_test.PIPERUN, "run", plan, "--version", "v1", "--first-deploy",
                                   "--state", state, "--until-blocked", *flags], cwd=folder,
                                  capture_output=True, text=True, timeout=120)
        held = run("held.db")
        self.assertEqual(held.returncode, 4, held.stdout + held.stderr)  # stopped waiting: the plan's alert fires
        self.assertIn("external alarm org-event is ALARM", held.stdout + held.stderr)
        quiet = Alertmanager(self)  # the flag names one where nothing fires
        deployed = run("flag.db", "--alertmanager", quiet.url)
        self.assertEqual(deployed.returncode, 0, deployed.stdout + deployed.stderr)


if __name__ == "__main__":
    serve_test.PIPERUN, serve_test.OPENAPI_CHECK, ALERTMANAGER = sys.argv[1:4]
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
