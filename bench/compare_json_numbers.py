#!/usr/bin/env python3
"""Compares two JSON texts (old and new piperun output) as values: the same
structure, keys and strings, and every number the same double, except the
fractions piperun rounds to 12 significant digits when printing
(docs/runtime.md "Numbers in JSON output"), which may move by half a unit
of their 12th digit (5e-12 of their value) and are listed as ROUNDED. Each argument is a file of one JSON document or of one per
line. Prints each difference; exit 0 when there is none, 1 otherwise.
Usage: bench/compare_json_numbers.py OLD NEW"""
import json
import sys

FRACTIONS = {"max_global_exposure", "global_exposure"}


def documents(path):
    text = open(path, encoding="utf-8").read()
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def compare(old, new, where, key, out):
    if isinstance(old, bool) or isinstance(new, bool) or old is None or new is None or isinstance(old, str):
        if type(old) is not type(new) or old != new:
            out.append(f"{where}: {old!r} became {new!r}")
    elif isinstance(old, (int, float)):
        if not isinstance(new, (int, float)):
            out.append(f"{where}: {old!r} became {new!r}")
        elif float(old) != float(new):
            if key in FRACTIONS and abs(float(old) - float(new)) <= 5e-12 * abs(float(old)):
                out.append(f"ROUNDED {where}: {old!r} printed as {new!r}")
            else:
                out.append(f"{where}: {old!r} became {new!r}")
    elif isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            out.append(f"{where}: a list of {len(old)} became {type(new).__name__}")
            return
        for i, (a, b) in enumerate(zip(old, new)):
            compare(a, b, f"{where}[{i}]", key, out)
    elif isinstance(old, dict):
        if not isinstance(new, dict) or list(old) != list(new):
            out.append(f"{where}: keys {list(old)} became {list(new) if isinstance(new, dict) else new!r}")
            return
        for k in old:
            compare(old[k], new[k], f"{where}.{k}", k, out)


def main():
    old, new = documents(sys.argv[1]), documents(sys.argv[2])
    out = []
    if len(old) != len(new):
        out.append(f"{len(old)} documents became {len(new)}")
    for i, (a, b) in enumerate(zip(old, new)):
        compare(a, b, f"#{i}", None, out)
    for line in out:
        print(line)
    sys.exit(1 if any(not line.startswith("ROUNDED") for line in out) else 0)


if __name__ == "__main__":
    main()
