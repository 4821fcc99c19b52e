#!/usr/bin/env python3
"""Several `piperun serve` instances on one PostgreSQL store (issue 16,
docs/service.md "Several instances on PostgreSQL"), for real: run under
with_postgres.sh (a throw-away PostgreSQL 15 cluster on 127.0.0.1), lab
plans (lab_plans.py) whose deploys go through fixtures/deploy_spans.sh,
which takes an exclusive lock per host for the whole call and records
OVERLAP when it finds one held: so "never two calls on one host at once",
across instances, is checked by the kernel. Every process is stopped by the
test; every wait is bounded.

  instances_test.py PIPERUN [unittest arguments]
  groups: Takeover (kill -9, restart), Partition (pause, cut connection), Chaos
"""
import json
import os
import random
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
FINAL = ("deployed", "rolled_back", "failed", "superseded")


def psql(sql, database):
    return subprocess.run(["psql", "-X", "-q", "-t", "-A", "-d", database, "-c", sql], capture_output=True,
                          text=True, check=True, timeout=30).stdout.strip()


class Cluster:
    """A scratch folder with plans, tokens and fixtures, a database, and instances of `piperun serve` on it."""

    def __init__(self, test, pipelines, lease=3, deploy_sleep="0.3", mode="superseded"):
        self.test = test
        self.lease = lease
        self.dir = tempfile.mkdtemp(prefix="piperun-instances-")
        if not os.environ.get("PIPE_KEEP_SCRATCH"):  # for a post-mortem
            test.addCleanup(shutil.rmtree, self.dir, True)
        test.addCleanup(self.stop_all)
        self.plans = os.path.join(self.dir, "plans")
        os.makedirs(self.plans)
        self.names = []
        for i in range(pipelines):
            name = "Lab%02d" % i
            lab_plans.write(self.plans, name, "l%02d" % i, bake=1, mode=mode)
            self.names.append(name)
        shutil.copy(os.path.join(HERE, "fixtures", "deploy_spans.sh"), os.path.join(self.dir, "deploy.sh"))
        shutil.copy(os.path.join(HERE, "fixtures", "metric.sh"), self.dir)
        os.makedirs(os.path.join(self.dir, "faults"))
        made = subprocess.run([PIPERUN, "token", "ci", "--roles", "deployer,operator,approver"], capture_output=True,
                              text=True, check=True)
        self.token = made.stdout.strip()
        with open(os.path.join(self.dir, "tokens"), "w") as out:
            out.write(made.stderr.strip() + "\n")
        self.database = "instances_" + os.path.basename(self.dir).replace("-", "_").lower()
        subprocess.run(["createdb", self.database], check=True)
        self.url = "postgresql://%s@%s:%s/%s" % (os.environ["PGUSER"], os.environ["PGHOST"], os.environ["PGPORT"],
                                                 self.database)
        self.env = dict(os.environ, DEPLOY_SLEEP=deploy_sleep)
        self.instances = {}  # name -> [process, url, log path]

    def start(self, name):
        log = os.path.join(self.dir, name + ".err")
        offset = os.path.getsize(log) if os.path.exists(log) else 0  # a restart appends: read its own lines
        err = open(log, "a")
        process = subprocess.Popen([PIPERUN, "serve", "--plans", "plans", "--listen", "127.0.0.1:0", "--tokens",
                                    "tokens", "--store", self.url, "--lease-seconds", str(self.lease)],
                                   cwd=self.dir, stdout=subprocess.DEVNULL, stderr=err, env=self.env)
        err.close()
        self.instances[name] = [process, None, log]
        deadline = time.time() + 20
        while time.time() < deadline:
            for line in self.log(name)[offset:].splitlines():
                if line.startswith("piperun serve: listening on "):
                    self.instances[name][1] = line.split("listening on ")[1].strip()
                    return
            if process.poll() is not None:
                raise AssertionError("%s ended at once:\n%s" % (name, self.log(name)))
            time.sleep(0.05)
        raise AssertionError("%s did not listen within 20 s:\n%s" % (name, self.log(name)))

    def log(self, name):
        with open(self.instances[name][2]) as f:
            return f.read()

    def instance_id(self, name):
        for line in reversed(self.log(name).splitlines()):  # the latest start's
            if line.startswith("piperun serve: instance "):
                return line.split()[3].rstrip(",")
        raise AssertionError("no instance id in the log of " + name)

    def kill9(self, name):
        process = self.instances[name][0]
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.instances[name][1] = None

    def alive(self):
        return [n for n, (p, url, _) in self.instances.items() if p.poll() is None and url]

    def stop_all(self):
        for name, (process, _, _) in self.instances.items():
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        subprocess.run(["dropdb", "--if-exists", "--force", self.database], capture_output=True)

    def call(self, name, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        url = self.instances[name][1]
        if not url:
            raise OSError(name + " is down")
        request = urllib.request.Request(url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def submit(self, pipeline, version, deadline_s=30, accept_409=False, **fields):
        """Submits through whichever live instance runs the pipeline (the others answer 503)."""
        deadline = time.time() + deadline_s
        last = None
        while time.time() < deadline:
            for name in self.alive():
                try:
                    last = self.call(name, "POST", "/api/v1/pipelines/%s/versions" % pipeline,
                                     dict(version=version, **fields))
                except OSError as e:
                    last = (0, str(e))
                    continue
                if last[0] == 202 or (last[0] == 409 and accept_409):
                    return name
                if last[0] != 503:
                    raise AssertionError("submit %s %s: %s" % (pipeline, version, last))
            time.sleep(0.2)
        raise AssertionError("no instance took %s %s within %d s: %s" % (pipeline, version, deadline_s, last))

    def events(self, pipeline):
        """The pipeline's audit log from the store, through any live instance."""
        for name in self.alive():
            events, after = [], 0
            try:
                while True:
                    status, body = self.call(name, "GET", "/api/v1/pipelines/%s/log?after=%d&limit=1000" %
                                             (pipeline, after))
                    if status != 200:
                        raise OSError("%s answered %d %s" % (name, status, body))  # e.g. reconnecting: another
                    if not body["events"]:
                        return events
                    events += body["events"]
                    after = events[-1]["id"]
            except OSError:
                continue
        raise AssertionError("no live instance answers")

    def outcome(self, pipeline, version, deadline_s):
        deadline = time.time() + deadline_s
        while time.time() < deadline:
            for e in self.events(pipeline):
                if e["version"] == version and e["type"] in FINAL:
                    return e["type"]
            time.sleep(0.3)
        raise AssertionError("%s %s has no outcome after %d s:\n%s" % (
            pipeline, version, deadline_s, "\n".join(self.log(n)[-3000:] for n in self.instances)))

    def host(self, host):
        with open(os.path.join(self.dir, "hosts", host)) as f:
            return f.read().strip()

    def overlaps(self):
        path = os.path.join(self.dir, "overlaps.log")
        return open(path).read() if os.path.exists(path) else ""

    def journal_hosts(self, pipeline):
        rows = psql("SELECT host, version, pending_version FROM hosts WHERE pipeline = '%s' ORDER BY host" % pipeline,
                    self.database)
        return [tuple(line.split("|")) for line in rows.splitlines()]

    def owner(self, pipeline):
        return psql("SELECT owner FROM leases WHERE pipeline = '%s' AND expires_at > now()" % pipeline, self.database)


class Checks(unittest.TestCase):
    def assertHostsMatch(self, cluster, pipeline, version):
        """The journal says every host of the pipeline runs `version`, nothing pending, as the deploy command left it."""
        rows = cluster.journal_hosts(pipeline)
        self.assertTrue(rows, pipeline)
        for host, journalled, pending in rows:
            self.assertEqual((journalled, pending), (version, ""), "%s %s in the journal" % (pipeline, host))
            self.assertEqual(cluster.host(host), version, "%s %s on the host" % (pipeline, host))


class Takeover(Checks):
    def test_kill_9_of_the_owner_and_another_instance_resumes_its_runs_within_the_lease_time(self):
        cluster = Cluster(self, 4, lease=3, deploy_sleep="0.5")
        cluster.start("A")
        cluster.start("B")
        for name in cluster.names:
            cluster.submit(name, "v1", first_deploy=True)
        time.sleep(1.5)  # mid-flight: gamma or wave1
        victim = cluster.owner(cluster.names[0])
        victim_name = "A" if victim == cluster.instance_id("A") else "B"
        survivor = "B" if victim_name == "A" else "A"
        held = [n for n in cluster.names if cluster.owner(n) == victim]
        killed_at = time.time()
        cluster.kill9(victim_name)
        # Within the lease time (+ a heartbeat, + 2 s), the survivor holds every pipeline of the dead one.
        survivor_id = cluster.instance_id(survivor)
        deadline = killed_at + cluster.lease + 6
        while time.time() < deadline and not all(cluster.owner(n) == survivor_id for n in held):
            time.sleep(0.1)
        self.assertTrue(all(cluster.owner(n) == survivor_id for n in held), cluster.log(survivor))
        taken = time.time() - killed_at
        # The lease time, one claim turn (1 s) and this test's own polling on a loaded machine.
        self.assertLess(taken, cluster.lease + 4, "failover took %.1f s" % taken)
        for name in cluster.names:
            self.assertEqual(cluster.outcome(name, "v1", 60), "deployed", name)
            self.assertHostsMatch(cluster, name, "v1")
        self.assertEqual(cluster.overlaps(), "")
        for name in held:
            self.assertIn("piperun serve: %s: now run by this instance" % name, cluster.log(survivor))
        # The restarted instance claims again (its share, once some pipeline is free) and runs new versions.
        cluster.start(victim_name)
        for name in cluster.names:
            cluster.submit(name, "v2")
        for name in cluster.names:
            self.assertEqual(cluster.outcome(name, "v2", 60), "deployed", name)
            self.assertHostsMatch(cluster, name, "v2")
        self.assertEqual(cluster.overlaps(), "")

    def test_a_request_to_an_instance_that_does_not_run_the_pipeline_reaches_its_owner_at_once(self):
        cluster = Cluster(self, 1, lease=3)
        cluster.start("A")
        cluster.start("B")
        self.assertEqual(cluster.owner("Lab00"), cluster.instance_id("A"))
        asked = time.time()
        status, body = cluster.call("B", "POST", "/api/v1/pipelines/Lab00/versions",
                                    {"version": "v1", "first_deploy": True})
        answered = time.time() - asked
        self.assertEqual((status, body["version"], body["status"] in ("queued", "running")), (202, "v1", True), body)
        self.assertLess(answered, 1.0, "relayed through LISTEN/NOTIFY, not a poll")
        # The owner's own refusal comes back word for word through B.
        status, body = cluster.call("B", "POST", "/api/v1/pipelines/Lab00/versions", {"version": "v1"})
        self.assertEqual((status, body["error"]), (409, "Lab00 v1 is already in flight (run #%d)" % 1))
        status, body = cluster.call("B", "POST", "/api/v1/pipelines/Lab00/rollback", {"reason": "bad canary"})
        self.assertEqual(status, 202, body)
        self.assertEqual(cluster.outcome("Lab00", "v1", 60), "rolled_back")
        manual = [e for e in cluster.events("Lab00") if e["type"] == "rollback_started"]
        self.assertIn("manual rollback by ci: bad canary", manual[0]["message"])
        self.assertEqual(cluster.overlaps(), "")


class Partition(Checks):
    def test_a_paused_owner_stops_acting_and_its_late_writes_are_refused(self):
        cluster = Cluster(self, 1, lease=3, deploy_sleep="0.2")
        with open(os.path.join(cluster.dir, "slow-once"), "w") as f:
            f.write("8\n")  # the first call outlives the lease: B must wait for it
        cluster.start("A")
        cluster.submit("Lab00", "v1", first_deploy=True)
        cluster.start("B")
        # A's first deploy call (4 s) is running: pause A itself, not its call.
        deadline = time.time() + 20
        while time.time() < deadline and not os.path.exists(os.path.join(cluster.dir, "spans.log")):
            time.sleep(0.05)
        process = cluster.instances["A"][0]
        process.send_signal(signal.SIGSTOP)
        paused_at = time.time()
        b = cluster.instance_id("B")
        while time.time() < paused_at + cluster.lease + 4 and cluster.owner("Lab00") != b:
            time.sleep(0.1)
        self.assertEqual(cluster.owner("Lab00"), b, cluster.log("B"))
        time.sleep(1)
        process.send_signal(signal.SIGCONT)
        self.assertEqual(cluster.outcome("Lab00", "v1", 90), "deployed")
        self.assertHostsMatch(cluster, "Lab00", "v1")
        self.assertEqual(cluster.overlaps(), "")
        # Woken, A stops acting in one of three ways, whichever comes first:
        # its own clock says the lease time passed, a write meets the fence,
        # or its next renewal no longer returns the pipeline.
        log = cluster.log("A")
        self.assertTrue("could not renew the leases within the lease time; stopping every pipeline" in log or
                        "expired or was taken over; write refused" in log or
                        "Lab00: no longer run by this instance (its lease was not renewed or was given back)" in log,
                        log)
        # B waited for the call A had left running before running that step again.
        waits = [e["message"] for e in cluster.events("Lab00") if e["type"] == "leftover_call"]
        self.assertTrue(waits, cluster.log("B"))
        self.assertRegex(waits[0], r"^the deploy call of gamma/\S+ that the previous owner of Lab00 started \d+s ago "
                                   r"still runs: waiting for it to end \(at most \d+s, its timeout\) before resuming$")
        self.assertEqual(cluster.owner("Lab00"), b)

    def test_an_owner_whose_connection_is_cut_stops_acting_within_the_lease_time(self):
        cluster = Cluster(self, 1, lease=3, deploy_sleep="1")
        cluster.start("A")
        cluster.submit("Lab00", "v1", first_deploy=True)
        cluster.start("B")
        deadline = time.time() + 20
        while time.time() < deadline and not os.path.exists(os.path.join(cluster.dir, "spans.log")):
            time.sleep(0.05)
        a = cluster.instance_id("A")
        # Cut A off: no new connection to the database, and its open one terminated.
        psql("ALTER DATABASE %s ALLOW_CONNECTIONS false" % cluster.database, "postgres")
        cut_at = time.time()
        psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'piperun %s'" % a,
             "postgres")
        stopped = "piperun serve: Lab00: no longer run by this instance"
        while time.time() < cut_at + cluster.lease and stopped not in cluster.log("A"):
            time.sleep(0.1)
        self.assertIn("stopping every pipeline and reconnecting", cluster.log("A"))
        self.assertIn(stopped, cluster.log("A"))
        # B's own connection stays: it takes over once A's lease has expired.
        taken = "piperun serve: Lab00: now run by this instance"
        while time.time() < cut_at + cluster.lease + 4 and taken not in cluster.log("B"):
            time.sleep(0.1)
        self.assertIn(taken, cluster.log("B"))
        psql("ALTER DATABASE %s ALLOW_CONNECTIONS true" % cluster.database, "postgres")
        self.assertEqual(cluster.outcome("Lab00", "v1", 60), "deployed")
        self.assertHostsMatch(cluster, "Lab00", "v1")
        self.assertEqual(cluster.overlaps(), "")


class Chaos(Checks):
    PIPELINES = int(os.environ.get("PIPE_CHAOS_PIPELINES", "50"))
    KILLING_S = int(os.environ.get("PIPE_CHAOS_SECONDS", "60"))

    def test_three_instances_fifty_pipelines_and_kill_9_every_few_seconds(self):
        """Versions flow (queued mode: every version runs) while a random instance is killed every 4-7 s
        and restarted 2-4 s later; at the end every version is deployed as without kills, no two calls
        ever ran on one host at once, and the journal's hosts match what the deploy command did."""
        rng = random.Random(int(os.environ.get("PIPE_CHAOS_SEED", "16")))
        cluster = Cluster(self, self.PIPELINES, lease=3, deploy_sleep="0.2", mode="queued")
        for name in ("A", "B", "C"):
            cluster.start(name)
        versions = ["v1", "v2", "v3"]
        refused = []

        def flow(name):
            """One pipeline's versions, a few seconds apart, each sent to a random live instance until one takes it."""
            for version in versions:
                time.sleep(rng_flow.uniform(1, 8))
                deadline = time.time() + 120
                last = None
                while time.time() < deadline:
                    alive = cluster.alive()
                    if not alive:
                        time.sleep(0.2)
                        continue
                    fields = {"version": version}
                    if version == "v1":
                        fields["first_deploy"] = True
                    try:
                        status, body = cluster.call(random.choice(alive), "POST",
                                                    "/api/v1/pipelines/%s/versions" % name, fields)
                    except OSError as e:
                        last = str(e)
                        continue  # that instance was just killed
                    # 409: a submission whose answer was lost in a kill is already in flight.
                    if status == 202 or (status == 409 and "already in flight" in body.get("error", "")):
                        break
                    if status != 503:
                        refused.append((name, version, status, body))
                        return
                    last = (status, body)
                    time.sleep(0.2)
                else:
                    refused.append((name, version, "no instance took it within 120 s", last,
                                    psql("SELECT owner, epoch, expires_at > now() FROM leases WHERE pipeline = '%s'"
                                         % name, cluster.database)))
                    return

        rng_flow = random.Random(rng.random())
        flows = [threading.Thread(target=flow, args=(name,), daemon=True) for name in cluster.names]
        for thread in flows:
            thread.start()
        down = {}  # instance -> when to restart it
        started = time.time()
        next_kill = started + rng.uniform(4, 7)
        kills = 0
        while time.time() < started + self.KILLING_S:
            now = time.time()
            for name, at in list(down.items()):
                if now >= at:
                    cluster.start(name)
                    del down[name]
            if now >= next_kill and len(cluster.alive()) >= 2:
                victim = rng.choice(cluster.alive())
                cluster.kill9(victim)
                kills += 1
                down[victim] = now + rng.uniform(2, 4)
                next_kill = now + rng.uniform(4, 7)
            time.sleep(0.2)
        for name in list(down):
            cluster.start(name)
        for thread in flows:
            thread.join(130)
        self.assertEqual(refused, [])
        self.assertGreaterEqual(kills, self.KILLING_S // 8)
        for name in cluster.names:
            for version in versions:
                self.assertEqual(cluster.outcome(name, version, 150), "deployed", "%s %s" % (name, version))
        self.assertEqual(cluster.overlaps(), "")
        for name in cluster.names:
            self.assertHostsMatch(cluster, name, "v3")
        # Each version of a pipeline deployed once: one deployed event per (pipeline, version).
        for name in cluster.names:
            finals = [(e["version"], e["type"]) for e in cluster.events(name) if e["type"] in FINAL]
            self.assertEqual(sorted(finals), [(v, "deployed") for v in versions], name)


if __name__ == "__main__":
    PIPERUN = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
