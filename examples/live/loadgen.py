#!/usr/bin/env python3
"""Steady traffic for the live fleet: every host of the hosts table gets RATE
requests a second (alternating /api/orders and /api/cart), each from its own
thread, until SIGTERM. A refused connection (an instance restarting) is
counted and the stream goes on, as a load balancer's client would.
    loadgen.py HOSTS_TSV [RATE]"""
import http.client
import signal
import sys
import threading
import time

stop = threading.Event()
counts_lock = threading.Lock()


def stream(port, rate, counts):
    period = 1.0 / rate
    next_at = time.monotonic()
    n = 0
    while not stop.is_set():
        api = "/api/orders" if n % 2 == 0 else "/api/cart"
        n += 1
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", api)
            status = conn.getresponse().status
            conn.close()
        except OSError:
            status = "refused"
        with counts_lock:
            counts[status] = counts.get(status, 0) + 1
        next_at += period
        delay = next_at - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            next_at = time.monotonic()  # behind (a slow restart): do not burst to catch up


def main():
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    with open(sys.argv[1], encoding="utf-8") as f:
        ports = [int(line.split()[3]) for line in f if line.strip()]
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    counts = [{} for _ in ports]
    threads = [threading.Thread(target=stream, args=(port, rate, c), daemon=True) for port, c in zip(ports, counts)]
    for t in threads:
        t.start()
    while not stop.wait(10):
        total = {}
        with counts_lock:
            for c in counts:
                for k, v in c.items():
                    total[k] = total.get(k, 0) + v
        print(time.strftime("%H:%M:%S"), "responses so far:", dict(sorted(total.items(), key=str)), flush=True)
    for t in threads:
        t.join(3)


if __name__ == "__main__":
    main()
