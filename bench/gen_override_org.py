#!/usr/bin/env python3
"""Synthetic organisation where every service overrides what changes its plan
(issue 18): its own `hosts_per_zone`, one alarm threshold and wave 1's traffic
floor, so no two services share a plan shape and S218/S219 cannot share work
by shape. Same 30-region topology and template chain as gen_org.py.
With --unique-bakes each service also sets its own gamma bake (3600 + i
seconds), so no two plans share their steps or analysis: the case where
pipec plan -o's caches (SharedAnalyses, RepeatedParts) never pay.
Deterministic for a given N. Usage: gen_override_org.py N OUTDIR [--unique-bakes]"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_org  # noqa: E402  (the shared topology and templates)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    unique_bakes = "--unique-bakes" in sys.argv[3:]
    # gen_org.py writes org.pipe and N plain services; the services are rewritten below.
    sys.argv = [sys.argv[0], "0", out]
    gen_org.main()
    for i in range(n):
        hosts = 4 + i % 17               # 4..20 hosts per zone
        threshold = 1 + i % 5            # fault rate threshold, percent
        floor = 50 + (i * 7) % 400       # wave 1 requests floor
        bake = f'  stage gamma {{ bake = {3600 + i}s }}\n' if unique_bakes else ""
        with open(os.path.join(out, "services", f"svc{i:05}.pipe"), "w") as f:
            f.write(f'import "../org.pipe"\n\n'
                    f'pipeline Svc{i:05} extends TeamService {{\n'
                    f'  artifact       = "svc-{i:05}"\n'
                    f'  hosts_per_zone = {hosts}\n'
                    f'  deploy {{ run = "scripts/deploy.sh svc-{i:05}" }}\n'
                    f'  alarms {{ high_faults = fault_rate > {threshold}% for 3 of 5 every 1m }}\n'
                    f'{bake}'
                    f'  prod {{ wave 1 {{ min_traffic = requests >= {floor} }} }}\n'
                    f'}}\n')


if __name__ == "__main__":
    main()
