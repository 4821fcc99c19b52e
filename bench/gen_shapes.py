#!/usr/bin/env python3
"""Inputs that stress one dimension each, for bench/scale.sh (issue 12 §3):

  chain N   a complete template, a chain of N templates each extending the
            previous one, and a pipeline at the end of the chain
  waves N   one pipeline over N regions, one region per wave
  alarms N  one pipeline with N alarms, all in rollback_on and block_on

Deterministic for given arguments. Usage: gen_shapes.py SHAPE N OUTFILE"""
import sys

HEADER = """policy bench extends strict {
  max_time_to_global = none
}
"""

def topology(regions):
    share = 100 / regions
    lines = ["topology synth {"]
    for i in range(regions):
        lines.append(f"  region r{i} {{ zones = [r{i}-az1]  traffic = {share:.6f}%  hosts_per_zone = 2 }}")
    lines.append("}")
    return "\n".join(lines) + "\n"

def base(name, waves, alarms=1):
    alarm_lines = "\n".join(f"    a{i} = fault_rate > 1% for 3 of 5 every 1m" for i in range(alarms))
    watch = " or ".join(f"a{i}" for i in range(alarms))
    block = ", ".join(f"a{i}" for i in range(alarms))
    wave_lines = "\n".join(
        f"    wave {i + 1} {{ regions = [r{i}]  bake = {'12h' if i == 0 else '2h'}  min_traffic = requests >= 100 }}"
        for i in range(waves))
    return f"""template {name} {{
  artifact = "svc"
  topology = synth
  policy   = bench
  deploy {{ run = "deploy.sh"  timeout = 10m }}
  metrics {{
    fault_rate = prometheus("faults{{{{scope}}}}", percent)
    requests   = prometheus("requests{{{{scope}}}}", count)
  }}
  alarms {{
{alarm_lines}
  }}
  rollback_on = {watch}
  block_on    = [{block}]
  stage gamma {{
    regions = [r0]
    onebox {{ traffic = 10%  bake = 1h }}
    bake = 1h
  }}
  prod {{
    onebox  {{ traffic = 10%  bake = 1h }}
    rolling {{ batch = 33%  min_healthy = 66% }}
{wave_lines}
  }}
}}
"""

def main():
    shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    text = HEADER
    if shape == "chain":
        text += topology(3) + base("T0", 3)
        text += "".join(f"template T{i} extends T{i - 1} {{}}\n" for i in range(1, n + 1))
        text += f"pipeline Svc extends T{n} {{}}\n"
    elif shape == "waves":
        text += topology(n) + base("Base", n) + "pipeline Svc extends Base {}\n"
    elif shape == "alarms":
        text += topology(3) + base("Base", 3, n) + "pipeline Svc extends Base {}\n"
    else:
        sys.exit(f"gen_shapes.py: unknown shape {shape} (chain, waves, alarms)")
    with open(out, "w") as f:
        f.write(text)

main()
