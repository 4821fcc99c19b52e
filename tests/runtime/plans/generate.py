#!/usr/bin/env python3
"""Writes the runtime's hand-made plan fixtures (docs/plan-format.md) and signs
them with the plan digest. Stand-in for `pipec plan` until the compiler emits
plans; rerun after editing: python3 tests/runtime/plans/generate.py"""
import hashlib
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def canonical(value):
    """The digest's canonical bytes: what llvm::json prints (sorted keys, %.17g)."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + canonical(value[k]) for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "%.17g" % value
    return json.dumps(value, ensure_ascii=False)


def sign(plan):
    plan["digest"] = ""
    plan["digest"] = "sha256:" + hashlib.sha256(canonical(plan).encode()).hexdigest()
    return plan


def hosts(zone, count):
    width = len(str(count))
    return ["%s-h%0*d" % (zone, width, i) for i in range(1, count + 1)]


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def step(id, stage, type, region=None, zone=None, hosts=None, traffic=None, bake_s=None, after=None, **extra):
    s = {"id": id, "stage": stage, "type": type, "region": region, "zone": zone, "hosts": hosts or [],
         "traffic": traffic, "bake_s": bake_s, "after": after or []}
    s.update(extra)
    return s


def build(name, topology, preprod, waves, batch, deploy, metrics, alarms, rollback_on, block_on, windows,
          emergency, onebox):
    """preprod: [(stage, region, zone, host_count, onebox_bake, bake, tests)];
    waves: [(regions, bake, zone_bake, min_traffic)]"""
    regions = {r["id"]: r for r in topology["regions"]}
    stages, steps = [], []
    last = []
    for stage_id, region, zone, count, onebox_bake, bake, tests in preprod:
        stages.append({"id": stage_id, "kind": "preprod", "regions": [region], "bake_s": bake, "min_traffic": None,
                       "tests": [{"name": t, "run": run, "timeout_s": timeout} for t, run, timeout in tests]})
        names = hosts(zone, count)
        ob = "%s/%s/onebox" % (stage_id, region)
        steps.append(step(ob, stage_id, "onebox", region, zone, names[:1], onebox["traffic"], onebox_bake, last))
        prev = ob
        for k, group in enumerate(chunks(names[1:], max(1, math.floor(count * batch))), 1):
            sid = "%s/%s/%s/b%d" % (stage_id, region, zone, k)
            steps.append(step(sid, stage_id, "batch", region, zone, group, None, None, [prev]))
            prev = sid
        for t, run, timeout in tests:
            sid = "%s/test/%s" % (stage_id, t)
            steps.append(step(sid, stage_id, "test", None, None, [], None, None, [prev], run=run, timeout_s=timeout))
            prev = sid
        steps.append(step(stage_id + "/bake", stage_id, "bake", None, None, [], None, bake, [prev]))
        last = [stage_id + "/bake"]
    for n, (wave_regions, bake, zone_bake, min_traffic) in enumerate(waves, 1):
        sid_stage = "wave%d" % n
        stages.append({"id": sid_stage, "kind": "wave", "regions": wave_regions, "bake_s": bake,
                       "min_traffic": min_traffic, "tests": []})
        ends = []
        for region in wave_regions:
            zones = regions[region]["zones"]
            ob = "%s/%s/onebox" % (sid_stage, region)
            first = hosts(zones[0]["id"], zones[0]["hosts"])
            steps.append(step(ob, sid_stage, "onebox", region, zones[0]["id"], first[:1], onebox["traffic"],
                              onebox["bake_s"], last))
            prev = ob
            for zi, zone in enumerate(zones):
                names = hosts(zone["id"], zone["hosts"])
                rest = names[1:] if zi == 0 else names
                for k, group in enumerate(chunks(rest, max(1, math.floor(zone["hosts"] * batch))), 1):
                    sid = "%s/%s/%s/b%d" % (sid_stage, region, zone["id"], k)
                    steps.append(step(sid, sid_stage, "batch", region, zone["id"], group, None, None, [prev]))
                    prev = sid
                if zone_bake:
                    sid = "%s/%s/%s/bake" % (sid_stage, region, zone["id"])
                    steps.append(step(sid, sid_stage, "bake", region, zone["id"], [], None, zone_bake, [prev]))
                    prev = sid
            ends.append(prev)
        steps.append(step(sid_stage + "/bake", sid_stage, "bake", None, None, [], None, bake, ends))
        last = [sid_stage + "/bake"]
    plan = {
        "schema": "pipe.plan/v1", "digest": "", "pipeline": name, "artifact": name.lower(), "kind": "code",
        "policy": "strict", "topology": topology, "prometheus_url": None, "deploy": deploy, "metrics": metrics,
        "alarms": alarms, "rollback_on": rollback_on, "block_on": block_on, "windows": windows,
        "emergency": emergency, "stages": stages, "steps": steps,
        "analysis": {"time_to_global_s": 0, "time_to_global_business_days": 0.0, "detection_s": 0, "rollback_s": 0,
                     "worst_recovery_s": 0, "max_exposure_before_wave2": 0.0, "exposure": [], "schedule": []},
    }
    return sign(plan)


def region(id, traffic, zones, count):
    return {"id": id, "traffic": traffic, "zones": [{"id": z, "hosts": count} for z in zones]}


def cond(metric, cmp, value, m, n, period):
    return {"op": "cond", "metric": metric, "cmp": cmp, "value": value, "m": m, "n": n, "period_s": period}


def ref(name):
    return {"op": "ref", "alarm": name}


def global_plan():
    """Five prod waves over fifteen regions, like the project's StandardService template."""
    topology = {"name": "aws", "regions": [
        region("us-west-1", 0.02, ["usw1-az1", "usw1-az3"], 10),
        region("us-east-1", 0.30, ["use1-az1", "use1-az2", "use1-az4"], 20),
        region("eu-west-1", 0.12, ["euw1-az1", "euw1-az2", "euw1-az3"], 10),
        region("ap-northeast-1", 0.08, ["apne1-az1", "apne1-az2", "apne1-az4"], 10),
        region("us-east-2", 0.06, ["use2-az1", "use2-az2", "use2-az3"], 10),
        region("us-west-2", 0.10, ["usw2-az1", "usw2-az2", "usw2-az3"], 10),
        region("eu-central-1", 0.08, ["euc1-az1", "euc1-az2", "euc1-az3"], 10),
        region("ap-southeast-1", 0.05, ["apse1-az1", "apse1-az2", "apse1-az3"], 10),
        region("ap-southeast-2", 0.04, ["apse2-az1", "apse2-az2", "apse2-az3"], 10),
        region("eu-west-2", 0.03, ["euw2-az1", "euw2-az2", "euw2-az3"], 10),
        region("ca-central-1", 0.03, ["cac1-az1", "cac1-az2"], 10),
        region("sa-east-1", 0.03, ["sae1-az1", "sae1-az2", "sae1-az3"], 10),
        region("ap-south-1", 0.03, ["aps1-az1", "aps1-az2", "aps1-az3"], 10),
        region("eu-north-1", 0.02, ["eun1-az1", "eun1-az2", "eun1-az3"], 10),
        region("ap-northeast-2", 0.01, ["apne2-az1", "apne2-az2"], 10),
    ]}
    traffic = {"metric": "requests", "cmp": ">=", "value": 50000}
    waves = [
        (["us-west-1"], 43200, 3600, traffic),
        (["us-east-1"], 14400, 0, traffic),
        (["eu-west-1", "ap-northeast-1", "us-east-2"], 7200, 0, traffic),
        (["us-west-2", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "eu-west-2"], 7200, 0, traffic),
        (["ca-central-1", "sa-east-1", "ap-south-1", "eu-north-1", "ap-northeast-2"], 7200, 0, traffic),
    ]
    metrics = {
        "fault_rate": {"source": "prometheus", "query": "sum(rate(http_requests_total{code=~\"5..\",{scope}}[1m])) / sum(rate(http_requests_total{{scope}}[1m]))", "unit": "percent"},
        "latency_p99": {"source": "prometheus", "query": "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{scope}}[1m])))", "unit": "duration"},
        "requests": {"source": "prometheus", "query": "sum(increase(http_requests_total{{scope}}[1m]))", "unit": "count"},
    }
    alarms = {
        "high_faults": cond("fault_rate", ">", 0.01, 3, 5, 60),
        "high_p99": cond("latency_p99", ">", 0.5, 3, 5, 60),
        "no_traffic": cond("requests", "<", 1, 3, 3, 60),
        "high_severity": {"op": "or", "args": [ref("high_faults"), ref("high_p99"), ref("no_traffic")]},
        "org_event": {"op": "external", "name": "org/large-scale-event"},
    }
    windows = {"timezone": "America/Los_Angeles",
               "allow": [{"name": "core", "days": ["mon", "tue", "wed", "thu"], "hours": {"from": "09:00", "to": "16:00"}, "dates": None},
                         {"name": "fri", "days": ["fri"], "hours": {"from": "09:00", "to": "12:00"}, "dates": None}],
               "deny": [{"name": "xmas", "days": None, "hours": None, "dates": [{"from": "2026-12-24", "to": "2027-01-02"}]}],
               "off_hours_bake": 2.0}
    deploy = {"run": "scripts/deploy.sh", "rollback": "scripts/deploy.sh", "timeout_s": 600, "expected_s": 300,
              "rollback_time_s": 120, "rollback_batch": 0.33}
    return build("OrderService", topology, [("gamma", "us-west-2", "usw2-az1", 3, 1800, 3600, [])], waves, 0.33,
                 deploy, metrics, alarms, ref("high_severity"), ["high_severity", "org_event"], windows,
                 {"approvers": ["principal-engineers"], "bake": 0.25, "min_bake_s": 900},
                 {"traffic": 0.1, "bake_s": 3600})


