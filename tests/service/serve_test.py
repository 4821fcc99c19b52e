#!/usr/bin/env python3
"""`piperun serve` for real (issue 13, docs/service.md): real processes on
127.0.0.1, lab plans with bakes of seconds (lab_plans.py), the exec provider
writing hosts/<host> files, a metric command reading faults/ files. Each
test starts its own service in a scratch folder, bounded in time, and stops it.

  serve_test.py PIPERUN OPENAPI_CHECK [unittest arguments]
"""
import datetime
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab_plans  # noqa: E402

PIPERUN = None
OPENAPI_CHECK = None
DEADLINE_S = 60  # any wait of a test


class Service:
    """One `piperun serve` in a scratch folder, with a deployer+operator token and an approver token."""

    def __init__(self, test, plans, alarms=False, extra_args=()):
        self.extra_args = list(extra_args)
        self.dir = tempfile.mkdtemp(prefix="piperun-serve-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        test.addCleanup(self.stop)
        self.plans = os.path.join(self.dir, "plans")
        os.makedirs(self.plans)
        for name, tag, options in plans:
            lab_plans.write(self.plans, name, tag, **options)
        shutil.copy(os.path.join(HERE, "..", "runtime", "fixtures", "deploy.sh"), self.dir)
        shutil.copy(os.path.join(HERE, "fixtures", "metric.sh"), self.dir)
        os.makedirs(os.path.join(self.dir, "faults"))
        self.alarms = os.path.join(self.dir, "alarms") if alarms else None
        if alarms:
            os.makedirs(self.alarms)
        lines = []
        self.tokens = {}
        for name, roles in [("ci", "deployer,operator"), ("lead", "approver,operator,deployer"),
                            ("watcher", "viewer")]:
            made = subprocess.run([PIPERUN, "token", name, "--roles", roles], capture_output=True, text=True,
                                  check=True)
            self.tokens[name] = made.stdout.strip()
            lines.append(made.stderr.strip())
        with open(os.path.join(self.dir, "tokens"), "w") as out:
            out.write("\n".join(lines) + "\n")
        self.process = None
        self.start()

    def start(self):
        args = [PIPERUN, "serve", "--plans", "plans", "--listen", "127.0.0.1:0", "--tokens", "tokens"]
        args += ["--store", self.store_url()] if os.environ.get("PIPE_SERVE_ON_POSTGRES") else \
            ["--state", "state/service.db"]
        if self.alarms:
            args += ["--alarms-dir", "alarms"]
        args += self.extra_args
        self.err = open(os.path.join(self.dir, "serve.err"), "a")
        self.process = subprocess.Popen(args, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 20
        while time.time() < deadline:
            for line in self.log().splitlines():
                if line.startswith("piperun serve: listening on "):
                    self.url = line.split("listening on ")[1].strip()
            if self.process.poll() is not None:
                raise AssertionError("piperun serve ended at once:\n" + self.log())
            if getattr(self, "url", None) and self.alive_url():
                return
            time.sleep(0.05)
        raise AssertionError("piperun serve did not listen within 20 s:\n" + self.log())

    def store_url(self):
        """Under with_postgres.sh: a database of this service's own in the throw-away cluster."""
        if not getattr(self, "database", None):
            self.database = "serve_" + os.path.basename(self.dir).replace("-", "_").lower()
            subprocess.run(["createdb", self.database], check=True)
        return "postgresql://%s@%s:%s/%s" % (os.environ["PGUSER"], os.environ["PGHOST"], os.environ["PGPORT"],
                                             self.database)

    def alive_url(self):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def log(self):
        with open(os.path.join(self.dir, "serve.err")) as f:
            return f.read()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.err.close()
        self.url = None

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.err.close()
        self.url = None

    def call(self, method, path, body=None, token="ci"):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + self.tokens.get(token, token))
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def submit(self, pipeline, version, **fields):
        status, body = self.call("POST", "/api/v1/pipelines/%s/versions" % pipeline, dict(version=version, **fields))
        if status != 202:
            raise AssertionError("submit %s %s: %d %s" % (pipeline, version, status, body))
        return body

    def pipeline(self, name):
        status, body = self.call("GET", "/api/v1/pipelines/" + name)
        assert status == 200, (status, body)
        return body

    def runs(self, pipeline):
        """Every event of the pipeline, oldest first."""
        events, after = [], 0
        while True:
            status, body = self.call("GET", "/api/v1/pipelines/%s/log?after=%d&limit=1000" % (pipeline, after))
            assert status == 200, (status, body)
            if not body["events"]:
                return events
            events += body["events"]
            after = events[-1]["id"]

    def outcome(self, pipeline, version):
        """The version's final event type once it has one (deployed, rolled_back, failed, superseded)."""
        deadline = time.time() + DEADLINE_S
        while time.time() < deadline:
            for e in self.runs(pipeline):
                if e["version"] == version and e["type"] in ("deployed", "rolled_back", "failed", "superseded"):
                    return e["type"]
            time.sleep(0.2)
        raise AssertionError("%s %s has no outcome after %d s:\n%s" % (pipeline, version, DEADLINE_S, self.log()))

    def wait_for(self, what, predicate):
        deadline = time.time() + DEADLINE_S
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        raise AssertionError("waited %d s for %s:\n%s" % (DEADLINE_S, what, self.log()))

    def stage_of(self, pipeline, version):
        for v in self.pipeline(pipeline)["versions"]:
            if v["version"] == version:
                return v["stage"]
        return None

    def host(self, name):
        with open(os.path.join(self.dir, "hosts", name)) as f:
            return f.read().strip()

    def fault(self, name, value="0.5"):
        with open(os.path.join(self.dir, "faults", name), "w") as f:
            f.write(value + "\n")


def stage_intervals(events):
    """(stage, version) -> [start event id, end event id] from the audit log."""
    spans = {}
    for e in events:
        key = (e["stage"], e["version"])
        if e["type"] == "stage_started":
            spans[key] = [e["id"], None]
        elif e["type"] in ("stage_done", "rolled_back", "failed") and key in spans and spans[key][1] is None:
            spans[key][1] = e["id"]
    return spans


class Pipelining(unittest.TestCase):
    def assertOneVersionPerStage(self, events):
        spans = stage_intervals(events)
        by_stage = {}
        for (stage, version), (start, end) in spans.items():
            by_stage.setdefault(stage, []).append((start, end or 10**12, version))
        for stage, ranges in by_stage.items():
            ranges.sort()
            for (s1, e1, v1), (s2, e2, v2) in zip(ranges, ranges[1:]):
                self.assertLessEqual(e1, s2, "%s held %s and %s at once" % (stage, v1, v2))
        return spans

    def test_three_pipelines_with_versions_submitted_while_others_are_in_flight(self):
        svc = Service(self, [("Alpha", "a", {}), ("Beta", "b", {"mode": "queued"}), ("Gamma", "g", {})])
        for name in ("Alpha", "Beta", "Gamma"):
            svc.submit(name, "v1", first_deploy=True)
        svc.wait_for("Alpha v1 in wave1", lambda: svc.stage_of("Alpha", "v1") == "wave1")
        svc.submit("Alpha", "v2")
        svc.submit("Beta", "v2")
        svc.wait_for("two versions of Alpha in flight in two stages",
                     lambda: len({v["stage"] for v in svc.pipeline("Alpha")["versions"]} - {None}) == 2)
        svc.submit("Beta", "v3")  # queued behind v2 in Beta
        for name, versions in (("Alpha", ["v1", "v2"]), ("Beta", ["v1", "v2", "v3"]), ("Gamma", ["v1"])):
            for version in versions:
                self.assertEqual(svc.outcome(name, version), "deployed", name + " " + version)
            events = svc.runs(name)
            spans = self.assertOneVersionPerStage(events)
            # In order: each stage saw the versions in submission order.
            for stage in ("gamma", "wave1", "wave2"):
                order = [v for (s, v), _ in sorted(spans.items(), key=lambda kv: kv[1][0]) if s == stage]
                self.assertEqual(order, versions, stage)
        self.assertEqual(svc.host("a-wa-h2"), "v2")
        self.assertEqual(svc.host("b-wa-h2"), "v3")
        self.assertEqual(svc.host("g-wa-h2"), "v1")
        summary = {p["name"]: p for p in svc.call("GET", "/api/v1/pipelines")[1]["pipelines"]}
        self.assertEqual(summary["Beta"]["last_outcome"]["version"], "v3")
        self.assertEqual(summary["Beta"]["execution_mode"], "queued")

    def test_a_newer_version_that_fails_returns_its_hosts_to_the_older_one_which_goes_on(self):
        svc = Service(self, [("Alpha", "a", {})])
        svc.submit("Alpha", "v1", first_deploy=True)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        svc.fault("Alpha-v3-a-gamma")
        svc.submit("Alpha", "v2")
        svc.wait_for("v2 past gamma", lambda: svc.stage_of("Alpha", "v2") in ("wave1", "wave2"))
        svc.submit("Alpha", "v3")
        self.assertEqual(svc.outcome("Alpha", "v3"), "rolled_back")
        self.assertEqual(svc.host("a-g-h1"), "v2")  # what it ran before v3: v2 had passed gamma
        self.assertEqual(svc.outcome("Alpha", "v2"), "deployed")
        for host in ("a-g-h1", "a-ea-h1", "a-wa-h2"):
            self.assertEqual(svc.host(host), "v2", host)

    def test_an_older_version_that_fails_ahead_lets_the_newer_one_go_on(self):
        svc = Service(self, [("Alpha", "a", {})])
        svc.submit("Alpha", "v1", first_deploy=True)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        svc.fault("Alpha-v2-a-west")  # v2 fails in wave2
        svc.submit("Alpha", "v2")
        svc.wait_for("v2 past gamma", lambda: svc.stage_of("Alpha", "v2") in ("wave1", "wave2"))
        svc.submit("Alpha", "v3")
        self.assertEqual(svc.outcome("Alpha", "v2"), "rolled_back")
        self.assertEqual(svc.host("a-wa-h1"), "v1")  # wave2 back to what it ran before v2
        self.assertEqual(svc.outcome("Alpha", "v3"), "deployed")
        for host in ("a-g-h1", "a-ea-h1", "a-eb-h2", "a-wa-h1", "a-wa-h2"):
            self.assertEqual(svc.host(host), "v3", host)

    def test_three_versions_in_flight_and_the_middle_one_fails(self):
        svc = Service(self, [("Alpha", "a", {"bake": 3})])
        svc.submit("Alpha", "v1", first_deploy=True)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        svc.fault("Alpha-v3-a-east")  # v3 fails in wave1
        svc.submit("Alpha", "v2")
        svc.wait_for("v2 in wave1", lambda: svc.stage_of("Alpha", "v2") in ("wave1", "wave2"))
        svc.submit("Alpha", "v3")
        svc.wait_for("v3 past gamma", lambda: svc.stage_of("Alpha", "v3") in ("wave1",))
        svc.submit("Alpha", "v4")
        svc.wait_for("three versions in flight",
                     lambda: len(svc.pipeline("Alpha")["versions"]) == 3 or svc.runs("Alpha")[-1]["type"] == "x")
        self.assertEqual(svc.outcome("Alpha", "v3"), "rolled_back")
        self.assertEqual(svc.outcome("Alpha", "v2"), "deployed")
        self.assertEqual(svc.outcome("Alpha", "v4"), "deployed")
        # v3's wave1 hosts went back to v2 (it had passed wave1); all end on v4.
        rolled = [e for e in svc.runs("Alpha") if e["type"] == "rollback_batch" and e["version"] == "v3"]
        self.assertTrue(rolled and all("back on v2" in e["message"] for e in rolled), rolled)
        for host in ("a-g-h1", "a-ea-h1", "a-wa-h2"):
            self.assertEqual(svc.host(host), "v4", host)

    def test_a_version_submitted_behind_another_in_flight_has_that_one_as_previous(self):
        svc = Service(self, [("Alpha", "a", {"bake": 3, "mode": "queued"})])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 in gamma", lambda: svc.stage_of("Alpha", "v1") == "gamma")
        svc.submit("Alpha", "v2")  # v1, a first deployment, is still in flight
        svc.submit("Alpha", "v3")  # queued behind v2
        for version in ("v1", "v2", "v3"):
            self.assertEqual(svc.outcome("Alpha", version), "deployed", version)
        started = {e["version"]: e["message"] for e in svc.runs("Alpha") if e["type"] == "run_started"}
        self.assertEqual(started["v2"], "deploying alpha v2 (previous v1)")
        self.assertEqual(started["v3"], "deploying alpha v3 (previous v2)")
        # What the deploy script was told: the version each host ran before.
        with open(os.path.join(svc.dir, "deploy.log")) as f:
            fields = [line.rstrip("\n").split(" ") for line in f]
        told = {(f[1], f[2]) for f in fields if f[0] == "deploy"}  # (PIPE_VERSION, PIPE_PREVIOUS_VERSION)
        self.assertEqual(told, {("v1", ""), ("v2", "v1"), ("v3", "v2")})

    def test_a_newer_submission_supersedes_versions_waiting_for_the_first_stage(self):
        svc = Service(self, [("Alpha", "a", {"bake": 3}), ("Beta", "b", {"bake": 3, "mode": "queued"})])
        for name in ("Alpha", "Beta"):
            svc.submit(name, "v1", first_deploy=True)
            svc.wait_for(name + " v1 in gamma", lambda: svc.stage_of(name, "v1") == "gamma")
            svc.submit(name, "v2")
            svc.submit(name, "v3")
        self.assertEqual(svc.outcome("Alpha", "v2"), "superseded")
        self.assertEqual(svc.outcome("Alpha", "v3"), "deployed")
        self.assertEqual(svc.outcome("Beta", "v2"), "deployed")
        self.assertEqual(svc.outcome("Beta", "v3"), "deployed")
        superseded = [e for e in svc.runs("Alpha") if e["type"] == "superseded"]
        self.assertEqual(superseded[0]["message"], "superseded by v3 before it entered its first stage")


class BakeEnds(unittest.TestCase):
    def test_a_bake_whose_last_datapoint_is_being_read_passes_without_saying_it_is_extended(self):
        # The lab's one-box bakes last 1 s under a 2-of-3 alarm read every second: the second
        # datapoint is asked in the second the bake ends. While that read is out (milliseconds),
        # the bake waits quietly; only a read still out a second later is a wait worth saying.
        svc = Service(self, [("Alpha", "a", {})])
        svc.submit("Alpha", "v1", first_deploy=True)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        events = svc.runs("Alpha")

        def second(event):
            return datetime.datetime.strptime(event["t"], "%Y-%m-%dT%H:%M:%SZ").timestamp()

        ends = {e["step"]: second(e) + 1 for e in events
                if e["type"] == "bake_started" and e["step"].endswith("/onebox")}
        self.assertEqual(len(ends), 3, events)
        said = [e for e in events if e["type"] == "bake_extended" and e["step"] in ends]
        self.assertEqual([e for e in said if second(e) <= ends[e["step"]]], [], said)
        passed = [e for e in events if e["type"] == "bake_passed" and e["step"] in ends]
        self.assertEqual(len(passed), 3, events)

    def test_a_read_asked_before_the_bake_ends_and_still_out_at_its_end_is_waited_for_quietly(self):
        # One-box bakes of 3 s under a 2-of-3 alarm read every 2 s, each read taking
        # 1.4 s (a slow source, or a loaded machine): reads asked at the bake's start
        # and 2 s in; the second is out when the bake's time is up, asked a second
        # before. The bake waits for it quietly and passes.
        svc = Service(self, [("Alpha", "a", {"onebox_bake": 3, "alarm_period": 2})])
        os.makedirs(os.path.join(svc.dir, "delay"))
        with open(os.path.join(svc.dir, "delay", "Alpha"), "w") as f:
            f.write("1.4\n")
        svc.submit("Alpha", "v1", first_deploy=True)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        events = svc.runs("Alpha")
        onebox = [e for e in events if e["step"] and e["step"].endswith("/onebox")]
        self.assertEqual([e for e in onebox if e["type"] == "bake_extended"], [], onebox)
        self.assertEqual(len([e for e in onebox if e["type"] == "bake_passed"]), 3, onebox)


class Gates(unittest.TestCase):
    def test_a_blocker_stops_every_stage_start_until_it_clears(self):
        svc = Service(self, [("Alpha", "a", {"block_on": True})], alarms=True)
        with open(os.path.join(svc.alarms, "org-event"), "w") as f:
            f.write("OK\n")
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.wait_for("v1 in wave1", lambda: svc.stage_of("Alpha", "v1") == "wave1")
        svc.submit("Alpha", "v2")
        with open(os.path.join(svc.alarms, "org-event"), "w") as f:
            f.write("ALARM\n")
        svc.wait_for("both versions waiting for org_event", lambda: sorted(
            v["waiting_for"] or "" for v in svc.pipeline("Alpha")["versions"]) == ["org-event", "org-event"])
        started = len([e for e in svc.runs("Alpha") if e["type"] == "stage_started"])
        time.sleep(2)
        self.assertEqual(len([e for e in svc.runs("Alpha") if e["type"] == "stage_started"]), started)
        blockers = svc.pipeline("Alpha")["blockers"]
        self.assertEqual(blockers, [{"name": "org_event", "firing": True}])
        with open(os.path.join(svc.alarms, "org-event"), "w") as f:
            f.write("OK\n")
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        self.assertEqual(svc.outcome("Alpha", "v2"), "deployed")


class Durability(unittest.TestCase):
    def test_kill_9_mid_bake_and_restart_resumes_every_run(self):
        svc = Service(self, [("Alpha", "a", {"bake": 4}), ("Beta", "b", {"bake": 4})])
        svc.submit("Alpha", "v1", first_deploy=True)
        svc.submit("Beta", "v1", first_deploy=True)
        svc.wait_for("Alpha v1 baking in wave1", lambda: any(
            v["stage"] == "wave1" and v["bakes"] for v in svc.pipeline("Alpha")["versions"]))
        svc.submit("Alpha", "v2")
        svc.kill9()
        svc.start()
        for name, version in (("Alpha", "v1"), ("Alpha", "v2"), ("Beta", "v1")):
            self.assertEqual(svc.outcome(name, version), "deployed", name + " " + version)
        resumed = [e for e in svc.runs("Alpha") if e["type"] in ("resumed", "bake_resumed")]
        self.assertTrue(resumed, "no run said it resumed")
        self.assertEqual(svc.host("a-wa-h2"), "v2")
        # Every deploy step ran to completion once after its last start: no host left pending.
        hosts = svc.pipeline("Alpha")["hosts"]
        self.assertTrue(all(h["pending_version"] is None and h["version"] == "v2" for h in hosts), hosts)

    def test_a_plan_reload_leaves_versions_in_flight_on_their_plan(self):
        svc = Service(self, [("Alpha", "a", {"bake": 4})])
        svc.submit("Alpha", "v1", first_deploy=True)
        old = svc.pipeline("Alpha")["digest"]
        lab_plans.write(svc.plans, "Alpha", "a", bake=1)
        svc.wait_for("the new plan", lambda: svc.pipeline("Alpha")["digest"] != old)
        new = svc.pipeline("Alpha")["digest"]
        svc.submit("Alpha", "v2")
        digests = {v["version"]: v["digest"] for v in svc.pipeline("Alpha")["versions"]}
        self.assertEqual(digests.get("v1"), old)
        self.assertEqual(digests.get("v2"), new)
        with open(os.path.join(svc.plans, "Alpha.plan.json"), "w") as f:
            f.write("{ not a plan")
        svc.wait_for("the refusal reported", lambda: "plan Alpha.plan.json refused" in svc.log())
        self.assertIn("Alpha keeps plan " + new, svc.log())
        self.assertEqual(svc.pipeline("Alpha")["digest"], new)
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        self.assertEqual(svc.outcome("Alpha", "v2"), "deployed")


def cli_line(event):
    """One event as `piperun run` prints it: UTC clock to the second (the lab plans move in seconds), the step
    (else the stage, else "run") padded to 30, the message."""
    t = datetime.datetime.strptime(event["t"], "%Y-%m-%dT%H:%M:%SZ")
    where = event["step"] or event["stage"] or "run"
    return "%s  %-30s  %s" % (t.strftime("%a %Y-%m-%d %H:%M:%S"), where, event["message"])


class Timelines(unittest.TestCase):
    def piperun_log(self, svc, *args):
        return subprocess.run([PIPERUN, "log", "--server", svc.url] + list(args), capture_output=True, text=True,
                              timeout=30, env=dict(os.environ, PIPERUN_TOKEN=svc.tokens["watcher"]))

    def test_a_runs_timeline_is_its_events_as_piperun_run_prints_them_and_survives_a_restart(self):
        svc = Service(self, [("Alpha", "a", {})])
        run_id = svc.submit("Alpha", "v1", first_deploy=True)["run_id"]
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        status, timeline = svc.call("GET", "/api/v1/pipelines/Alpha/timeline?version=v1", token="watcher")
        self.assertEqual(status, 200, timeline)
        events = [e for e in svc.runs("Alpha") if e["run_id"] == run_id]
        self.assertEqual(timeline["lines"], [cli_line(e) for e in events])
        self.assertEqual((timeline["run_id"], timeline["version"], timeline["previous"], timeline["status"]),
                         (run_id, "v1", None, "deployed"))
        self.assertEqual((timeline["timezone"], timeline["precision"], timeline["omitted"]), ("UTC", "seconds", 0))
        self.assertIn("deployed", timeline["lines"][-1])
        # By run id, the same; the pipeline view names the ended run so that a page can ask.
        self.assertEqual(svc.call("GET", "/api/v1/pipelines/Alpha/timeline?run_id=%d" % run_id)[1], timeline)
        self.assertEqual(svc.pipeline("Alpha")["recent_runs"][0]["run_id"], run_id)
        # The CLI prints the same lines under the header of a local `piperun log`.
        printed = self.piperun_log(svc, "Alpha", "--version", "v1")
        self.assertEqual((printed.returncode, printed.stderr), (0, ""))
        self.assertEqual(printed.stdout.splitlines(),
                         ["== run #%d: v1 (previous none: first deployment) deployed" % run_id] + timeline["lines"])
        # After a restart on a changed plan, the ended run keeps the timeline of the plan it ran with.
        svc.stop()
        lab_plans.write(svc.plans, "Alpha", "a", bake=60)
        svc.start()
        self.assertEqual(svc.call("GET", "/api/v1/pipelines/Alpha/timeline?version=v1")[1], timeline)
        # What cannot be answered says why.
        self.assertEqual(svc.call("GET", "/api/v1/pipelines/Alpha/timeline?version=v9"),
                         (404, {"error": "no run of version v9 in Alpha"}))
        self.assertEqual(svc.call("GET", "/api/v1/pipelines/Alpha/timeline?run_id=99"),
                         (404, {"error": "Alpha has no run 99"}))
        self.assertEqual(svc.call("GET", "/api/v1/pipelines/Alpha/timeline"),
                         (400, {"error": 'give exactly one of the query parameters "run_id" and "version"'}))
        missing = self.piperun_log(svc, "Alpha", "--version", "v9")
        self.assertEqual((missing.returncode, missing.stdout), (1, ""))
        self.assertIn("no run of version v9 in Alpha", missing.stderr)
        both = self.piperun_log(svc, "Alpha", "--version", "v1", "--follow")
        self.assertEqual(both.returncode, 2)
        self.assertIn("log --version V prints one run's timeline; leave out --follow", both.stderr)

    def test_exposure_so_far_and_time_to_global_follow_the_run(self):
        svc = Service(self, [("Alpha", "a", {"bake": 4, "onebox_bake": 3})])
        plan = lab_plans.lab_plan("Alpha", "a", bake=4, onebox_bake=3)["analysis"]
        self.assertEqual(svc.pipeline("Alpha")["analysis"],
                         {"time_to_global_s": plan["time_to_global_s"], "final_exposure": 1.0})
        svc.submit("Alpha", "v1", first_deploy=True)
        seen = []

        def progress():
            versions = svc.pipeline("Alpha")["versions"]
            if versions:
                seen.append(dict(versions[0]["progress"], stage=versions[0]["stage"]))
            return versions and versions[0]["progress"]
        # Gamma carries no traffic; wave1's one-box counts while it bakes (its host serves v1: 15%), wave1's
        # bake starts with the whole east region (60%); wave2 ends at 100%.
        svc.wait_for("wave1's one-box baking (only gamma's 2 steps done)", lambda: progress() and
                     seen[-1]["stage"] == "wave1" and seen[-1]["steps_done"] == 2 and seen[-1]["exposure"] == 0.15)
        svc.wait_for("v1 baking in wave1", lambda: progress() and seen[-1]["stage"] == "wave1" and
                     seen[-1]["exposure"] == 0.6)
        svc.wait_for("v1 in wave2 with all of wave2 done", lambda: progress() and seen[-1]["exposure"] == 1.0)
        gamma = [p for p in seen if p["stage"] == "gamma"]
        self.assertTrue(gamma and all(p["exposure"] == 0.0 for p in gamma), seen)
        self.assertEqual([p["exposure"] for p in seen], sorted(p["exposure"] for p in seen))
        self.assertTrue(all(p["time_to_global_s"] == plan["time_to_global_s"] and p["steps"] == 9 for p in seen))
        self.assertLess(seen[0]["elapsed_s"], seen[-1]["elapsed_s"])
        self.assertLess(seen[0]["steps_done"], seen[-1]["steps_done"])


class Receiver:
    """A webhook receiver on 127.0.0.1: answers 200 and keeps every POST's path and JSON body, in arrival order."""

    def __init__(self, test):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        test.addCleanup(self.stop)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self, count, what):
        """The bodies once `count` have come (bounded), then after a second more, so that any extra shows."""
        deadline = time.time() + DEADLINE_S
        while len(self.received) < count and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1)
        if len(self.received) < count:
            raise AssertionError("%s: %d POSTs within %d s, expected %d: %s" % (
                what, len(self.received), DEADLINE_S, count, self.received))
        return list(self.received)


