#!/usr/bin/env python3
"""Writes the live fleet's hosts table from one or more plans: one line per
host named in the plans' steps, `HOST REGION ZONE PORT`, in plan order. Host
names come from the plan (plan.md §2), so `{scope}` matchers and PIPE_HOSTS
name the same instances Prometheus scrapes; each host gets a free port on
127.0.0.1. Two plans naming the same host share it (one instance).
    hosts.py PLAN... > hosts.tsv"""
import json
import socket
import sys


def main():
    hosts = {}
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            plan = json.load(f)
        for step in plan["steps"]:
            for host in step.get("hosts") or []:
                hosts.setdefault(host, (step["region"], step["zone"]))
    # Hold every socket until all ports are chosen, so no two hosts get one port.
    sockets = []
    for host, (region, zone) in hosts.items():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        print(host, region, zone, s.getsockname()[1])
    for s in sockets:
        s.close()


if __name__ == "__main__":
    main()
