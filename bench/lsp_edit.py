#!/usr/bin/env python3
"""How fast `pipec lsp` answers an edit in a large workspace (issue 18).

Generates an organisation of N services with bench/gen_org.py (one template
file, org.pipe, imported by every service), starts `pipec lsp`, opens one
service and the template, and makes EDITS edits, alternating between the
two buffers. For each edit it measures the time from sending didChange to
receiving the publishDiagnostics of the edited buffer, minus the server's
200 ms debounce, and then waits until the server is idle (a request answered
after every recompilation) before the next edit.

Prints median and maximum in milliseconds; exits 1 when the median or the
maximum is above LIMIT_MS (default 50), 2 on a usage or protocol error.

Usage: bench/lsp_edit.py [PIPEC] [--services N] [--edits EDITS] [--limit LIMIT_MS]
"""
import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DEBOUNCE_MS = 200  # compiler/lsp/Server.cpp kDebounce
TIMEOUT_S = 30     # a single answer slower than this is a hang, not a figure


class Client:
    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buffer = b""
        self.next_id = 1

    def send(self, message):
        body = json.dumps(dict(jsonrpc="2.0", **message)).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def request(self, method, params):
        """Sends a request and returns its result, reading (and returning)
        every message that came before it."""
        rid = self.next_id
        self.next_id += 1
        self.send({"id": rid, "method": method, "params": params})
        before = []
        while True:
            message = self.receive()
            if message.get("id") == rid:
                if "error" in message:
                    fail(f"{method} failed: {message['error']}")
                return message.get("result"), before
            before.append(message)

    def receive(self):
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            header_end = self.buffer.find(b"\r\n\r\n")
            if header_end >= 0:
                length = None
                for line in self.buffer[:header_end].split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    fail("a message without Content-Length")
                start = header_end + 4
                if len(self.buffer) >= start + length:
                    body = self.buffer[start:start + length]
                    self.buffer = self.buffer[start + length:]
                    return json.loads(body)
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"no answer from the server within {TIMEOUT_S} s")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    fail(f"the server exited (status {self.proc.wait()})")
                self.buffer += chunk

    def stop(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def fail(message):
    print(f"bench/lsp_edit.py: {message}", file=sys.stderr)
    sys.exit(2)


def uri(path):
    return "file://" + os.path.abspath(path)


def edited_service(text, i):
    # A different artifact each time; diagnostics come and go as when typing:
    # an unknown alarm, or a template name half typed (R101, whose "add
    # import" help looks through the project's files).
    text = text.replace('artifact = "svc-00000"', f'artifact = "svc-00000-{i}"')
    if i % 6 == 2:
        text = text.replace("  deploy {", "  rollback_on = no_such_alarm\n  deploy {")
    if i % 6 == 4:
        text = text.replace("extends TeamService", "extends TeamServ")
    return text


def edited_template(text, i):
    return text.replace("hosts_per_zone = 10\n}", f"hosts_per_zone = {10 + i % 5}\n}}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pipec", nargs="?", default=os.environ.get("PIPEC", os.path.join(here, "..", "build", "compiler", "pipec")))
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--limit", type=float, default=50.0, help="milliseconds after the debounce")
    parser.add_argument("--verbose", action="store_true", help="print each edit's diagnostics")
    args = parser.parse_args()
    if not os.access(args.pipec, os.X_OK):
        fail(f"no pipec at {args.pipec} (build it, or pass its path)")
    if args.edits < 20:
        fail("--edits must be at least 20")

    work = tempfile.mkdtemp(prefix="pipe-lsp-bench-")
    try:
        subprocess.run([sys.executable, os.path.join(here, "gen_org.py"), str(args.services), work], check=True)
        open(os.path.join(work, ".pipe-project"), "w").close()
        service = os.path.join(work, "services", "svc00000.pipe")
        template = os.path.join(work, "org.pipe")
        texts = {path: open(path).read() for path in (service, template)}

        client = Client([args.pipec, "lsp"])
        client.request("initialize", {"processId": os.getpid(), "rootUri": uri(work), "capabilities": {}})
        client.notify("initialized", {})
        for path in (template, service):
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri(path), "languageId": "pipe", "version": 1, "text": texts[path]}})
        client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(service)}})  # idle

        figures = {service: [], template: []}
        for i in range(args.edits):
            path = service if i % 2 == 0 else template
            text = edited_service(texts[path], i) if path == service else edited_template(texts[path], i)
            sent = time.monotonic()
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri(path), "version": i + 2}, "contentChanges": [{"text": text}]})
            while True:
                message = client.receive()
                if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri(path):
                    break
            figures[path].append((time.monotonic() - sent) * 1000 - DEBOUNCE_MS)
            if args.verbose:
                found = [d["message"].splitlines()[0] for d in message["params"]["diagnostics"]]
                print(f"edit {i:3} {os.path.basename(path):14} {figures[path][-1]:6.1f} ms  {found}")
            # Idle again (every importer compiled and published) before the next edit.
            client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(service)}})
        client.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    every = figures[service] + figures[template]
    print(f"pipec lsp, {args.services} services, {len(every)} edits: time from didChange to publishDiagnostics "
          f"minus the {DEBOUNCE_MS} ms debounce")
    for name, values in (("service", figures[service]), ("template", figures[template]), ("all", every)):
        print(f"  {name:9} median {statistics.median(values):6.1f} ms  max {max(values):6.1f} ms")
    worst = max(statistics.median(every), max(every))
    if worst > args.limit:
        print(f"bench/lsp_edit.py: above {args.limit:g} ms", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
