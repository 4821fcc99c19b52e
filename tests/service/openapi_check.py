#!/usr/bin/env python3
"""Checks a running `piperun serve` against docs/openapi.yaml (docs/service.md, "API").

For each route, happy and error cases: the status must be one the contract
documents for that operation, the body must validate against the documented
schema, JSON answers must say Content-Type: application/json, and every answer
must carry Cache-Control: no-store and X-Content-Type-Options: nosniff. The
contract itself is checked first (OpenAPI 3.x layout, every $ref resolves,
every schema is a valid JSON Schema 2020-12, every path parameter declared).

  openapi_check.py --url http://127.0.0.1:8470 --token TOKEN --pipeline NAME --version V
      [--viewer-token T] [--allow-rollback] [--spec docs/openapi.yaml]

TOKEN should hold every role (deployer,operator,approver) so that the happy
mutating calls get past identity; --viewer-token (a token without deployer)
adds the 403 cases. Mutating calls act on the service: point it at a test
service. Rollback is sent for an unknown version only, unless --allow-rollback.
Exit status: 0 all good, 1 a check failed (each failure printed), 2 usage.
"""
import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml

failures = []


def fail(what):
    failures.append(what)
    print("FAIL " + what)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError("only local $ref: " + ref)
        target = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def check_spec(spec):
    if not str(spec.get("openapi", "")).startswith("3."):
        fail("spec: openapi must be 3.x")
    for key in ("info", "paths", "components"):
        if key not in spec:
            fail("spec: no " + key)

    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                try:
                    resolve(spec, {"$ref": node["$ref"]})
                except (KeyError, ValueError):
                    fail("spec: %s: $ref %s does not resolve" % (where, node["$ref"]))
            for key, value in node.items():
                walk(value, where + "/" + str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, "%s/%d" % (where, i))

    walk(spec, "#")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            fail("spec: schema %s: %s" % (name, error.message))
    for path, item in spec.get("paths", {}).items():
        declared = {resolve(spec, p)["name"] for p in item.get("parameters", []) if resolve(spec, p)["in"] == "path"}
        for method, operation in item.items():
            if method == "parameters":
                continue
            if not operation.get("responses"):
                fail("spec: %s %s has no responses" % (method.upper(), path))
            names = declared | {resolve(spec, p)["name"] for p in operation.get("parameters", [])
                                if resolve(spec, p)["in"] == "path"}
            for parameter in re.findall(r"{(\w+)}", path):
                if parameter not in names:
                    fail("spec: %s %s: path parameter %s is not declared" % (method.upper(), path, parameter))


def operation_for(spec, method, path):
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"{\w+}", "[^/]+", template) + "$"
        if re.match(pattern, path.split("?")[0]):
            return template, item.get(method.lower())
    return None, None


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, body=None, headers=None, stream=False):
        request = urllib.request.Request(self.base + path, method=method, data=body)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            answer = urllib.request.urlopen(request, timeout=3 if stream else 10)
        except urllib.error.HTTPError as error:
            answer = error
        status = answer.status if hasattr(answer, "status") else answer.code
        if stream and status == 200:
            data = b""
            # Up to the first whole event (or 3 s of silence: a stream may have none yet).
            while not re.search(rb"^data: .*\n\n", data, re.M) and len(data) < 65536:
                try:
                    chunk = answer.read1(4096)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
            answer.close()
            return status, dict(answer.headers), data
        data = answer.read()
        return status, dict(answer.headers), data


