#!/usr/bin/env python3
"""Detection and recovery of a rollback on the live fleet, from what the
processes themselves logged (milliseconds): the first fault a BAD instance
served (logs/HOST.log), the first and last rollback call of deploy.sh
(deploys.log). Compared with the plan's worst-case recovery (plan.md §3).
    measure.py DIR PLAN BAD GOOD [--json]"""
import glob
import json
import os
import sys


def main():
    directory, plan_path, bad, good = sys.argv[1:5]
    with open(plan_path, encoding="utf-8") as f:
        analysis = json.load(f)["analysis"]
    faults = []
    for path in glob.glob(os.path.join(directory, "logs", "*.log")):
        host = os.path.basename(path)[:-4]
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = line.split()
                if len(words) >= 3 and words[1:3] == ["first", "fault"] and "version=" + bad in words:
                    faults.append((int(words[0]), host))
    starts, ends = [], []
    with open(os.path.join(directory, "deploys.log"), encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words[1:3] == ["rollback", good]:
                (starts if words[3] == "begin" else ends if words[3] == "end" else []).append(int(words[0]))
    if not faults or not starts or not ends:
        sys.exit("measure.py: no %s fault or no rollback to %s in %s" % (bad, good, directory))
    first_fault, host = min(faults)
    result = {
        "first_fault_host": host,
        "detection_s": round((min(starts) - first_fault) / 1000, 2),
        "recovery_s": round((max(ends) - first_fault) / 1000, 2),
        "plan_detection_s": analysis["detection_s"],
        "plan_worst_recovery_s": analysis["worst_recovery_s"],
    }
    if "--json" in sys.argv:
        print(json.dumps(result))
        return
    print("first %s fault served by %s" % (bad, host))
    print("  rollback started after %5.1f s   (detection; the plan allows %d s)"
          % (result["detection_s"], result["plan_detection_s"]))
    print("  last host back on %s after %4.1f s   (recovery; the plan's worst case is %d s)"
          % (good, result["recovery_s"], result["plan_worst_recovery_s"]))


if __name__ == "__main__":
    main()
