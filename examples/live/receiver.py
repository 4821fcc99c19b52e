#!/usr/bin/env python3
"""The on-call's chat for the live demo: a webhook receiver on 127.0.0.1
that prints the `text` line of each notification piperun POSTs
(docs/runtime.md "Notifications"), answers 200, and appends the whole JSON
body as one line to LOG. It listens on a free port, written to PORT_FILE
once it accepts, and runs until SIGTERM or SIGINT.
    receiver.py PORT_FILE LOG"""
import http.server
import json
import os
import signal
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20))
        try:
            note = json.loads(body)
            text = str(note.get("text", ""))
        except (ValueError, AttributeError):
            self.send_response(400)
            self.end_headers()
            return
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(note) + "\n")
        # One line per notification, as a chat shows it; control characters
        # would let a version name draw on the terminal.
        printable = "".join(c if c.isprintable() else "?" for c in text)
        print("[chat] " + printable, flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass  # the text lines are the output


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: receiver.py PORT_FILE LOG")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log_path = sys.argv[2]
    partial = sys.argv[1] + ".tmp"
    with open(partial, "w") as out:
        out.write("%d\n" % server.server_address[1])
    os.replace(partial, sys.argv[1])
    # shutdown() waits for serve_forever, so it runs on another thread.
    stop = lambda *_: threading.Thread(target=server.shutdown).start()  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.2)
    server.server_close()


if __name__ == "__main__":
    main()
