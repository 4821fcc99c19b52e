#!/usr/bin/env python3
"""The live demo under `piperun serve` (README "Live demo", docs/live.md), and
its test: every claim it prints is checked on the real processes, and the
first one that does not hold ends it with `FAIL: ...` and exit status 1.

On 127.0.0.1 only: the live fleet of two pipelines (LiveShop's 12 instances
of pipe_live_service, LiveCart's 4) under load, a real Prometheus, a real
Alertmanager (Debian's prometheus-alertmanager), a webhook receiver that
prints each notification's `text` (receiver.py), and one `piperun serve`.
  - LiveShop v2, v3 and v4 are submitted one after another with `piperun
    submit`: they flow through the stages together, one per stage; v4
    answers 20% of requests with a 500, is caught at its one-box and rolled
    back to v3, and the on-call's chat is told.
  - LiveCart blocks on the alert `payments-incident`, firing in Alertmanager
    when LiveCart v2 is submitted: its stage waits until the alert is
    resolved (it expires), then starts.
Everything it starts is stopped on exit, also on failure, Ctrl-C, SIGTERM or
its own time limit. The servers are started by the helpers of the service's
tests (tests/service: serve_test.Service, alertmanager_test.Alertmanager).

    serve_demo.py SOURCE_DIR PIPEC PIPERUN PIPE_LIVE_SERVICE ALERTMANAGER
"""
import contextlib
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

LIMIT_S = 300  # the whole demo; it takes about a minute
WAIT_S = 150  # any one wait
DEFAULT_WEBHOOK = "http://127.0.0.1:9095/hooks/deploys"  # what live.pipe names
INCIDENT = "payments-incident"
SHOP_VERSIONS = ["v2", "v3", "v4"]
BAD = "v4"


class Failure(Exception):
    pass


class Cleanups(contextlib.ExitStack):
    """What the tests' helpers expect of a unittest.TestCase: addCleanup."""

    def addCleanup(self, function, *args, **kwargs):  # noqa: N802 (unittest's name)
        self.callback(function, *args, **kwargs)


def say(text=""):
    print(text, flush=True)


def step(text):
    bold = sys.stdout.isatty()
    say("\n" + ("\033[1m== %s\033[0m" if bold else "== %s") % text)


def check(condition, what):
    if not condition:
        raise Failure(what)


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def wait_for(what, predicate, limit=WAIT_S):
    deadline = time.time() + limit
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise Failure("waited %d s for %s" % (limit, what))


