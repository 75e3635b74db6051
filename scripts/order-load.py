#!/usr/bin/env python3
"""A bounded load of order creations (and public catalog reads) against a
running Zonmart, with one disruptive event in the middle, then a check of
what the database holds. Python 3 standard library only.

    scripts/order-load.py --base http://127.0.0.1:18400 --admin admin:PASSWORD \
        --seconds 20 --writers 8 --readers 2 \
        --event-at 5 --event 'scripts/cluster.sh kill-primary' \
        --psql-url 'postgres://...?...target_session_attrs=read-write' --label failover

Setup: registers a customer, logs in, creates a product with a large stock as
the admin. Load: `--writers` threads POST /api/v1/orders (one line, quantity
1) and `--readers` threads GET the product list and the product, until
`--seconds` have passed; `--carters` threads share one other customer's cart
and set its line over and over, each time with the version it just read
(`If-Match`), so they race each other's writes. Nothing is retried: a 201 is acknowledged (its order
id kept), any other status is a failure (counted by status), and a request
with no answer (timeout, broken connection) is "unknown". After the load,
the database is asked (psql, on the primary) for the customer's orders and
the product's stock:

- every acknowledged order exists exactly once;
- the stock equals the initial stock minus the quantities of the stored
  orders, and the stored orders that were not acknowledged are at most the
  unknown and 5xx requests (a commit whose answer was lost);
- every cart write answered 200 got a version no other write got, and the
  cart's final version is 1 + the acknowledged writes (+ at most the writes
  that went unanswered): a stale write was refused (412), never lost;
- with `--event`, the time from the event to the first 201 after the last
  failed write ("writes served again") is measured and printed, with the
  event's exit status and how long it ran (`--event-timeout`, default 60 s).

Prints one JSON summary line (prefixed `RESULT `) and exits 1 if a check
fails, or if `--max-failures` / `--max-recovery-seconds` are exceeded.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

TIMEOUT = 10.0


def call(base, method, path, body=None, token=None, form=False, headers=None):
    """(status, parsed body) or (None, error text) when no answer came."""
    headers = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw) if raw else None
        except ValueError:
            return e.code, raw.decode(errors="replace")
    except Exception as e:  # timeouts, resets, refused: no answer
        return None, f"{type(e).__name__}: {e}"


def must(what, status, body, expected):
    if status != expected:
        sys.exit(f"setup failed: {what}: expected {expected}, got {status}: {body}")
    return body


def login(base, username, password):
    status, body = call(base, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    return must(f"login {username}", status, body, 200)["access_token"]


class Tally:
    """What the load saw, shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = []  # order ids answered 201
        self.write_failures = {}  # status -> count
        self.write_unknown = 0
        self.read_ok = 0
        self.read_failures = {}
        self.read_unknown = 0
        self.write_events = []  # (monotonic end time, ok: bool)
        self.write_latencies = []
        self.cart_versions = []  # versions answered 200 to a cart write
        self.cart_stale = 0  # 412: another write came first
        self.cart_failures = {}
        self.cart_unknown = 0

    def write(self, started, status, body):
        ended = time.monotonic()
        with self.lock:
            self.write_latencies.append(ended - started)
            if status == 201 and isinstance(body, dict) and "id" in body:
                self.acknowledged.append(body["id"])
                self.write_events.append((ended, True))
            elif status is None:
                self.write_unknown += 1
                self.write_events.append((ended, False))
            else:
                self.write_failures[str(status)] = self.write_failures.get(str(status), 0) + 1
                self.write_events.append((ended, False))

    def read(self, status):
        with self.lock:
            if status == 200:
                self.read_ok += 1
            elif status is None:
                self.read_unknown += 1
            else:
                self.read_failures[str(status)] = self.read_failures.get(str(status), 0) + 1


    def cart(self, status, body):
        with self.lock:
            if status == 200 and isinstance(body, dict) and "version" in body:
                self.cart_versions.append(body["version"])
            elif status == 412:
                self.cart_stale += 1
            elif status is None:
                self.cart_unknown += 1
            else:
                self.cart_failures[str(status)] = self.cart_failures.get(str(status), 0) + 1