def check_answer(spec, label, method, path, status, headers, body, expected):
    template, operation = operation_for(spec, method, path)
    headers = {k.lower(): v for k, v in headers.items()}
    if headers.get("cache-control") != "no-store":
        fail("%s: Cache-Control is %r, not no-store" % (label, headers.get("cache-control")))
    if headers.get("x-content-type-options") != "nosniff":
        fail("%s: X-Content-Type-Options is %r, not nosniff" % (label, headers.get("x-content-type-options")))
    if expected and status not in expected:
        fail("%s: status %d, expected %s (body %s)" % (label, status, expected, body[:200]))
    if operation is None:
        # An undocumented route or method: still a JSON error.
        schema = spec["components"]["schemas"]["Error"]
        documented = None
    else:
        responses = operation["responses"]
        documented = responses.get(str(status)) or responses.get("default")
        if documented is None:
            fail("%s: status %d is not documented for %s %s" % (label, status, method, template))
            return
        documented = resolve(spec, documented)
        content = documented.get("content", {})
        if "text/event-stream" in content:
            if not headers.get("content-type", "").startswith("text/event-stream"):
                fail("%s: Content-Type %r, not text/event-stream" % (label, headers.get("content-type")))
            for data in re.findall(rb"^data: (.*)$", body, re.M):
                validate(spec, label + " event", json.loads(data), {"$ref": "#/components/schemas/Event"})
            return
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            fail("%s: status %d documents no JSON body" % (label, status))
            return
    if headers.get("content-type") != "application/json":
        fail("%s: Content-Type %r, not application/json" % (label, headers.get("content-type")))
    try:
        value = json.loads(body)
    except ValueError:
        fail("%s: body is not JSON: %r" % (label, body[:200]))
        return
    validate(spec, label, value, schema)
    return value


