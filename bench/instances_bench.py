#!/usr/bin/env python3
"""Several `piperun serve` instances on one PostgreSQL (issue 16; figures in
docs/performance.md "Several instances on PostgreSQL"). Run it under
tests/service/with_postgres.sh (a throw-away PostgreSQL 15 on 127.0.0.1):

  with_postgres.sh bench/instances_bench.py PIPERUN [--pipelines N] [--lease S] [--kills K] [--json FILE]

1. Transitions per second: N lab pipelines (tests/service/lab_plans.py,
   deploys through tests/service/fixtures/deploy_spans.sh with a 0.2 s call),
   v1 submitted to each, until every one has an outcome, on the SQLite store
   (one instance), on PostgreSQL with one instance and with three. A
   transition is one journalled event; the figure is events / (last outcome -
   first submission).
2. Failover, PostgreSQL: three instances, lease S, versions flowing (queued);
   K times, kill -9 a random instance that runs something in flight, and for
   each of its pipelines with a run in flight, time from the kill to the
   first event another instance journals for that pipeline (it resumed);
   the victim is restarted 2 s later. p50/p99/max.
3. Failover, SQLite (the same K kills): one instance, restarted at once by
   the bench as a supervisor would; time from the kill to the first event
   after it.
Not a test, not in ctest. Every process it starts is stopped on exit.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "service"))
import instances_test  # noqa: E402


class Scope:
    """What unittest's addCleanup gives instances_test.Cluster, outside a test."""

    def __init__(self):
        self.cleanups = []

    def addCleanup(self, fn, *args):
        self.cleanups.append((fn, args))

    def close(self):
        for fn, args in reversed(self.cleanups):
            fn(*args)


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def events_total(cluster, sqlite_path=None):
    if sqlite_path:
        import sqlite3
        with sqlite3.connect(sqlite_path) as db:
            return db.execute("SELECT count(*) FROM events").fetchone()[0]
    return int(instances_test.psql("SELECT count(*) FROM events", cluster.database))


def last_event_ids(cluster, sqlite_path=None):
    sql = "SELECT r.pipeline, max(e.id) FROM events e JOIN runs r ON r.id = e.run_id GROUP BY r.pipeline"
    if sqlite_path:
        import sqlite3
        with sqlite3.connect(sqlite_path) as db:
            return {p: i for p, i in db.execute(sql).fetchall()}
    rows = instances_test.psql(sql, cluster.database)
    return {line.split("|")[0]: int(line.split("|")[1]) for line in rows.splitlines() if line}


def in_flight(cluster, owner=None, sqlite_path=None):
    sql = "SELECT DISTINCT pipeline FROM runs WHERE status IN ('queued', 'running', 'rolling_back')"
    if sqlite_path:
        import sqlite3
        with sqlite3.connect(sqlite_path) as db:
            return {row[0] for row in db.execute(sql).fetchall()}
    if owner:
        sql += " AND pipeline IN (SELECT pipeline FROM leases WHERE owner = '%s')" % owner
    return set(instances_test.psql(sql, cluster.database).splitlines())


def patch_sqlite(cluster):
    """Starts the instances of `cluster` on the SQLite store (--state) instead of PostgreSQL."""
    original = instances_test.subprocess.Popen

    def popen(args, **kwargs):
        if "--store" in args:
            i = args.index("--store")
            args = args[:i] + ["--state", "state/service.db"] + args[i + 4:]  # --store URL --lease-seconds S
        return original(args, **kwargs)
    instances_test.subprocess.Popen = popen
    return lambda: setattr(instances_test.subprocess, "Popen", original)


def throughput(kind, pipelines, instances, lease):
    scope = Scope()
    try:
        cluster = instances_test.Cluster(scope, pipelines, lease=lease, deploy_sleep="0.2")
        restore = patch_sqlite(cluster) if kind == "sqlite" else (lambda: None)
        try:
            for name in "ABC"[:instances]:
                cluster.start(name)
        finally:
            restore()
        sqlite_path = os.path.join(cluster.dir, "state", "service.db") if kind == "sqlite" else None
        started = time.time()
        for name in cluster.names:
            cluster.submit(name, "v1", first_deploy=True)
        for name in cluster.names:
            cluster.outcome(name, "v1", 300)
        took = time.time() - started
        count = events_total(cluster, sqlite_path)
        return {"store": kind, "instances": instances, "pipelines": pipelines, "events": count,
                "seconds": round(took, 1), "transitions_per_s": round(count / took, 1)}
    finally:
        scope.close()


def failover(kind, pipelines, lease, kills, rng):
    scope = Scope()
    times = []
    try:
        cluster = instances_test.Cluster(scope, pipelines, lease=lease, deploy_sleep="0.2", mode="queued")
        names = ["A"] if kind == "sqlite" else ["A", "B", "C"]
        restore = patch_sqlite(cluster) if kind == "sqlite" else (lambda: None)
        sqlite_path = os.path.join(cluster.dir, "state", "service.db") if kind == "sqlite" else None
        try:
            for name in names:
                cluster.start(name)
            version = 0
            for _ in range(kills):
                version += 1
                for name in cluster.names:
                    cluster.submit(name, "v%d" % version, accept_409=True,
                                   **({"first_deploy": True} if version == 1 else {}))
                time.sleep(rng.uniform(2, 4))
                victim = rng.choice(cluster.alive())
                flying = in_flight(cluster, None if kind == "sqlite" else cluster.instance_id(victim), sqlite_path)
                before = last_event_ids(cluster, sqlite_path)
                killed = time.time()
                cluster.kill9(victim)
                if kind == "sqlite":
                    cluster.start(victim)  # a supervisor's immediate restart
                waiting = set(flying)
                while waiting and time.time() < killed + 60:
                    now_ids = last_event_ids(cluster, sqlite_path)
                    for p in list(waiting):
                        if now_ids.get(p, 0) > before.get(p, 0):
                            times.append(time.time() - killed)
                            waiting.discard(p)
                    time.sleep(0.05)
                times += [60.0] * len(waiting)
                if kind != "sqlite":
                    time.sleep(2)
                    cluster.start(victim)
        finally:
            restore()
        return {"store": kind, "lease_s": lease if kind != "sqlite" else None, "kills": kills,
                "resumed_pipelines": len(times), "p50_s": round(percentile(times, 50) or 0, 2),
                "p99_s": round(percentile(times, 99) or 0, 2), "max_s": round(max(times or [0]), 2)}
    finally:
        scope.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("piperun")
    parser.add_argument("--pipelines", type=int, default=30)
    parser.add_argument("--lease", type=int, default=5)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--json")
    args = parser.parse_args()
    instances_test.PIPERUN = os.path.abspath(args.piperun)
    rng = random.Random(16)
    results = {"throughput": [], "failover": []}
    for kind, count in (("sqlite", 1), ("postgresql", 1), ("postgresql", 3)):
        results["throughput"].append(throughput(kind, args.pipelines, count, args.lease))
        print(json.dumps(results["throughput"][-1]), flush=True)
    for kind in ("postgresql", "sqlite"):
        results["failover"].append(failover(kind, args.pipelines, args.lease, args.kills, rng))
        print(json.dumps(results["failover"][-1]), flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