def crash_plan():
    """Two waves of exec deploys with second-long bakes, for kill -9 tests."""
    topology = {"name": "lab", "regions": [region("lab-east", 0.6, ["le-a", "le-b"], 3),
                                           region("lab-west", 0.4, ["lw-a"], 3)]}
    waves = [(["lab-east"], 3, 0, None), (["lab-west"], 1, 0, None)]
    metrics = {"fault_rate": {"source": "command", "query": "./metric.sh fault_rate", "unit": "percent"}}
    alarms = {"high_faults": cond("fault_rate", ">", 0.01, 2, 3, 1)}
    deploy = {"run": "./deploy.sh", "rollback": "./deploy.sh", "timeout_s": 3, "expected_s": 1,
              "rollback_time_s": 1, "rollback_batch": 0.34}
    return build("CrashLab", topology, [], waves, 0.34, deploy, metrics, alarms, ref("high_faults"), [], None,
                 None, {"traffic": 0.2, "bake_s": 1})


def quiet_plan():
    """The global plan without its no_traffic alarm (it watches faults and
    latency only): zero traffic then holds a wave's bake on min_traffic forever."""
    plan = global_plan()
    plan["pipeline"] = "QuietService"
    del plan["alarms"]["no_traffic"]
    plan["alarms"]["high_severity"]["args"] = [ref("high_faults"), ref("high_p99")]
    return sign(plan)


