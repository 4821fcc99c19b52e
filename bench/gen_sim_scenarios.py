#!/usr/bin/env python3
"""Scenarios for the region30 plan (tests/runtime/plans/region30.plan.json)
that vary what the simulation meets: metric faults by region, zone or
everywhere, at varied times and lengths; deploy failures; external alarms;
slow batches; a new version with other values. Deterministic (seeded), so
bench/compare_simulate.sh gives old and new piperun the same inputs.
Usage: gen_sim_scenarios.py OUT_DIR [COUNT]"""
import json
import os
import random
import sys


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    os.makedirs(out, exist_ok=True)
    rng = random.Random(18)
    regions = [f"r{i:02}" for i in range(30)]
    zones = {r: [f"{r}-az{z}" for z in range(1, 3 + i % 4 + 1)] for i, r in enumerate(regions)}
    for n in range(count):
        scenario = {
            "start": rng.choice(["2026-11-23T09:00:00", "2026-11-25T15:30:00", "2026-11-27T11:00:00"]),
            "version": "v2",
            "previous": "v1",
            "batch_time": rng.choice(["1m", "5m", "7m", "20m"]),
            "baseline": {"fault_rate": rng.choice([0.001, 0.004, 0.009]), "requests": rng.choice([600, 40, 2])},
        }
        if rng.random() < 0.5:
            scenario["new_version"] = {"requests": rng.choice([590, 0.5]), "fault_rate": rng.choice([0.002, 0.011])}
        faults = []
        for _ in range(rng.randint(0, 3)):
            region = rng.choice(regions)
            fault = {"metric": rng.choice(["fault_rate", "requests"]),
                     "value": rng.choice([0.05, 0.2, 0, 3, 900])}
            where = rng.random()
            if where < 0.4:
                fault["region"] = region
                fault["zone"] = rng.choice(zones[region])
            elif where < 0.8:
                fault["region"] = region
            start = rng.randint(0, 90)
            fault["from"] = f"+{start}h"
            fault["to"] = f"+{start + rng.randint(1, 6)}h"
            faults.append(fault)
        if faults:
            scenario["faults"] = faults
        if rng.random() < 0.2:
            region = rng.choice(regions)
            zone = rng.choice(zones[region])
            scenario["deploy_failures"] = [f"wave{rng.randint(1, 5)}/{region}/{zone}/b{rng.randint(1, 3)}"]
        if rng.random() < 0.2:
            start = rng.randint(0, 60)
            scenario["external_alarms"] = [{"name": "org/event", "from": f"+{start}h", "to": f"+{start + 3}h"}]
        with open(os.path.join(out, f"r30-{n:02}.json"), "w") as f:
            json.dump(scenario, f, indent=1)


if __name__ == "__main__":
    main()
