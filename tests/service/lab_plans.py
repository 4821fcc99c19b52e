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


def lab_plan(name, tag, mode="superseded", bake=2, block_on=False, approval=False, alertmanager_url=None):
    """`name`'s plan: gamma (1 host), wave1 (2 zones x 2 hosts), wave2 (1 zone x 2 hosts).
    approval: wave1 starts with an approval step (the dashboard's approve button).
    alertmanager_url: the plan's own Alertmanager (docs/runtime.md)."""
    topology = {"name": "lab", "regions": [
        generate.region(tag + "-gamma", 0.0, [tag + "-g"], 1),
        generate.region(tag + "-east", 0.6, [tag + "-ea", tag + "-eb"], 2),
        generate.region(tag + "-west", 0.4, [tag + "-wa"], 2)]}
    waves = [([tag + "-east"], bake, 0, None), ([tag + "-west"], bake, 0, None)]
    metrics = {"fault_rate": {"source": "command", "query": "./metric.sh " + name, "unit": "percent"}}
    alarms = {"high_faults": generate.cond("fault_rate", ">", 0.01, 2, 3, 1)}
    blockers = []
    if block_on:
        alarms["org_event"] = {"op": "external", "name": "org-event"}
        blockers = ["org_event"]
    deploy = {"run": "./deploy.sh", "rollback": "./deploy.sh", "timeout_s": 30, "expected_s": 1,
              "rollback_time_s": 1, "rollback_batch": 1.0}
    plan = generate.build(name, topology, [("gamma", tag + "-gamma", tag + "-g", 1, 1, bake, [])], waves, 1.0,
                          deploy, metrics, alarms, generate.ref("high_faults"), blockers, None, None,
                          {"traffic": 0.2, "bake_s": 1})
    plan["execution_mode"] = mode
    if alertmanager_url is not None:
        plan["alertmanager_url"] = alertmanager_url
    if approval:
        steps = plan["steps"]
        at = next(i for i, s in enumerate(steps) if s["stage"] == "wave1")
        steps.insert(at, generate.step("wave1/approval", "wave1", "approval", after=steps[at]["after"]))
        steps[at + 1]["after"] = ["wave1/approval"]
    return generate.sign(plan)


def write(directory, name, tag, **options):
    path = os.path.join(directory, name + ".plan.json")
    with open(path, "w") as out:
        json.dump(lab_plan(name, tag, **options), out, indent=2)
        out.write("\n")
    return path


if __name__ == "__main__":
    # lab_plans.py DIR COUNT: COUNT pipelines Lab0001.. for the benchmark.
    for i in range(int(sys.argv[2])):
        write(sys.argv[1], "Lab%04d" % i, "l%04d" % i)