class Notifications(unittest.TestCase):
    def test_a_webhook_hears_each_stage_the_deployment_and_the_rollback_in_order(self):
        receiver = Receiver(self)
        chat = {"name": "chat", "events": ["stage_started", "rolled_back", "deployed"], "blocked_after_s": 1800,
                "webhook": receiver.url + "/hooks/deploys", "run": None}
        svc = Service(self, [("Alpha", "a", {"notify": [chat]})])
        v1 = svc.submit("Alpha", "v1", first_deploy=True)["run_id"]
        self.assertEqual(svc.outcome("Alpha", "v1"), "deployed")
        svc.fault("Alpha-v2-a-gamma")
        v2 = svc.submit("Alpha", "v2")["run_id"]
        self.assertEqual(svc.outcome("Alpha", "v2"), "rolled_back")

        # What the audit log says happened, as the receiver should have heard it.
        log = svc.runs("Alpha")
        expected = []
        for run_id, version, wanted in ((v1, "v1", [("stage_started", "gamma"), ("stage_started", "wave1"),
                                                     ("stage_started", "wave2"), ("deployed", None)]),
                                        (v2, "v2", [("stage_started", "gamma"), ("rolled_back", "gamma")])):
            for event, stage in wanted:
                found = [e for e in log if e["run_id"] == run_id and e["type"] == event and e["stage"] == stage]
                self.assertEqual(len(found), 1, (event, stage, log))
                e = found[0]
                where = e["step"] or e["stage"]
                expected.append({
                    "event": event, "pipeline": "Alpha", "version": version, "stage": stage, "step": e["step"],
                    "trigger": "high_faults" if event == "rolled_back" else None, "run_id": run_id,
                    "message": e["message"],
                    "text": "Alpha %s %s%s: %s" % (version, event, " at " + where if where else "", e["message"])})
        got = receiver.bodies(len(expected), "chat")
        self.assertEqual([(path, kind) for path, kind, _ in got], [("/hooks/deploys", "application/json")] * len(got))
        bodies = [{k: v for k, v in body.items() if k != "time"} for _, _, body in got]
        self.assertEqual(bodies, expected)
        for _, _, body in got:
            self.assertRegex(body["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertTrue(expected[-1]["step"].startswith("gamma/"), expected[-1])
        self.assertIn("v2 rolled back (high_faults)", expected[-1]["message"])

        # Every attempt is in the log endpoint, paged by its own id, and in `piperun log --server`.
        def attempts(after=0, limit=100):
            status, body = svc.call("GET", "/api/v1/pipelines/Alpha/log?after=0&limit=%d&notifications_after=%d" % (
                limit, after), token="watcher")
            self.assertEqual(status, 200, body)
            return body["notifications"]
        svc.wait_for("every attempt journalled", lambda: len(attempts()) == len(expected))
        listed = attempts()
        self.assertEqual([(a["run_id"], a["version"], a["target"], a["channel"], a["event"], a["attempt"], a["result"])
                          for a in listed],
                         [(e["run_id"], e["version"], "chat", "webhook", e["event"], 1, "delivered (HTTP 200)")
                          for e in expected])
        self.assertEqual(attempts(after=listed[1]["id"], limit=2), listed[2:4])
        printed = subprocess.run([PIPERUN, "log", "Alpha", "--server", svc.url], capture_output=True, text=True,
                                 timeout=30, env=dict(os.environ, PIPERUN_TOKEN=svc.tokens["watcher"]))
        self.assertEqual((printed.returncode, printed.stderr), (0, ""))
        lines = [line for line in printed.stdout.splitlines() if "  notify  " in line]
        self.assertEqual([line.split()[1:] for line in lines],
                         [["-", "notify", e["version"], "chat/webhook", e["event"] + ",", "attempt", "1:", "delivered",
                           "(HTTP", "200)"] for e in expected])
        # In time order among the events: v2's rollback attempt comes after v2's rolled_back event.
        out = printed.stdout.splitlines()
        rolled = max(i for i, line in enumerate(out) if " rolled_back " in line and "notify" not in line)
        self.assertGreater(out.index(lines[-1]), rolled)


class Identity(unittest.TestCase):
    def test_refusals_and_the_audit_name(self):
        svc = Service(self, [("Alpha", "a", {})])
        body = {"version": "v1", "first_deploy": True}
        self.assertEqual(svc.call("POST", "/api/v1/pipelines/Alpha/versions", body, token=None)[0], 401)
        self.assertEqual(svc.call("POST", "/api/v1/pipelines/Alpha/versions", body, token="not-a-token")[0], 401)
        self.assertEqual(svc.call("POST", "/api/v1/pipelines/Alpha/versions", body, token="watcher")[0], 403)
        status, answer = svc.call("POST", "/api/v1/pipelines/Alpha/versions", dict(body, reason="first release"),
                                  token="ci")
        self.assertEqual(status, 202, answer)
        # A submission's reason is kept with the version, beside who submitted it.
        status, view = svc.call("GET", "/api/v1/pipelines/Alpha")
        self.assertEqual(status, 200, view)
        self.assertEqual([(v["version"], v["submitted_by"], v["reason"]) for v in view["versions"]],
                         [("v1", "ci", "first release")])
        status, answer = svc.call("POST", "/api/v1/pipelines/Alpha/versions", body, token="ci")
        self.assertEqual((status, answer["error"]), (409, "Alpha v1 is already in flight (run #1)"))
        self.assertEqual(svc.call("POST", "/api/v1/pipelines/Nope/versions", body)[0], 404)
        status, answer = svc.call("POST", "/api/v1/pipelines/Alpha/rollback", {"reason": "bad canary"}, token="lead")
        self.assertEqual(status, 202, answer)
        self.assertEqual(svc.outcome("Alpha", "v1"), "rolled_back")
        manual = [e for e in svc.runs("Alpha") if e["type"] == "rollback_started"]
        self.assertIn("manual rollback by lead: bad canary", manual[0]["message"])
        status, answer = svc.call("POST", "/api/v1/pipelines/Alpha/versions", {"version": "v1"})
        self.assertEqual(status, 409)
        self.assertIn("was rolled back", answer["error"])

    def test_the_real_service_keeps_the_openapi_contract(self):
        svc = Service(self, [("Alpha", "a", {"bake": 30, "block_on": True})], alarms=True)
        svc.submit("Alpha", "v1", first_deploy=True)
        check = subprocess.run([sys.executable, OPENAPI_CHECK, "--url", svc.url, "--token", svc.tokens["lead"],
                                "--viewer-token", svc.tokens["watcher"], "--pipeline", "Alpha",
                                "--version", "v2", "--override-target", "org_event"],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)


if __name__ == "__main__":
    PIPERUN, OPENAPI_CHECK = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