def prometheus_plan():
    """The crash lab with its fault rate from Prometheus (--prometheus URL): for
    answers that are not data (non-200, hanging, slow) from a loopback server."""
    plan = crash_plan()
    plan["pipeline"] = "PromLab"
    plan["metrics"] = {"fault_rate": {"source": "prometheus", "query": "fault_rate{{scope}}", "unit": "percent"}}
    return sign(plan)


def approval_plan():
    """The crash lab with an approval step before wave2: for what status says while it waits."""
    plan = crash_plan()
    plan["pipeline"] = "ApprovalLab"
    steps = plan["steps"]
    at = next(i for i, s in enumerate(steps) if s["stage"] == "wave2")
    steps.insert(at, step("wave2/approval", "wave2", "approval", after=steps[at]["after"]))
    steps[at + 1]["after"] = ["wave2/approval"]
    return sign(plan)


def gated_plan():
    """The crash lab behind gates: a window that never opens, an external blocker,
    an emergency block: for override, approve and rollback through the CLI."""
    topology = {"name": "lab", "regions": [region("lab-east", 1.0, ["le-a"], 3)]}
    waves = [(["lab-east"], 1, 0, None)]
    metrics = {"fault_rate": {"source": "command", "query": "./metric.sh fault_rate", "unit": "percent"}}
    alarms = {"high_faults": cond("fault_rate", ">", 0.01, 2, 3, 1),
              "org_event": {"op": "external", "name": "org-event"}}
    windows = {"timezone": "UTC", "allow": [{"name": "never", "days": None, "hours": None,
                                             "dates": [{"from": "2020-01-01", "to": "2020-01-01"}]}],
               "deny": [], "off_hours_bake": 1.0}
    deploy = {"run": "./deploy.sh", "rollback": "./deploy.sh", "timeout_s": 5, "expected_s": 1,
              "rollback_time_s": 1, "rollback_batch": 0.34}
    return build("GatedLab", topology, [], waves, 0.34, deploy, metrics, alarms, ref("high_faults"), ["org_event"],
                 windows, {"approvers": ["principal-engineers"], "bake": 0.5, "min_bake_s": 1},
                 {"traffic": 0.2, "bake_s": 1})


