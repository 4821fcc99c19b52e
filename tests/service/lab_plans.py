#!/usr/bin/env python3
"""Lab plans for `piperun serve` tests and the service benchmark: a gamma
stage and two prod waves of exec deploys with bakes of seconds, each
pipeline on hosts of its own (zones prefixed by the pipeline's tag), metrics
from fixtures/metric.sh. Signed with the plan digest like the runtime's
fixtures (tests/runtime/plans/generate.py, whose builder this reuses)."""
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "generate", os.path.join(HERE, "..", "runtime", "plans", "generate.py"))
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def lab_plan(name, tag, mode="superseded", bake=2, block_on=False, approval=False, windows=None, onebox_bake=1,
             alertmanager_url=None, notify=None, prometheus_query=None, alarm_period=1):
    """`name`'s plan: gamma (1 host), wave1 (2 zones x 2 hosts), wave2 (1 zone x 2 hosts).
    approval: wave1 starts with an approval step (the dashboard's approve button).
    windows: the plan's deployment windows (docs/plan-format.md, "Windows"), default none.
    onebox_bake: each one-box step's own bake, in seconds.
    alarm_period: seconds between high_faults' datapoints (its reads time out after as long).
    alertmanager_url: the plan's own Alertmanager (docs/runtime.md).
    notify: the plan's `notify` targets (docs/plan-format.md), default none.
    prometheus_query: read fault_rate with this `prometheus(...)` query (the
    service's --prometheus) instead of the command ./metric.sh NAME."""
    topology = {"name": "lab", "regions": [
        generate.region(tag + "-gamma", 0.0, [tag + "-g"], 1),
        generate.region(tag + "-east", 0.6, [tag + "-ea", tag + "-eb"], 2),
        generate.region(tag + "-west", 0.4, [tag + "-wa"], 2)]}
    waves = [([tag + "-east"], bake, 0, None), ([tag + "-west"], bake, 0, None)]
    metrics = {"fault_rate": {"source": "command", "query": "./metric.sh " + name, "unit": "percent"}}
    if prometheus_query is not None:
        metrics = {"fault_rate": {"source": "prometheus", "query": prometheus_query, "unit": "percent"}}
    alarms = {"high_faults": generate.cond("fault_rate", ">", 0.01, 2, 3, alarm_period)}
    blockers = []
    if block_on:
        alarms["org_event"] = {"op": "external", "name": "org-event"}
        blockers = ["org_event"]
    deploy = {"run": "./deploy.sh", "rollback": "./deploy.sh", "timeout_s": 30, "expected_s": 1,
              "rollback_time_s": 1, "rollback_batch": 1.0}
    plan = generate.build(name, topology, [("gamma", tag + "-gamma", tag + "-g", 1, onebox_bake, bake, [])], waves, 1.0,
                          deploy, metrics, alarms, generate.ref("high_faults"), blockers, windows, None,
                          {"traffic": 0.2, "bake_s": onebox_bake})
    plan["execution_mode"] = mode
    if alertmanager_url is not None:
        plan["alertmanager_url"] = alertmanager_url
    if notify is not None:
        plan["notify"] = notify
    if approval:
        steps = plan["steps"]
        at = next(i for i, s in enumerate(steps) if s["stage"] == "wave1")
        steps.insert(at, generate.step("wave1/approval", "wave1", "approval", after=steps[at]["after"]))
        steps[at + 1]["after"] = ["wave1/approval"]
    plan["analysis"].update(analysis(plan, topology))
    return generate.sign(plan)


def analysis(plan, topology):
    """The figures `pipec plan` would give, simply: steps one after another
    (each deploy step its expected_s, each bake its bake_s), and after each
    deploy step the share of global traffic on the new version (a region's
    traffic times the share of its hosts done). Gamma carries no traffic."""
    traffic = {r["id"]: r["traffic"] for r in topology["regions"]}
    total = {r["id"]: sum(z["hosts"] for z in r["zones"]) for r in topology["regions"]}
    done, exposure, seconds = {}, [], 0
    for s in plan["steps"]:
        if s["type"] in ("onebox", "batch"):
            seconds += plan["deploy"]["expected_s"]
            done[s["region"]] = done.get(s["region"], 0) + len(s["hosts"])
            share = sum(traffic[r] * n / total[r] for r, n in done.items())
            exposure.append({"step": s["id"], "global_traffic": round(share, 6)})
        seconds += s["bake_s"] or 0
    return {"time_to_global_s": seconds, "exposure": exposure, "final_exposure": 1.0}


def write(directory, name, tag, **options):
    path = os.path.join(directory, name + ".plan.json")
    # Whole or not at all: a running service reloads the folder every second
    # and must never read a half-written plan (as `pipec plan -o` would not
    # leave one either).
    partial = os.path.join(directory, "." + name + ".plan.json.tmp")
    with open(partial, "w") as out:
        json.dump(lab_plan(name, tag, **options), out, indent=2)
        out.write("\n")
    os.replace(partial, path)
    return path


if __name__ == "__main__":
    # lab_plans.py DIR COUNT: COUNT pipelines Lab0001.. for the benchmark.
    for i in range(int(sys.argv[2])):
        write(sys.argv[1], "Lab%04d" % i, "l%04d" % i)