def validate(spec, label, value, schema):
    root = dict(schema)
    root["components"] = spec["components"]
    validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
    for error in validator.iter_errors(value):
        fail("%s: %s at %s" % (label, error.message, "/".join(str(p) for p in error.absolute_path) or "(top)"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--viewer-token")
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--version", required=True, help="a version to submit")
    parser.add_argument("--allow-rollback", action="store_true")
    parser.add_argument("--override-target", default="window", help="a blocker of the pipeline's plan, or window")
    parser.add_argument("--spec", default=os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.yaml"))
    args = parser.parse_args()
    with open(args.spec) as f:
        spec = yaml.safe_load(f)
    check_spec(spec)
    client = Client(args.url)
    token = args.token
    p = "/api/v1/pipelines/" + urllib.parse.quote(args.pipeline, safe="")
    j = lambda value: json.dumps(value).encode()

    cases = [
        ("health", "GET", "/healthz", None, None, {}, [200]),
        ("whoami", "GET", "/api/v1/whoami", token, None, {}, [200]),
        ("pipelines", "GET", "/api/v1/pipelines", token, None, {}, [200]),
        ("pipeline", "GET", p, token, None, {}, [200]),
        ("unknown pipeline", "GET", "/api/v1/pipelines/no-such-pipeline-0", token, None, {}, [404]),
        ("log", "GET", p + "/log?after=0&limit=5", token, None, {}, [200]),
        ("log bad limit", "GET", p + "/log?limit=0", token, None, {}, [400]),
        ("log bad after", "GET", p + "/log?after=x", token, None, {}, [400]),
        ("log notifications after", "GET", p + "/log?after=0&limit=5&notifications_after=1", token, None, {}, [200]),
        ("log bad notifications_after", "GET", p + "/log?notifications_after=-1", token, None, {}, [400]),
        ("events unknown pipeline", "GET", "/api/v1/events?pipeline=no-such-pipeline-0", token, None, {}, [404]),
        ("events bad Last-Event-ID", "GET", "/api/v1/events", token, None, {"Last-Event-ID": "x"}, [400]),
        ("unknown route", "GET", "/api/v1/nothing-here", token, None, {}, [404]),
        ("wrong method", "DELETE", p, token, None, {}, [405]),
        ("GET on a POST route", "GET", p + "/approve", token, None, {}, [405]),
        ("submit", "POST", p + "/versions", token, j({"version": args.version}), {}, [202, 409]),
        ("submit bad JSON", "POST", p + "/versions", token, b'{"version":', {}, [400]),
        ("submit wrong type", "POST", p + "/versions", token, j({"version": 1}), {}, [400]),
        ("submit unknown field", "POST", p + "/versions", token, j({"version": "v", "force": True}), {}, [400]),
        ("submit missing field", "POST", p + "/versions", token, j({}), {}, [400]),
        ("submit retry without reason", "POST", p + "/versions", token,
         j({"version": args.version, "retry_failed": True}), {}, [400]),
        ("submit too large", "POST", p + "/versions", token, j({"version": "v", "reason": "x" * 70000}), {}, [413]),
        ("submit unknown pipeline", "POST", "/api/v1/pipelines/no-such-pipeline-0/versions", token,
         j({"version": args.version}), {}, [404]),
        # After the submit: the version has a run (unless submitting was refused, 401 without tokens).
        ("timeline of a version", "GET", p + "/timeline?version=" + urllib.parse.quote(args.version, safe=""), token,
         None, {}, [200, 404]),
        ("timeline without run_id or version", "GET", p + "/timeline", token, None, {}, [400]),
        ("timeline with both", "GET", p + "/timeline?run_id=1&version=v", token, None, {}, [400]),
        ("timeline bad run_id", "GET", p + "/timeline?run_id=x", token, None, {}, [400]),
        ("timeline unknown run", "GET", p + "/timeline?run_id=999999999", token, None, {}, [404]),
        ("timeline unknown pipeline", "GET", "/api/v1/pipelines/no-such-pipeline-0/timeline?run_id=1", token, None,
         {}, [404]),
        ("timeline wrong method", "PUT", p + "/timeline?run_id=1", token, None, {}, [405]),
        ("approve", "POST", p + "/approve", token, j({}), {}, [202, 409]),
        ("approve unknown field", "POST", p + "/approve", token, j({"who": "me"}), {}, [400]),
        ("override", "POST", p + "/override", token, j({"target": args.override_target, "reason": "openapi check"}),
         {}, [202, 409]),
        ("override missing reason", "POST", p + "/override", token, j({"target": "window"}), {}, [400]),
        ("rollback unknown version", "POST", p + "/rollback", token,
         j({"reason": "openapi check", "version": "no-such-version-0"}), {}, [404, 409]),
        ("rollback wrong type", "POST", p + "/rollback", token, j({"reason": "r", "all": "yes"}), {}, [400]),
    ]
    if args.allow_rollback:
        cases.append(("rollback", "POST", p + "/rollback", token, j({"reason": "openapi check"}), {}, [202, 409]))
    status, _, body = client.call("GET", "/api/v1/whoami", token)
    anonymous = status == 200 and json.loads(body).get("name") == "anonymous"
    if anonymous:
        # Without a tokens file every mutating call is 401 (a body over the
        # limit is refused first, before the route is looked at).
        cases = [(label, method, path, who, body, headers, expected if method != "POST" or 413 in expected else [401])
                 for label, method, path, who, body, headers, expected in cases]
    else:
        cases += [
            ("read without token", "GET", "/api/v1/pipelines", None, None, {}, [401]),
            ("read with a bad token", "GET", "/api/v1/pipelines", "not-a-token", None, {}, [401]),
            ("submit without token", "POST", p + "/versions", None, j({"version": args.version}), {}, [401]),
        ]
        if args.viewer_token:
            cases.append(("submit as viewer", "POST", p + "/versions", args.viewer_token,
                          j({"version": args.version}), {}, [403]))

    for label, method, path, who, body, headers, expected in cases:
        status, answer_headers, data = client.call(method, path, who, body, headers)
        check_answer(spec, label, method, path, status, answer_headers, data, expected)
        if status == 401 and "www-authenticate" not in {k.lower() for k in answer_headers} and not anonymous:
            fail("%s: 401 without WWW-Authenticate" % label)
    for label, path in (("events", "/api/v1/events?after=0"),
                        ("events of one pipeline", "/api/v1/events?after=0&pipeline=" + urllib.parse.quote(args.pipeline))):
        status, answer_headers, data = client.call("GET", path, token, stream=True)
        check_answer(spec, label, "GET", path, status, answer_headers, data, [200])

    print("openapi_check: %d cases, %d failures" % (len(cases) + 2, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
