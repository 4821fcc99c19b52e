#!/usr/bin/env python3
"""`piperun serve` with N lab pipelines in flight (issue 13; run it through
bench/serve.sh, figures in docs/performance.md "piperun serve, 1,000
pipelines").

  serve_bench.py PIPERUN TOOL DIR [--pipelines N] [--deadline S] [--json FILE]
                [--metrics prometheus|command] [--prom-server PROM]

In the scratch folder DIR: N lab plans (tests/service/lab_plans.py: gamma then
two waves, a one-box bake of 1 s and a stage bake of 2 s in each stage, so
five bakes followed by a step per version), TOOL installed as deploy.sh and
metric.sh (bench/serve_tool.c), a deployer token, then one `piperun serve` on
127.0.0.1:0. The metric every pipeline watches comes from one source they
all share: by default PROM (bench/serve_prom.c, a Prometheus stand-in on
127.0.0.1) through `--prometheus`, the lab query
`sum(bench_fault_rate{{scope}})`; with --metrics command, the command
./metric.sh (one process per scope and read, as before). Every pipeline gets version v1 (first_deploy) through the API;
the bench waits until every pipeline has an outcome (or the deadline) and
prints:

- lag from a bake's end to the next step's start, p50/p90/p99/max. A bake's
  end is its scheduled end: the bake_started event's `t` plus the bake's
  length (the engine counts whole seconds, so a bake can end no earlier than
  that whole second). The next step's start is the wall time, in
  nanoseconds, at which its deploy call began (written by TOOL). Event times
  are whole seconds, too coarse for a p99 under 1 s; the whole-second view
  (next step_started `t` minus bake_passed `t`) is printed as well.
- CPU of the service process (utime+stime) and of its children (the deploy
  and metric calls, cutime+cstime), both from /proc/PID/stat, and of PROM
  with the queries it answered; of the service's loop thread (named
  serve-loop), on which every pass of every pipeline runs, and of its metric
  read threads (metric-reads), from /proc/PID/task/TID/stat;
- peak memory: VmHWM from /proc/PID/status, read just before the service stops;
- fsync/fdatasync calls of the service (perf stat tracepoints, when perf can
  count them): with WAL and synchronous=FULL each SQLite commit is one;
- time from the first submission to the last pipeline's outcome, and the
  submissions' latency.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "service"))
import lab_plans  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The lab's metric read from the shared Prometheus stand-in: batched by the
# runtime into one query per run, scope kind and period.
QUERY = "sum(bench_fault_rate{{scope}})"


def percentile(values, p):
    """Nearest-rank percentile of `values` (p in 0..100); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def epoch(rfc3339):
    return int(datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def seconds_of(text):
    """`formatDuration`'s text ("2s", "1m30s") in seconds."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", text))


class Probe:
    """The service's CPU and memory, from /proc."""

    def __init__(self, pid):
        self.pid = pid

    def status(self):
        fields = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return fields

    def cpu(self):
        """(own, children) CPU seconds: utime+stime, cutime+cstime."""
        with open("/proc/%d/stat" % self.pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        utime, stime, cutime, cstime = (int(x) for x in rest[11:15])
        return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS

    def thread_cpu(self, name):
        """CPU seconds (utime+stime) of the service's threads named NAME."""
        total = 0
        for tid in os.listdir("/proc/%d/task" % self.pid):
            try:
                with open("/proc/%d/task/%s/comm" % (self.pid, tid)) as f:
                    if f.read().strip() != name:
                        continue
                with open("/proc/%d/task/%s/stat" % (self.pid, tid)) as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended meanwhile
            total += int(rest[11]) + int(rest[12])
        return total / CLOCK_TICKS


class Service:
    def __init__(self, piperun, folder, state, prometheus=None):
        self.piperun = piperun
        self.dir = folder
        made = subprocess.run([piperun, "token", "bench", "--roles", "deployer"], capture_output=True, text=True,
                              check=True, timeout=30)
        self.token = made.stdout.strip()
        with open(os.path.join(folder, "tokens"), "w") as out:
            out.write(made.stderr.strip() + "\n")
        self.err = open(os.path.join(folder, "serve.err"), "w")
        started = time.time()
        self.process = subprocess.Popen(
            [piperun, "serve", "--plans", "plans", "--listen", "127.0.0.1:0", "--state", state,
             "--tokens", "tokens"] + (["--prometheus", prometheus] if prometheus else []), cwd=folder, stdout=subprocess.DEVNULL, stderr=self.err)
        self.url = None
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("serve_bench: piperun serve ended at once:\n" + self.log())
            for line in self.log().splitlines():
                if line.startswith("piperun serve: listening on "):
                    self.url = line.split("listening on ")[1].strip()
            if self.url:
                self.start_s = time.time() - started
                return
            time.sleep(0.05)
        self.stop()
        raise SystemExit("serve_bench: piperun serve did not listen within 120 s:\n" + self.log())

    def log(self):
        with open(os.path.join(self.dir, "serve.err")) as f:
            return f.read()

    def call(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def events(self, pipeline):
        events, after = [], 0
        while True:
            status, body = self.call("GET", "/api/v1/pipelines/%s/log?after=%d&limit=1000" % (pipeline, after))
            if status != 200:
                raise SystemExit("serve_bench: log of %s: %d %s" % (pipeline, status, body))
            if not body["events"]:
                return events
            events += body["events"]
            after = events[-1]["id"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.err.close()


class PromServer:
    """bench/serve_prom.c on 127.0.0.1:0: its URL, CPU and queries answered."""

    def __init__(self, binary):
        self.process = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise SystemExit("serve_bench: %s did not start: %r" % (binary, line))
        self.url = "http://" + line.split("listening on ")[1].strip()

    def cpu(self):
        return Probe(self.process.pid).cpu()[0]

    def queries(self):
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as answer:
            return int(answer.read().split()[1])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def count_syncs(pid, out):
    """perf stat counting the service's fsync/fdatasync calls, or None when perf cannot."""
    perf = shutil.which("perf")
    if not perf:
        return None
    process = subprocess.Popen([perf, "stat", "-x", ",", "-o", out, "-e",
                                "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync", "-p", str(pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    if process.poll() is not None:
        return None
    return process


def read_syncs(process, out):
    if process is None:
        return None
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    total = 0
    try:
        with open(out) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) > 2 and parts[0].isdigit():
                    total += int(parts[0])
    except OSError:
        return None
    return total


def deploy_times(folder):
    """(step, version) -> wall time of the first deploy call of that step."""
    times = {}
    try:
        with open(os.path.join(folder, "deploy-times")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4 and parts[1] == "deploy":
                    times.setdefault((parts[2], parts[3]), float(parts[0]))
    except OSError:
        pass
    return times


def lags(events_by_pipeline, calls):
    """Per bake followed by a step of the same run: (lag in s from the bake's
    scheduled end to the next deploy call's start, or None when the next step
    is a bake, which starts no call; whole-second lag from bake_passed to the
    next step's start event; whole seconds bake_passed came after the
    scheduled end; whether the bake was extended, e.g. waiting for a datapoint)."""
    out = []
    missing = 0
    for events in events_by_pipeline.values():
        bakes = {}  # (run, step) -> scheduled end
        extended = set()  # (run, step) of bakes extended past their length
        pending = {}  # run -> bake_passed event waiting for its next step
        for e in events:
            run = e["run_id"]
            if e["type"] in ("step_started", "bake_started") and run in pending and pending[run]["step"] != e["step"]:
                passed = pending.pop(run)
                due = bakes.get((run, passed["step"]))
                wall = calls.get((e["step"], e["version"])) if e["type"] == "step_started" else None
                if due is None or (e["type"] == "step_started" and wall is None):
                    missing += 1
                    continue
                out.append((wall - due if wall is not None else None, epoch(e["t"]) - epoch(passed["t"]),
                            epoch(passed["t"]) - due, (run, passed["step"]) in extended))
            if e["type"] == "bake_started":
                match = re.match(r"baking (\S+)", e["message"])
                bakes[(run, e["step"])] = epoch(e["t"]) + seconds_of(match.group(1) if match else "")
            elif e["type"] == "bake_extended":
                extended.add((run, e["step"]))
            elif e["type"] == "bake_passed":
                pending[run] = e
            elif e["type"] in ("deployed", "rolled_back", "failed", "superseded"):
                pending.pop(run, None)
    return out, missing


def most_in_flight(events_by_pipeline):
    """The most versions in flight at once, counted per whole second from
    run_started to the version's outcome."""
    delta = {}
    for events in events_by_pipeline.values():
        started = {}
        for e in events:
            if e["type"] == "run_started":
                started[e["run_id"]] = epoch(e["t"])
            elif e["type"] in ("deployed", "rolled_back", "failed", "superseded") and e["run_id"] in started:
                begin, end = started.pop(e["run_id"]), epoch(e["t"]) + 1
                delta[begin] = delta.get(begin, 0) + 1
                delta[end] = delta.get(end, 0) - 1
    most = now = 0
    for t in sorted(delta):
        now += delta[t]
        most = max(most, now)
    return most


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("piperun")
    parser.add_argument("tool")
    parser.add_argument("dir")
    parser.add_argument("--pipelines", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=900, help="seconds to wait for every outcome")
    parser.add_argument("--submitters", type=int, default=8, help="submissions at once")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--metrics", choices=("prometheus", "command"), default="prometheus",
                        help="the shared source: PROM through --prometheus (default), or the command ./metric.sh")
    parser.add_argument("--prom-server", help="bench/serve_prom.c built (needed for --metrics prometheus)")
    parser.add_argument("--state", help="the state DB's path (default: in DIR); a tmpfs path such as /dev/shm/x.db "
                        "shows what is left when commits cost no fsync (a diagnosis, never a setup)")
    args = parser.parse_args()
    # A TERM (bench/serve.sh forwards Ctrl-C as one) unwinds, so the service is stopped.
    def stopped(*_):
        print("serve_bench: stopped by a signal; stopping the service", file=sys.stderr)
        sys.exit(143)

    signal.signal(signal.SIGTERM, stopped)
    if args.pipelines < 1:
        parser.error("--pipelines must be at least 1")
    if args.metrics == "prometheus" and not args.prom_server:
        parser.error("--metrics prometheus needs --prom-server (bench/serve.sh builds it)")

    folder = args.dir
    plans = os.path.join(folder, "plans")
    os.makedirs(plans, exist_ok=True)
    names = ["Lab%04d" % i for i in range(args.pipelines)]
    for i, name in enumerate(names):
        lab_plans.write(plans, name, "l%04d" % i,
                        prometheus_query=QUERY if args.metrics == "prometheus" else None)
    for as_name in ("deploy.sh", "metric.sh"):
        shutil.copy(args.tool, os.path.join(folder, as_name))

    state = os.path.abspath(args.state) if args.state else os.path.join(folder, "state", "service.db")
    if os.path.exists(state):
        parser.error("--state %s exists already: the bench needs a fresh store" % state)
    prom = PromServer(args.prom_server) if args.metrics == "prometheus" else None
    try:
        service = Service(args.piperun, folder, state, prom and prom.url)
    except BaseException:
        if prom:
            prom.stop()
        raise
    pid = service.process.pid
    probe = Probe(pid)
    perf_out = os.path.join(folder, "perf.txt")
    syncs = count_syncs(pid, perf_out)
    cpu0 = probe.cpu()
    loop0, reads0 = probe.thread_cpu("serve-loop"), probe.thread_cpu("metric-reads")
    prom0 = (prom.cpu(), prom.queries()) if prom else None
    figures = {"pipelines": args.pipelines, "metrics": args.metrics, "start_s": round(service.start_s, 2),
               "load_average": os.getloadavg()[0]}
    try:
        # Submit v1 to every pipeline, `submitters` at a time.
        first = time.time()
        latencies = []

        def submit(name):
            t = time.time()
            status, body = service.call("POST", "/api/v1/pipelines/%s/versions" % name,
                                        {"version": "v1", "first_deploy": True, "reason": "bench"})
            latencies.append(time.time() - t)
            if status != 202:
                raise SystemExit("serve_bench: submit %s: %d %s" % (name, status, body))

        with concurrent.futures.ThreadPoolExecutor(args.submitters) as pool:
            list(pool.map(submit, names))
        submitted = time.time()
        # Wait until every pipeline has an outcome for v1.
        outcomes = {}
        deadline = first + args.deadline
        while time.time() < deadline:
            status, body = service.call("GET", "/api/v1/pipelines", timeout=60)
            if status == 200:
                outcomes = {p["name"]: (p["last_outcome"] or {}).get("status") for p in body["pipelines"]
                            if not p["versions"] and p["last_outcome"]}
                if len(outcomes) >= args.pipelines:
                    break
            if service.process.poll() is not None:
                raise SystemExit("serve_bench: piperun serve ended:\n" + service.log()[-4000:])
            time.sleep(2)
        done = time.time()
        cpu1 = probe.cpu()
        loop1, reads1 = probe.thread_cpu("serve-loop"), probe.thread_cpu("metric-reads")
        prom1 = (prom.cpu(), prom.queries()) if prom else None
        figures["load_average_end"] = os.getloadavg()[0]
        peak_kb = int(probe.status()["VmHWM"].split()[0])
        fsyncs = read_syncs(syncs, perf_out)
        syncs = None
        events = {name: service.events(name) for name in names}
    finally:
        if syncs is not None:
            read_syncs(syncs, perf_out)
        service.stop()
        if prom:
            prom.stop()
        if args.state:
            for suffix in ("", "-wal", "-shm", ".lock"):
                if os.path.exists(state + suffix):
                    os.remove(state + suffix)

    calls = deploy_times(folder)
    measured, missing = lags(events, calls)
    wall = [m[0] for m in measured if m[0] is not None]
    on_time = [m[0] for m in measured if m[0] is not None and not m[3]]
    whole = [m[1] for m in measured]
    late = [m[2] for m in measured]
    # Each version's time from run_started to its outcome (whole seconds; about 10 s unloaded).
    durations = []
    for es in events.values():
        begin = [epoch(e["t"]) for e in es if e["type"] == "run_started"]
        end = [epoch(e["t"]) for e in es if e["type"] in ("deployed", "rolled_back", "failed", "superseded")]
        if begin and end:
            durations.append(end[-1] - begin[0])
    extended = sum(1 for es in events.values() for e in es if e["type"] == "bake_extended")
    counts = {}
    for status in outcomes.values():
        counts[status] = counts.get(status, 0) + 1
    elapsed = done - first
    figures.update({
        "outcomes": counts,
        "without_outcome": args.pipelines - len(outcomes),
        "submit_s": round(submitted - first, 2),
        "submit_latency_p50_ms": round(1000 * percentile(latencies, 50), 1),
        "submit_latency_p99_ms": round(1000 * percentile(latencies, 99), 1),
        "all_outcomes_s": round(elapsed, 1),
        "most_in_flight": most_in_flight(events),
        "version_s_p50": percentile(durations, 50),
        "version_s_p99": percentile(durations, 99),
        "bakes_followed_by_a_step": len(measured),
        "bakes_followed_by_a_deploy": len(wall),
        "bakes_unmatched": missing,
        "bakes_extended": extended,
        "lag_p50_s": percentile(wall, 50) and round(percentile(wall, 50), 3),
        "lag_p90_s": percentile(wall, 90) and round(percentile(wall, 90), 3),
        "lag_p99_s": percentile(wall, 99) and round(percentile(wall, 99), 3),
        "lag_max_s": wall and round(max(wall), 3),
        "lag_unextended_bakes": len(on_time),
        "lag_unextended_p50_s": percentile(on_time, 50) and round(percentile(on_time, 50), 3),
        "lag_unextended_p99_s": percentile(on_time, 99) and round(percentile(on_time, 99), 3),
        "lag_whole_seconds": {str(k): whole.count(k) for k in sorted(set(whole))},
        "bake_passed_late_whole_seconds": {str(k): late.count(k) for k in sorted(set(late))},
        "cpu_service_s": round(cpu1[0] - cpu0[0], 1),
        "cpu_children_s": round(cpu1[1] - cpu0[1], 1),
        "cpu_loop_thread_s": round(loop1 - loop0, 2),
        "cpu_read_threads_s": round(reads1 - reads0, 2),
        "cpu_service_share": round((cpu1[0] - cpu0[0]) / elapsed, 2),
        "cpu_metric_source_s": prom1 and round(prom1[0] - prom0[0], 1),
        "metric_queries": prom1 and prom1[1] - prom0[1],
        "metric_queries_per_s": prom1 and round((prom1[1] - prom0[1]) / elapsed, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "deploy_calls": len(calls),
        "fsyncs": fsyncs,
        "fsyncs_per_s": fsyncs and round(fsyncs / elapsed, 1),
    })
    for key, value in figures.items():
        print("%-32s %s" % (key, value))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
            out.write("\n")
    return 0 if not figures["without_outcome"] and counts.get("deployed") == args.pipelines else 1


if __name__ == "__main__":
    sys.exit(main())