class Demo:
    def __init__(self, cleanups, source_dir, pipec, piperun, service, alertmanager):
        self.cleanups = cleanups
        self.source_dir, self.pipec, self.piperun, self.service = source_dir, pipec, piperun, service
        self.alertmanager = alertmanager
        self.live = os.path.join(source_dir, "examples", "live")
        self.fleet = os.path.join(self.live, "fleet.sh")
        self.work = tempfile.mkdtemp(prefix="pipe-live-")
        cleanups.callback(shutil.rmtree, self.work, True)
        self.fleet_dir = os.path.join(self.work, "fleet")
        self.svc = None

    # --- the pieces ---------------------------------------------------------
    def start_receiver(self):
        port_file = os.path.join(self.work, "receiver.port")
        self.chat_log = os.path.join(self.work, "chat.jsonl")
        open(self.chat_log, "w").close()
        receiver = subprocess.Popen([sys.executable, os.path.join(self.live, "receiver.py"), port_file, self.chat_log],
                                    stdin=subprocess.DEVNULL)

        def stop():
            if receiver.poll() is None:
                receiver.terminate()
                try:
                    receiver.wait(10)
                except subprocess.TimeoutExpired:
                    receiver.kill()
                    receiver.wait()
        self.cleanups.callback(stop)
        port = wait_for("the webhook receiver to listen", lambda: os.path.exists(port_file) and open(port_file).read(), 10)
        return "http://127.0.0.1:%d/hooks/deploys" % int(port)

    def plan(self, webhook):
        """pipec check examples/live/live.pipe, then plans of a copy naming the
        receiver's URL (a webhook is part of the reviewed plan: no flag changes it)."""
        with open(os.path.join(self.live, "live.pipe"), encoding="utf-8") as f:
            text = f.read()
        check(DEFAULT_WEBHOOK in text, "examples/live/live.pipe no longer names %s" % DEFAULT_WEBHOOK)
        copy = os.path.join(self.work, "live.pipe")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text.replace(DEFAULT_WEBHOOK, webhook))
        checked = subprocess.run([self.pipec, "check", "examples/live/live.pipe"], cwd=self.source_dir)
        check(checked.returncode == 0, "pipec check examples/live/live.pipe exited %d" % checked.returncode)
        plans = os.path.join(self.work, "plans")
        planned = subprocess.run([self.pipec, "plan", copy, "-o", plans], cwd=self.work, capture_output=True, text=True)
        check(planned.returncode == 0, "pipec plan exited %d: %s" % (planned.returncode, planned.stderr))
        self.plans = {}
        for name in ("LiveShop", "LiveCart"):
            path = os.path.join(plans, name + ".plan.json")
            with open(path, encoding="utf-8") as f:
                self.plans[name] = (path, json.load(f))
            analysis = self.plans[name][1]["analysis"]
            say("%s: %d hosts, time to global %d s, worst-case recovery %d s" % (
                name, len(self.hosts_of(name)), analysis["time_to_global_s"], analysis["worst_recovery_s"]))
        return plans

    def hosts_of(self, pipeline):
        plan = self.plans[pipeline][1]
        return sorted({h for s in plan["steps"] for h in s.get("hosts") or []})

    def onebox(self, pipeline):
        return next(s for s in self.plans[pipeline][1]["steps"] if s["type"] == "onebox")

    def start_fleet(self, plans):
        self.cleanups.callback(subprocess.run, [self.fleet, "down", self.fleet_dir])
        up = subprocess.run([self.fleet, "up", self.fleet_dir, plans, self.service, "v1"], capture_output=True, text=True)
        check(up.returncode == 0, "fleet.sh up exited %d: %s" % (up.returncode, up.stderr.strip()))
        self.prometheus = up.stdout.strip()
        versions = self.versions()
        say("%d instances on v1, Prometheus at %s" % (len(versions), self.prometheus))
        check(sorted(versions) == sorted(self.hosts_of("LiveShop") + self.hosts_of("LiveCart")),
              "the fleet's hosts are not the plans' hosts: %s" % sorted(versions))
        check(set(versions.values()) == {"v1"}, "the fleet did not start on v1: %s" % versions)

    def versions(self):
        """HOST -> what the instance itself answers on /version."""
        out = subprocess.run([self.fleet, "versions", self.fleet_dir], capture_output=True, text=True, check=True)
        return dict(line.split(" ", 1) for line in out.stdout.splitlines())

    def start_alertmanager(self, tests):
        tests.alertmanager_test.ALERTMANAGER = self.alertmanager
        self.am = tests.alertmanager_test.Alertmanager(self.cleanups)
        self.incident = {"labels": {"alertname": INCIDENT, "severity": "page"}, "startsAt": iso(-5)}
        self.am.post("/api/v2/alerts", [dict(self.incident, endsAt=iso(3600))])
        check(self.active_alerts() == [INCIDENT], "Alertmanager does not list %s as active" % INCIDENT)
        say("Alertmanager at %s, %s firing" % (self.am.url, INCIDENT))

    def active_alerts(self):
        with urllib.request.urlopen(self.am.url + "/api/v2/alerts?active=true&silenced=false&inhibited=false",
                                    timeout=5) as answer:
            return sorted(a["labels"]["alertname"] for a in json.loads(answer.read()))

    def start_service(self, tests, plans):
        tests.serve_test.PIPERUN = self.piperun
        tests.serve_test.DEADLINE_S = WAIT_S
        os.environ.update(PIPE_LIVE_DIR=self.fleet_dir, PIPE_LIVE_SERVICE=self.service)
        self.svc = tests.serve_test.Service(self.cleanups, [], extra_args=[
            "--prometheus", self.prometheus, "--alertmanager", self.am.url])
        # deploy.run is relative to the repository, the service's folder is its own.
        os.symlink(os.path.join(self.source_dir, "examples"), os.path.join(self.svc.dir, "examples"))
        for name, (path, _) in self.plans.items():
            partial = os.path.join(self.svc.plans, "." + name + ".tmp")
            shutil.copy(path, partial)
            os.replace(partial, os.path.join(self.svc.plans, name + ".plan.json"))
        wait_for("the service to load both plans", lambda: sorted(
            p["name"] for p in self.svc.call("GET", "/api/v1/pipelines")[1]["pipelines"]) == ["LiveCart", "LiveShop"],
            20)
        say("piperun serve at %s, plans LiveShop and LiveCart" % self.svc.url)

    def piperun_cli(self, *args):
        """`piperun ARGS --server URL` as CI would run it (the token in PIPERUN_TOKEN), shown with its output."""
        env = dict(os.environ, PIPERUN_TOKEN=self.svc.tokens["ci"])
        done = subprocess.run([self.piperun, *args, "--server", self.svc.url], env=env, capture_output=True,
                              text=True, timeout=30)
        say("$ piperun " + " ".join(args))
        sys.stdout.write(done.stdout + done.stderr)
        sys.stdout.flush()
        return done

    def submit(self, pipeline, version, first=False):
        done = self.piperun_cli("submit", pipeline, version, *(["--first-deploy"] if first else []))
        check(done.returncode == 0, "piperun submit %s %s exited %d" % (pipeline, version, done.returncode))

    def flight(self, pipeline):
        return [(v["version"], v["stage"], v["waiting_for"]) for v in self.svc.pipeline(pipeline)["versions"]]

    def events(self, pipeline, version=None, kind=None):
        return [e for e in self.svc.runs(pipeline)
                if (version is None or e["version"] == version) and (kind is None or e["type"] == kind)]

    def chat(self):
        with open(self.chat_log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    # --- the story ----------------------------------------------------------
    def run(self, tests):
        step("the on-call's chat: a webhook receiver on 127.0.0.1 that prints each notification's text")
        webhook = self.start_receiver()
        say("receiver at " + webhook)

        step("pipec check examples/live/live.pipe, then plan it (the webhook pointing at the receiver)")
        plans = self.plan(webhook)

        step("the fleet on v1: every host of both plans, a load generator (10 requests/s each) and Prometheus")
        # v4 is the bad one: 20% of its requests fail (docs/live.md "The service").
        os.environ["PIPE_LIVE_FAULTY"] = BAD
        self.start_fleet(plans)

        step("Alertmanager: the payment provider has an incident (%s firing)" % INCIDENT)
        self.start_alertmanager(tests)

        step("piperun serve with --prometheus and --alertmanager")
        self.start_service(tests, plans)

        step("CI submits LiveCart v2, then LiveShop v2, v3 and v4, one after another (%s is bad)" % BAD)
        self.submit("LiveCart", "v2", first=True)
        self.submit("LiveShop", "v2", first=True)
        for version in SHOP_VERSIONS[1:]:
            self.submit("LiveShop", version)

        step("LiveCart v2 waits for the incident to be resolved; LiveShop's versions flow, one per stage")
        def cart_held():
            check(not self.events("LiveCart", kind="stage_started"),
                  "LiveCart started a stage while %s was firing" % INCIDENT)
            return self.flight("LiveCart") == [("v2", "wave1", INCIDENT)]
        wait_for("LiveCart v2 to be held by %s" % INCIDENT, cart_held)
        why = self.svc.pipeline("LiveCart")["versions"][0]["why"]
        say("LiveCart v2 waits at wave1: " + why)
        check(why == "blocker %s firing: external alarm %s is ALARM" % (INCIDENT, INCIDENT),
              "LiveCart v2 waits for: %s" % why)
        def three_together():
            flight = self.flight("LiveShop")
            stages = [(version, stage) for version, stage, _ in flight]
            return len(flight) == 3 and stages[:2] == [("v2", "wave2"), ("v3", "wave1")] and flight
        together = wait_for("LiveShop v2 in wave2 while v3 is in wave1 and v4 waits", three_together)
        say("LiveShop in flight together: %s" % together)
        self.piperun_cli("status")

        step("LiveShop v2 reaches every host; the incident is then over (its alert expires)")
        check(self.svc.outcome("LiveShop", "v2") == "deployed", "LiveShop v2 was not deployed")
        check(not self.events("LiveCart", kind="stage_started"),
              "LiveCart started a stage while %s was firing" % INCIDENT)
        check(self.flight("LiveCart") == [("v2", "wave1", INCIDENT)],
              "LiveCart v2 is no longer held by %s: %s" % (INCIDENT, self.flight("LiveCart")))
        blocked = wait_for("the chat to be told that LiveCart v2 is blocked", lambda: [
            n for n in self.chat() if (n["pipeline"], n["version"], n["event"]) == ("LiveCart", "v2", "blocked")], 30)
        check(INCIDENT in blocked[0]["text"], "the blocked notification does not name %s: %s" % (
            INCIDENT, blocked[0]["text"]))
        held_s = time.time()
        self.am.post("/api/v2/alerts", [dict(self.incident, endsAt=iso(0))])
        wait_for("Alertmanager to list %s as resolved" % INCIDENT, lambda: self.active_alerts() == [], 10)
        say("%s resolved at %s" % (INCIDENT, iso(0)))

        step("LiveCart's stage starts")
        started = wait_for("LiveCart's wave1 to start", lambda: self.events("LiveCart", "v2", "stage_started"), 30)
        say("LiveCart v2 started %s %.1f s after the alert was resolved" % (
            started[0]["stage"], time.time() - held_s))
        check(self.svc.outcome("LiveCart", "v2") == "deployed", "LiveCart v2 was not deployed")

        step("LiveShop v3 goes everywhere; v4 is caught at its one-box and rolled back to v3")
        check(self.svc.outcome("LiveShop", "v3") == "deployed", "LiveShop v3 was not deployed")
        check(self.svc.outcome("LiveShop", BAD) == "rolled_back", "LiveShop %s was not rolled back" % BAD)
        self.check_rollback()
        self.check_hosts()

        step("piperun log LiveShop --version %s: the rollback's timeline" % BAD)
        self.piperun_cli("log", "LiveShop", "--version", BAD)
        step("what the chat was told")
        for note in self.chat():
            say("  " + note["text"])
        say("\nThe bad version reached one host, was caught there and rolled back with nobody watching,"
            "\nwhile the versions ahead of it went on; the cart waited for the incident to end.")

    def check_rollback(self):
        onebox = self.onebox("LiveShop")
        rolled = self.events("LiveShop", BAD, "rolled_back")
        check([e["step"] for e in rolled] == [onebox["id"]],
              "LiveShop %s was rolled back at %s, expected the one-box %s" % (
                  BAD, [e["step"] for e in rolled], onebox["id"]))
        started = sorted({e["step"] for e in self.events("LiveShop", BAD, "step_started")})
        check(started == [onebox["id"]], "LiveShop %s started steps beyond its one-box: %s" % (BAD, started))
        with open(os.path.join(self.fleet_dir, "deploys.log"), encoding="utf-8") as f:
            bad_hosts = sorted({h for line in f for w in [line.split()]
                                if w[1:4] == ["deploy", BAD, "begin"] for h in w[4:]})
        check(bad_hosts == onebox["hosts"], "deploy.sh installed %s on %s, expected only %s" % (
            BAD, bad_hosts, onebox["hosts"]))
        with open(os.path.join(self.fleet_dir, "logs", onebox["hosts"][0] + ".log"), encoding="utf-8") as f:
            check("first fault version=" + BAD in f.read(),
                  "the %s one-box served no fault: the alarm had nothing real to catch" % BAD)
        told = [n for n in self.chat() if (n["pipeline"], n["version"], n["event"]) == ("LiveShop", BAD, "rolled_back")]
        check(len(told) == 1, "the chat was told %d times that LiveShop %s was rolled back" % (len(told), BAD))
        check(told[0]["step"] == onebox["id"] and told[0]["text"].startswith(
            "LiveShop %s rolled_back at %s: " % (BAD, onebox["id"])), "the chat was told: %s" % told[0])
        measure = subprocess.run([sys.executable, os.path.join(self.live, "measure.py"), self.fleet_dir,
                                  self.plans["LiveShop"][0], BAD, "v3", "--json"], capture_output=True, text=True)
        check(measure.returncode == 0, "measure.py failed: " + measure.stderr)
        m = json.loads(measure.stdout)
        say("%s: first fault at %s, rollback call %.1f s later, back on v3 after %.1f s" % (
            BAD, onebox["hosts"][0], m["detection_s"], m["recovery_s"]))
        check(0 < m["detection_s"] <= m["recovery_s"] < 60, "implausible detection/recovery: %s" % m)

    def check_hosts(self):
        """The instances themselves, and the service's hosts, agree on every version."""
        versions = self.versions()
        for pipeline, version in (("LiveShop", "v3"), ("LiveCart", "v2")):
            wrong = {h: versions[h] for h in self.hosts_of(pipeline) if versions[h] != version}
            check(not wrong, "%s instances not on %s: %s" % (pipeline, version, wrong))
            api = {h["host"]: h["version"] for h in self.svc.pipeline(pipeline)["hosts"]}
            check(api == {h: version for h in self.hosts_of(pipeline)},
                  "the service says %s's hosts run %s" % (pipeline, api))
            say("%s: every instance answers %s, and the service agrees" % (pipeline, version))

    def diagnose(self):
        for path in [os.path.join(self.work, "chat.jsonl"), os.path.join(self.fleet_dir, "deploys.log")] + (
                [os.path.join(self.svc.dir, "serve.err")] if self.svc else []):
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    say("--- %s\n%s" % (os.path.basename(path), "".join(f.readlines()[-30:])))


class Tests:
    """tests/service's helpers, imported from the source tree."""

    def __init__(self, source_dir):
        sys.path.insert(0, os.path.join(source_dir, "tests", "service"))
        import alertmanager_test
        import serve_test
        self.alertmanager_test, self.serve_test = alertmanager_test, serve_test


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: serve_demo.py SOURCE_DIR PIPEC PIPERUN PIPE_LIVE_SERVICE ALERTMANAGER")
    source_dir, pipec, piperun, service, alertmanager = [os.path.abspath(a) for a in sys.argv[1:6]]
    for tool in ("prometheus", "curl", "setsid"):
        if not shutil.which(tool):
            sys.exit("FAIL: %s is not installed (scripts/setup.sh installs it)" % tool)

    def on_signal(number, _frame):
        raise SystemExit(128 + number)

    def on_alarm(_number, _frame):
        raise Failure("the demo did not end within %d s" % LIMIT_S)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIMIT_S)
    with Cleanups() as cleanups:
        demo = Demo(cleanups, source_dir, pipec, piperun, service, alertmanager)
        try:
            demo.run(Tests(source_dir))
        except (Failure, AssertionError) as e:
            say("FAIL: %s" % e)
            demo.diagnose()
            return 1
        finally:
            signal.alarm(0)  # stopping everything has its own bounds
        say("PASS")
        return 0


if __name__ == "__main__":
    sys.exit(main())
