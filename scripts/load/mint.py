#!/usr/bin/env python3
"""Creates N users in the emulator (control API), mints a one-hour session token for each,
creates three projects per user through the app's REST API, and writes the tokens, one per
line. Usage: mint.py BASE_URL N OUT_FILE"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def prepare(i):
    user = call("POST", "/__clerk/_emulator/users", {
        "email_address": f"load{i}@example.com", "first_name": "Load", "last_name": f"User {i}",
    })
    token = call("POST", "/__clerk/_emulator/tokens", {"user_id": user["id"], "lifetime_secs": 3600})["jwt"]
    for n in range(3):
        call("POST", "/api/projects", {"name": f"Project {n}", "description": "load test"}, token)
    return token


with ThreadPoolExecutor(max_workers=8) as pool:
    tokens = list(pool.map(prepare, range(count)))
with open(out, "w") as f:
    f.write("\n".join(tokens) + "\n")
print(f"{len(tokens)} users, {3 * len(tokens)} projects")
