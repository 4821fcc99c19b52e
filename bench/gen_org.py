#!/usr/bin/env python3
"""Synthetic organisation for compiler benchmarks: one topology of 30 regions
with 3-6 zones each, a template chain (OrgBase -> TeamService) and N services,
one file each. Deterministic for a given N. Usage: gen_org.py N OUTDIR"""
import os
import sys

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(out, "services"), exist_ok=True)
    regions = [f"r{i:02}" for i in range(30)]
    traffic = [1] * 29 + [71]  # percent; sums to 100
    lines = ["topology synth {"]
    for i, region in enumerate(regions):
        zones = ", ".join(f"{region}-az{z}" for z in range(1, 3 + i % 4 + 1))
        lines.append(f"  region {region} {{ zones = [{zones}]  traffic = {traffic[i]}%  hosts_per_zone = 10 }}")
    lines.append("}")
    waves = [regions[0:1], regions[29:30], regions[1:10], regions[10:29]]
    lines += [
        "",
        "template OrgBase {",
        "  topology = synth",
        "  policy   = strict",
        "  deploy { timeout = 15m  expected = 5m  rollback_time = 2m }",
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
        "  block_on = [high_severity]",
        "  windows {",
        '    timezone = "America/Los_Angeles"',
        "    allow core { days = mon..thu  hours = 09:00..16:00 }",
        "    allow fri { days = [fri]  hours = 09:00..12:00 }",
        "    off_hours_bake = 200%",
        "  }",
        '  emergency { approvers = ["principal-engineers"]  bake = 25%  min_bake = 15m }',
        f"  stage gamma {{ regions = [{regions[1]}]  onebox {{ traffic = 10%  bake = 30m }}  bake = 1h }}",
        "  prod {",
        "    onebox { traffic = 10%  bake = 1h }",
        "    rolling { batch = 33%  min_healthy = 66% }",
    ]
    bakes = ["12h", "4h", "2h", "2h"]
    for number, (wave, bake) in enumerate(zip(waves, bakes), 1):
        extra = "  zone_bake = 1h" if number == 1 else ""
        lines.append(f"    wave {number} {{ regions = [{', '.join(wave)}]  bake = {bake}{extra}  min_traffic = requests >= 100 }}")
    lines += ["  }", "}", "", "template TeamService extends OrgBase {", "  hosts_per_zone = 10", "}", ""]
    with open(os.path.join(out, "org.pipe"), "w") as f:
        f.write("\n".join(lines))
    for i in range(n):
        with open(os.path.join(out, "services", f"svc{i:05}.pipe"), "w") as f:
            f.write(f'import "../org.pipe"\n\npipeline Svc{i:05} extends TeamService {{\n'
                    f'  artifact = "svc-{i:05}"\n  deploy {{ run = "scripts/deploy.sh svc-{i:05}" }}\n}}\n')

if __name__ == "__main__":
    main()
