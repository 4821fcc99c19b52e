#!/usr/bin/env python3
"""Prometheus queries per period and engine CPU of `piperun serve` while N
pipelines bake (issue 14, "One Prometheus query per metric per period";
figures in docs/performance.md "Prometheus queries per period").

  promql_bench.py PIPERUN DIR [--pipelines N] [--zones Z] [--window S] [--per-scope]

In the scratch folder DIR: a real Prometheus (Debian's `prometheus`) on
127.0.0.1 scraping a static exposition with a series per host of every
pipeline, N plans of one wave (one region of Z zones of one host, a one-box,
then a wave bake of an hour, so every pipeline ends up watching its one-box
host, Z zones and its region), one `prometheus(...)` metric read every
PERIOD (10 s) by two conditions, and one `piperun serve --prometheus`.
Every pipeline gets v1; once every one is in its wave bake (or the settle
deadline passes) the bench measures, over the window, the queries Prometheus
answered (its own prometheus_http_requests_total for /api/v1/query) and the
service's CPU (utime+stime from /proc), and prints them per period.
--per-scope sets PIPERUN_PROMETHEUS_PER_SCOPE=1: one query per scope and
condition, as before batching.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "runtime", "plans"))
import generate  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PERIOD_S = 10
QUERY = "sum(demo_errors_total{{scope}}) / sum(demo_requests_total{{scope}})"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan(name, tag, zones):
    zone_ids = ["%s-z%d" % (tag, k) for k in range(1, zones + 1)]
    topology = {"name": "bench", "regions": [generate.region(tag + "-r", 1.0, zone_ids, 1)]}
    metrics = {"fault_rate": {"source": "prometheus", "query": QUERY, "unit": "percent"}}
    alarms = {"high_faults": generate.cond("fault_rate", ">", 0.05, 2, 3, PERIOD_S),
              "some_faults": generate.cond("fault_rate", ">", 0.01, 3, 3, PERIOD_S)}
    rollback_on = {"op": "or", "args": [generate.ref("high_faults"), generate.ref("some_faults")]}
    deploy = {"run": "/bin/true", "rollback": "/bin/true", "timeout_s": 30, "expected_s": 1, "rollback_time_s": 1,
              "rollback_batch": 1.0}
    return generate.build(name, topology, [], [([tag + "-r"], 3600, 0, None)], 1.0, deploy, metrics, alarms,
                          rollback_on, [], None, None, {"traffic": 0.2, "bake_s": 1}), zone_ids


def exposition(layouts):
    lines = ["# TYPE demo_requests_total counter", "# TYPE demo_errors_total counter"]
    for tag, zone_ids in layouts:
        for zone in zone_ids:
            labels = 'region="%s-r",zone="%s",host="%s-h1"' % (tag, zone, zone)
            lines.append("demo_requests_total{%s} 100" % labels)
            lines.append("demo_errors_total{%s} 0" % labels)
    return "\n".join(lines) + "\n"


def get(url, timeout=30, token=None, method="GET", body=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def queries_served(prometheus):
    status, text = get(prometheus + "/metrics")
    if status != 200:
        raise SystemExit("promql_bench: prometheus /metrics answered %d" % status)
    return sum(int(float(n)) for n in
               re.findall(r'prometheus_http_requests_total\{[^}]*handler="/api/v1/query"[^}]*\} (\S+)', text))


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLOCK_TICKS


def stop(process):
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("piperun")
    parser.add_argument("dir")
    parser.add_argument("--pipelines", type=int, default=100)
    parser.add_argument("--zones", type=int, default=4)
    parser.add_argument("--window", type=float, default=60, help="seconds measured once every pipeline bakes")
    parser.add_argument("--settle", type=float, default=600, help="seconds to wait for every pipeline to bake")
    parser.add_argument("--per-scope", action="store_true", help="PIPERUN_PROMETHEUS_PER_SCOPE=1 (before batching)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("prometheus") is None:
        raise SystemExit("promql_bench: prometheus is not installed (scripts/setup.sh installs it)")

    folder = args.dir
    os.makedirs(os.path.join(folder, "plans"), exist_ok=True)
    os.makedirs(os.path.join(folder, "site"), exist_ok=True)
    names, layouts = [], []
    for i in range(args.pipelines):
        name, tag = "Bench%04d" % i, "p%04d" % i
        document, zone_ids = plan(name, tag, args.zones)
        with open(os.path.join(folder, "plans", name + ".plan.json"), "w") as out:
            json.dump(document, out, indent=2)
        names.append(name)
        layouts.append((tag, zone_ids))
    with open(os.path.join(folder, "site", "metrics"), "w") as out:
        out.write(exposition(layouts))

    processes = []
    try:
        site_port, prom_port = free_port(), free_port()
        processes.append(subprocess.Popen([sys.executable, "-m", "http.server", str(site_port), "--bind",
                                           "127.0.0.1"], cwd=os.path.join(folder, "site"),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with open(os.path.join(folder, "prometheus.yml"), "w") as out:
            out.write("global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: demo\n"
                      "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % site_port)
        prometheus = "http://127.0.0.1:%d" % prom_port
        processes.append(subprocess.Popen(
            ["prometheus", "--config.file=prometheus.yml", "--web.listen-address=127.0.0.1:%d" % prom_port,
             "--storage.tsdb.path=data"], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, text = get(prometheus + "/api/v1/query?query=count(demo_requests_total)", timeout=5)
                if status == 200 and '"value"' in text:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("promql_bench: prometheus did not scrape the exposition in 60 s")

        made = subprocess.run([args.piperun, "token", "bench", "--roles", "deployer"], capture_output=True,
                              text=True, check=True, timeout=30)
        token = made.stdout.strip()
        with open(os.path.join(folder, "tokens"), "w") as out:
            out.write(made.stderr.strip() + "\n")
        env = dict(os.environ)
        env.pop("PIPERUN_PROMETHEUS_PER_SCOPE", None)
        if args.per_scope:
            env["PIPERUN_PROMETHEUS_PER_SCOPE"] = "1"
        err = open(os.path.join(folder, "serve.err"), "w")
        serve = subprocess.Popen([args.piperun, "serve", "--plans", "plans", "--listen", "127.0.0.1:0", "--state",
                                  "state/service.db", "--tokens", "tokens", "--prometheus", prometheus],
                                 cwd=folder, stdout=subprocess.DEVNULL, stderr=err, env=env)
        processes.append(serve)
        url = None
        deadline = time.time() + 120
        while time.time() < deadline and not url:
            with open(os.path.join(folder, "serve.err")) as f:
                for line in f:
                    if line.startswith("piperun serve: listening on "):
                        url = line.split("listening on ")[1].strip()
            if serve.poll() is not None:
                raise SystemExit("promql_bench: piperun serve ended at once")
            time.sleep(0.05)
        if not url:
            raise SystemExit("promql_bench: piperun serve did not listen within 120 s")

        for name in names:
            status, text = get(url + "/api/v1/pipelines/%s/versions" % name, token=token, method="POST",
                               body={"version": "v1", "first_deploy": True, "reason": "bench"})
            if status != 202:
                raise SystemExit("promql_bench: submit %s: %d %s" % (name, status, text))
        # Every pipeline in its wave bake: its last event is that bake's start.
        baking, deadline = 0, time.time() + args.settle
        while time.time() < deadline:
            baking = 0
            for name in names:
                status, text = get(url + "/api/v1/pipelines/%s/log?after=0&limit=1000" % name, token=token)
                if status == 200 and any(e["type"] == "bake_started" and e["step"] == "wave1/bake"
                                         for e in json.loads(text)["events"]):
                    baking += 1
            if baking == len(names):
                break
            time.sleep(5)
        time.sleep(PERIOD_S)  # the bake's first reads are behind us
        q0, c0, t0 = queries_served(prometheus), cpu(serve.pid), time.time()
        time.sleep(args.window)
        q1, c1, t1 = queries_served(prometheus), cpu(serve.pid), time.time()
        periods = (t1 - t0) / PERIOD_S
        figures = {
            "mode": "per-scope" if args.per_scope else "batched", "pipelines": args.pipelines,
            "zones": args.zones, "baking": baking, "window_s": round(t1 - t0, 1),
            "queries_per_period": round((q1 - q0) / periods, 1),
            "queries_per_pipeline_per_period": round((q1 - q0) / periods / args.pipelines, 2),
            "serve_cpu_s_per_period": round((c1 - c0) / periods, 3),
            "serve_cpu_percent": round(100 * (c1 - c0) / (t1 - t0), 1),
        }
        print(json.dumps(figures))
        if args.json:
            with open(args.json, "w") as out:
                json.dump(figures, out)
        return 0 if baking == len(names) else 1
    finally:
        for process in reversed(processes):
            stop(process)


if __name__ == "__main__":
    sys.exit(main())
