#!/usr/bin/env python3
"""One pipeline for `piperun simulate` benchmarks (issue 18): a topology of 30
regions with 3-6 zones of 30 hosts each (4,050 hosts), a gamma stage and five
prod waves, policy `strict`. Deterministic. Usage: gen_sim.py OUT.pipe"""
import sys

def main():
    out = sys.argv[1]
    regions = [f"r{i:02}" for i in range(30)]
    traffic = [1] * 29 + [71]  # percent; sums to 100
    lines = ["topology synth {"]
    for i, region in enumerate(regions):
        zones = ", ".join(f"{region}-az{z}" for z in range(1, 3 + i % 4 + 1))
        lines.append(f"  region {region} {{ zones = [{zones}]  traffic = {traffic[i]}%  hosts_per_zone = 30 }}")
    lines.append("}")
    waves = [regions[0:1], regions[29:30], regions[1:6], regions[6:16], regions[16:29]]
    bakes = ["12h", "4h", "2h", "2h", "2h"]
    lines += [
        "",
        "pipeline SimBench {",
        '  artifact = "sim-bench"',
        "  topology = synth",
        "  policy   = strict",
        "  hosts_per_zone = 30",
        '  deploy { run = "scripts/deploy.sh sim-bench"  timeout = 15m  expected = 5m  rollback_time = 2m }',
        "  metrics {",
        '    fault_rate = prometheus("sum(rate(errors{{scope}}[1m]))", percent)',
        '    requests   = prometheus("sum(increase(requests{{scope}}[1m]))", count)',
        "  }",
        "  alarms {",
        "    high_faults = fault_rate > 1% for 3 of 5 every 1m",
        "    no_traffic  = requests < 1 for 3 of 3 every 1m",
        "    high_severity = high_faults or no_traffic",
        "  }",
        "  rollback_on = high_severity",
        "  windows {",
        '    timezone = "America/Los_Angeles"',
        "    allow core { days = mon..thu  hours = 09:00..16:00 }",
        "    off_hours_bake = 200%",
        "  }",
        "  block_on = [high_severity]",
        '  emergency { approvers = ["principal-engineers"]  bake = 25%  min_bake = 15m }',
        f"  stage gamma {{ regions = [{regions[1]}]  onebox {{ traffic = 10%  bake = 30m }}  bake = 1h }}",
        "  prod {",
        "    onebox { traffic = 10%  bake = 1h }",
        "    rolling { batch = 33%  min_healthy = 66% }",
    ]
    for number, (wave, bake) in enumerate(zip(waves, bakes), 1):
        extra = "  zone_bake = 1h" if number == 1 else ""
        lines.append(f"    wave {number} {{ regions = [{', '.join(wave)}]  bake = {bake}{extra}  min_traffic = requests >= 100 }}")
    lines += ["  }", "}", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))

if __name__ == "__main__":
    main()