def canary_plan():
    """A config pipeline: a one-box, then a region's traffic shifted in canary
    steps (no hosts named), with exec deploys and second-long bakes."""
    topology = {"name": "lab", "regions": [region("lab-east", 1.0, ["le-a"], 3)]}
    metrics = {"fault_rate": {"source": "command", "query": "./metric.sh fault_rate", "unit": "percent"}}
    alarms = {"high_faults": cond("fault_rate", ">", 0.01, 2, 3, 1)}
    deploy = {"run": "./deploy.sh", "rollback": "./deploy.sh", "timeout_s": 5, "expected_s": 1,
              "rollback_time_s": 1, "rollback_batch": 0.34}
    plan = build("FlagsLab", topology, [], [], 0.34, deploy, metrics, alarms, ref("high_faults"), [], None, None,
                 {"traffic": 0.2, "bake_s": 1})
    plan["kind"] = "config"
    plan["stages"] = [{"id": "wave1", "kind": "wave", "regions": ["lab-east"], "bake_s": 1, "min_traffic": None,
                       "tests": []}]
    steps = [step("wave1/lab-east/onebox", "wave1", "onebox", "lab-east", "le-a", ["le-a-h1"], 0.2, 1, [])]
    for k, share in enumerate([0.1, 0.5, 1.0], 1):
        steps.append(step("wave1/lab-east/canary%d" % k, "wave1", "canary", "lab-east", None, [], share, 2,
                          [steps[-1]["id"]]))
    steps.append(step("wave1/bake", "wave1", "bake", None, None, [], None, 1, [steps[-1]["id"]]))
    plan["steps"] = steps
    return sign(plan)


def throughput_plan():
    """Two waves with no windows and a 24-hour first-wave bake, versions queued:
    wave1 is the bottleneck, for the simulated versions per week."""
    topology = {"name": "lab", "regions": [region("lab-east", 0.6, ["le-a"], 3),
                                           region("lab-west", 0.4, ["lw-a"], 3)]}
    waves = [(["lab-east"], 86400, 0, None), (["lab-west"], 3600, 0, None)]
    metrics = {"fault_rate": {"source": "command", "query": "./metric.sh fault_rate", "unit": "percent"}}
    alarms = {"high_faults": cond("fault_rate", ">", 0.01, 2, 3, 60)}
    deploy = {"run": "./deploy.sh", "rollback": "./deploy.sh", "timeout_s": 600, "expected_s": 300,
              "rollback_time_s": 120, "rollback_batch": 0.34}
    plan = build("FlowLab", topology, [], waves, 0.67, deploy, metrics, alarms, ref("high_faults"), [], None,
                 None, {"traffic": 0.2, "bake_s": 3600})
    plan["execution_mode"] = "queued"
    return sign(plan)


if __name__ == "__main__":
    for name, plan in [("global", global_plan()), ("crash", crash_plan()), ("gated", gated_plan()),
                       ("canary", canary_plan()), ("prometheus", prometheus_plan()),
                       ("quiet", quiet_plan()), ("approval", approval_plan()), ("throughput", throughput_plan())]:
        with open(os.path.join(HERE, name + ".plan.json"), "w") as out:
            json.dump(plan, out, indent=2)
            out.write("\n")
