#!/usr/bin/env python3
"""ctest: openapi_check.py against the real ApiServer over FakeServiceApi.

  openapi_fake_test.py FAKE_SERVE CHECKER SPEC

Runs the check twice: with a tokens file (a token holding every role and a
viewer token) and without one (reads open, mutating calls 401). The server
listens on 127.0.0.1 on a free port and is stopped by closing its stdin.
"""
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile


def run(fake_serve, checker, spec, tokens_file, token, viewer):
    server = subprocess.Popen([fake_serve] + ([tokens_file] if tokens_file else []), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip()
        if not port:
            print("fake_serve did not start")
            return 1
        command = [sys.executable, checker, "--url", "http://127.0.0.1:" + port, "--token", token,
                   "--pipeline", "checkout-api", "--version", "v43", "--allow-rollback", "--spec", spec]
        if viewer:
            command += ["--viewer-token", viewer]
        return subprocess.run(command, timeout=120).returncode
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main():
    fake_serve, checker, spec = sys.argv[1:4]
    everything, viewer = secrets.token_hex(32), secrets.token_hex(32)
    with tempfile.TemporaryDirectory() as scratch:
        tokens_file = os.path.join(scratch, "tokens")
        with open(tokens_file, "w") as f:
            f.write("ci-admin deployer,operator,approver sha256:%s\n" % hashlib.sha256(everything.encode()).hexdigest())
            f.write("dashboard viewer sha256:%s\n" % hashlib.sha256(viewer.encode()).hexdigest())
        with_tokens = run(fake_serve, checker, spec, tokens_file, everything, viewer)
        without = run(fake_serve, checker, spec, None, "unused", None)
    return 1 if with_tokens or without else 0


if __name__ == "__main__":
    sys.exit(main())