def psql(url, sql):
    out = subprocess.run(["psql", url, "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--admin", required=True, help="USERNAME:PASSWORD of an admin")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--carters", type=int, default=0, help="threads racing on one shared cart")
    parser.add_argument("--stock", type=int, default=1_000_000)
    parser.add_argument("--event-at", type=float, default=None, help="seconds into the load")
    parser.add_argument("--event", default=None, help="shell command run once at --event-at")
    parser.add_argument("--event-timeout", type=float, default=60,
                        help="seconds the event may take before it is killed (default 60)")
    parser.add_argument("--psql-url", required=True, help="a URL psql can use to reach the primary")
    parser.add_argument("--label", default="load")
    parser.add_argument("--max-failures", type=int, default=None,
                        help="fail if more requests (reads and writes) failed or went unanswered")
    parser.add_argument("--max-read-failures", type=int, default=None,
                        help="fail if more reads failed or went unanswered")
    parser.add_argument("--max-recovery-seconds", type=float, default=None)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    admin_name, _, admin_password = args.admin.partition(":")

    # Setup (any failure here stops the run: nothing is measured yet).
    customer = f"load-{uuid.uuid4().hex[:12]}"
    status, body = call(base, "POST", "/api/v1/auth/register", {"username": customer, "password": "load-password-1"})
    must("register", status, body, 201)
    user_id = body["id"]
    token = login(base, customer, "load-password-1")
    admin_token = login(base, admin_name, admin_password)
    status, body = call(base, "POST", "/api/v1/products",
                        {"name": f"Load {customer}", "price_cents": 100, "stock": args.stock}, token=admin_token)
    product_id = must("create product", status, body, 201)["id"]
    order = {"items": [{"product_id": product_id, "quantity": 1}]}
    cart_token = None
    if args.carters:
        shopper = f"cart-{uuid.uuid4().hex[:12]}"
        status, body = call(base, "POST", "/api/v1/auth/register", {"username": shopper, "password": "load-password-1"})
        must("register the cart's customer", status, body, 201)
        cart_token = login(base, shopper, "load-password-1")
        status, body = call(base, "GET", "/api/v1/cart", token=cart_token)
        cart_initial_version = must("create the cart", status, body, 200)["version"]

    tally = Tally()
    start = time.monotonic()
    deadline = start + args.seconds
    event = {"at": None, "output": None, "status": None, "seconds": None}

    def writer():
        while time.monotonic() < deadline:
            started = time.monotonic()
            status, body = call(base, "POST", "/api/v1/orders", order, token=token)
            tally.write(started, status, body)
            if status is None or status >= 500:
                time.sleep(0.05)  # no hot loop against a store that is away

    def reader():
        paths = ["/api/v1/products?limit=5", f"/api/v1/products/{product_id}"]
        n = 0
        while time.monotonic() < deadline:
            status, _ = call(base, "GET", paths[n % 2])
            tally.read(status)
            n += 1

    def carter():
        n = 0
        while time.monotonic() < deadline:
            status, body = call(base, "GET", "/api/v1/cart", token=cart_token)
            if status != 200 or not isinstance(body, dict):
                tally.cart(status, body)
                time.sleep(0.05)
                continue
            n += 1
            status, body = call(base, "PUT", f"/api/v1/cart/items/{product_id}", {"quantity": n % 7 + 1},
                                token=cart_token, headers={"If-Match": f'"{body["version"]}"'})
            tally.cart(status, body)

    def disrupt():
        time.sleep(max(0.0, start + args.event_at - time.monotonic()))
        event["at"] = time.monotonic()
        # Its own process group, so a timeout ends the command's children too.
        proc = subprocess.Popen(args.event, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=args.event_timeout)
            event["output"] = output.strip()
            event["status"] = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            event["output"] = f"{output.strip()}\ntimed out after {args.event_timeout:g} s".strip()
            event["status"] = None
        event["seconds"] = time.monotonic() - event["at"]

    threads = [threading.Thread(target=writer) for _ in range(args.writers)]
    threads += [threading.Thread(target=reader) for _ in range(args.readers)]
    threads += [threading.Thread(target=carter) for _ in range(args.carters)]
    if args.event:
        threads.append(threading.Thread(target=disrupt))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Recovery: from the event to the first success after the last failure.
    recovery = None
    first_failure_after_event = None
    if event["at"] is not None:
        events = sorted(e for e in tally.write_events if e[0] >= event["at"])
        failures = [t for t, ok in events if not ok]
        if failures:
            first_failure_after_event = failures[0] - event["at"]
            later_ok = [t for t, ok in events if ok and t > failures[-1]]
            recovery = (later_ok[0] - event["at"]) if later_ok else None
        else:
            recovery = 0.0

    # The database's view, on whichever node is the primary now.
    stored = psql(args.psql_url, f"select o.id, i.quantity from orders o join order_items i on i.order_id = o.id "
                                 f"where o.user_id = '{user_id}' and i.product_id = '{product_id}'")
    rows = [line.split("|") for line in stored.splitlines() if line]
    stored_ids = [r[0] for r in rows]
    stored_quantity = sum(int(r[1]) for r in rows)
    stock = int(psql(args.psql_url, f"select stock from products where id = '{product_id}'"))

    acknowledged = tally.acknowledged
    counts = {}
    for oid in stored_ids:
        counts[oid] = counts.get(oid, 0) + 1
    missing = [oid for oid in acknowledged if counts.get(oid, 0) == 0]
    duplicated = [oid for oid, n in counts.items() if n > 1]
    not_acknowledged = len(set(stored_ids) - set(acknowledged))
    server_errors = sum(n for s, n in tally.write_failures.items() if s.startswith("5"))
    failed = sum(tally.write_failures.values()) + tally.write_unknown \
        + sum(tally.read_failures.values()) + tally.read_unknown \
        + sum(tally.cart_failures.values()) + tally.cart_unknown
    latencies = sorted(tally.write_latencies)

    checks = {
        "every_acknowledged_order_stored_once": not missing and not duplicated
        and len(set(acknowledged)) == len(acknowledged),
        "stock_matches_stored_orders": stock == args.stock - stored_quantity,
        "unacknowledged_orders_within_unknown_and_5xx": not_acknowledged <= tally.write_unknown + server_errors,
    }
    cart = None
    if args.carters:
        status, body = call(base, "GET", "/api/v1/cart", token=cart_token)
        final_version = must("read the cart", status, body, 200)["version"]
        acked = tally.cart_versions
        cart_server_errors = sum(n for s, n in tally.cart_failures.items() if s.startswith("5"))
        lost_or_unacked = final_version - cart_initial_version - len(acked)
        checks["cart_writes_got_distinct_versions"] = len(set(acked)) == len(acked)
        checks["cart_version_counts_every_acknowledged_write"] = \
            0 <= lost_or_unacked <= tally.cart_unknown + cart_server_errors
        cart = {"acknowledged_200": len(acked), "refused_stale_412": tally.cart_stale,
                "failed_by_status": tally.cart_failures, "unknown_no_answer": tally.cart_unknown,
                "initial_version": cart_initial_version, "final_version": final_version}
    if args.max_failures is not None:
        checks["failed_requests_within_bound"] = failed <= args.max_failures
    if args.max_read_failures is not None:
        read_failed = sum(tally.read_failures.values()) + tally.read_unknown
        checks["failed_reads_within_bound"] = read_failed <= args.max_read_failures
    if args.max_recovery_seconds is not None and event["at"] is not None:
        checks["writes_served_again_within_bound"] = recovery is not None and recovery <= args.max_recovery_seconds

    result = {
        "label": args.label,
        "seconds": args.seconds,
        "writes": {
            "acknowledged_201": len(acknowledged),
            "failed_by_status": tally.write_failures,
            "unknown_no_answer": tally.write_unknown,
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "max_ms": round(1000 * latencies[-1], 1) if latencies else None,
        },
        "reads": {"ok_200": tally.read_ok, "failed_by_status": tally.read_failures, "unknown_no_answer": tally.read_unknown},
        "cart": cart,
        "stored_orders": len(stored_ids),
        "stored_not_acknowledged": not_acknowledged,
        "acknowledged_missing": len(missing),
        "initial_stock": args.stock,
        "stock_now": stock,
        "stock_expected_from_acknowledged": args.stock - len(acknowledged),
        "event": event["output"],
        "event_exit_status": event["status"],
        "event_seconds": round(event["seconds"], 2) if event["seconds"] is not None else None,
        "first_write_failure_after_event_s": round(first_failure_after_event, 2) if first_failure_after_event is not None else None,
        "writes_served_again_after_s": round(recovery, 2) if recovery is not None else None,
        "failed_requests_total": failed,
        "checks": checks,
    }
    print("RESULT " + json.dumps(result), flush=True)
    if not all(checks.values()):
        print(f"[{args.label}] FAILED: {[k for k, ok in checks.items() if not ok]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
