#!/usr/bin/env python3
"""Races over HTTP against a running Zonmart, each checked against what the
database holds afterwards (psql). Python 3 standard library only; it reuses
scripts/order-load.py's HTTP and psql helpers. scripts/citus-test.sh runs it
against Zonmart on Citus, but nothing here is Citus-specific.

    scripts/citus-races.py --base http://127.0.0.1:18450 --admin admin:PASSWORD \
        --psql-url 'postgres://postgres@127.0.0.1:5451/zonmart'

- last-stock: `--buyers` customers (50) order one each of a product with
  `--stock` (10) at once: exactly `--stock` orders are answered 201, the others
  409 `insufficient_stock`; the stock ends at 0 and the database holds
  exactly the acknowledged orders.
- crossing: `--cross-threads` threads (20) place two-line orders for
  `--cross-seconds` (10), half of them [A, B], half [B, A] (lock order
  crossed; with `--citus`, A's and B's shards are on two workers): no 5xx and no unanswered request; every 201 stored once, and each
  stock equals its initial stock minus the stored quantities.
- idempotency: one Idempotency-Key sent `--same-key` times (10) at once with
  one body: every answer is 201 with one and the same order id, or 409
  `duplicate` (API.md: "while the first request with that key is still
  running, a second one waits for it or gets 409 duplicate"); at least one
  201; exactly one order stored; the stock moved once; a later retry with
  the key replays the same order.
- discount: a code with max_uses `--max-uses` (3), used by `--discount-buyers`
  (10) customers at once, one order each: exactly 3 placed (201), the others
  409 `discount_unavailable` (reason `exhausted`); 3 orders stored with the
  code, and the code's `uses` is 3 (API and database).

Prints a `RACE {json}` line per race and a human line, and exits 1 if any
check failed.
"""

import argparse
import importlib.util
import json
import os
import sys
import threading
import time
import uuid

_spec = importlib.util.spec_from_file_location(
    "order_load", os.path.join(os.path.dirname(os.path.abspath(__file__)), "order-load.py"))
order_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(order_load)
call, must, login, psql = order_load.call, order_load.must, order_load.login, order_load.psql

PASSWORD = "race-password-1"


def at_once(n, fn):
    """Runs fn(i) in n threads released together; returns the results by i."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def parallel_map(fn, items, workers=8):
    """fn over items in `workers` threads (setup work: registrations, logins)."""
    items = list(items)
    results = [None] * len(items)
    lock = threading.Lock()
    next_index = [0]

    def work():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(items):
                return
            results[i] = fn(items[i])

    threads = [threading.Thread(target=work) for _ in range(min(workers, len(items)) or 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def customer(base, prefix):
    """Registers a customer; returns (user id, access token)."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    status, body = call(base, "POST", "/api/v1/auth/register", {"username": name, "password": PASSWORD})
    user_id = must(f"register {name}", status, body, 201)["id"]
    return user_id, login(base, name, PASSWORD)


def customers(base, prefix, n):
    return parallel_map(lambda _: customer(base, prefix), range(n))


def product(base, admin_token, name, stock, price_cents=500):
    status, body = call(base, "POST", "/api/v1/products",
                        {"name": f"{name} {uuid.uuid4().hex[:8]}", "price_cents": price_cents, "stock": stock},
                        token=admin_token)
    return must(f"create product {name}", status, body, 201)["id"]


def code_of(body):
    return body.get("code") if isinstance(body, dict) else None


def tally(answers):
    """{"201": n, "409 insufficient_stock": n, "none": n, ...}"""
    out = {}
    for status, body in answers:
        key = "none" if status is None else (str(status) if status < 400 else f"{status} {code_of(body)}")
        out[key] = out.get(key, 0) + 1
    return out


def q(value):
    return "'" + str(value).replace("'", "''") + "'"


def stored_orders(db, product_id):
    """order id -> quantity of `product_id` in it, from the database."""
    rows = psql(db, f"select order_id, quantity from order_items where product_id = {q(product_id)}")
    counts, quantity = {}, 0
    for line in rows.splitlines():
        oid, qty = line.split("|")
        counts[oid] = counts.get(oid, 0) + 1
        quantity += int(qty)
    return counts, quantity


def stock_of(db, product_id):
    return int(psql(db, f"select stock from products where id = {q(product_id)}"))


def race_last_stock(base, db, admin_token, buyers, stock):
    pid = product(base, admin_token, "Last stock", stock)
    people = customers(base, "last", buyers)
    order = {"items": [{"product_id": pid, "quantity": 1}]}
    answers = at_once(buyers, lambda i: call(base, "POST", "/api/v1/orders", order, token=people[i][1]))
    acked = [b["id"] for s, b in answers if s == 201]
    counts, quantity = stored_orders(db, pid)
    now = stock_of(db, pid)
    refused = sum(1 for s, b in answers if s == 409 and code_of(b) == "insufficient_stock")
    checks = {
        "exactly_stock_orders_acknowledged": len(acked) == stock,
        "the_rest_refused_409_insufficient_stock": refused == buyers - stock,
        "stock_is_zero": now == 0,
        "stored_equals_acknowledged": sorted(counts) == sorted(acked) and all(n == 1 for n in counts.values()),
    }
    return {"race": "last-stock", "buyers": buyers, "stock": stock, "answers": tally(answers),
            "stored_orders": len(counts), "stock_now": now, "checks": checks}, \
        f"last stock: {buyers} buyers of {stock}: {len(acked)} x 201, {refused} x 409 insufficient_stock, " \
        f"stored {len(counts)}, stock now {now}"


def node_of(db, product_id):
    """The Citus worker holding the product's shard ("host:port")."""
    return psql(db, "select nodename || ':' || nodeport from citus_shards where shardid = "
                    f"get_shard_id_for_distribution_column('products', {q(product_id)})")


def race_crossing(base, db, admin_token, threads, seconds, citus, stock=1_000_000):
    a = product(base, admin_token, "Cross A", stock)
    b = product(base, admin_token, "Cross B", stock)
    nodes = None
    if citus:  # A and B on two workers: the crossed locks are taken on two nodes
        for _ in range(20):
            nodes = [node_of(db, a), node_of(db, b)]
            if nodes[0] != nodes[1]:
                break
            b = product(base, admin_token, "Cross B", stock)
    user_id, token = customer(base, "cross")
    bodies = [{"items": [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 2}]},
              {"items": [{"product_id": b, "quantity": 2}, {"product_id": a, "quantity": 1}]}]
    lock = threading.Lock()
    answers, acked, latencies = [], [], []
    deadline = [0.0]

    def run(i):
        while time.monotonic() < deadline[0]:
            started = time.monotonic()
            status, body = call(base, "POST", "/api/v1/orders", bodies[i % 2], token=token)
            with lock:
                latencies.append(time.monotonic() - started)
                answers.append((status, body))
                if status == 201:
                    acked.append(body["id"])
            if status is None or status >= 500:
                time.sleep(0.05)

    deadline[0] = time.monotonic() + seconds
    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    counts_a, qty_a = stored_orders(db, a)
    counts_b, qty_b = stored_orders(db, b)
    stock_a, stock_b = stock_of(db, a), stock_of(db, b)
    users_orders = int(psql(db, f"select count(*) from orders where user_id = {q(user_id)}"))
    server_errors = sum(1 for s, _ in answers if s is not None and s >= 500)
    unanswered = sum(1 for s, _ in answers if s is None)
    latencies.sort()
    checks = {
        "no_5xx": server_errors == 0,
        "no_unanswered_request": unanswered == 0,
        "every_acknowledged_order_stored_once": sorted(counts_a) == sorted(acked) == sorted(counts_b)
        and all(n == 1 for n in counts_a.values()) and all(n == 1 for n in counts_b.values())
        and users_orders == len(acked),
        "stock_a_matches_stored_orders": stock_a == stock - qty_a,
        "stock_b_matches_stored_orders": stock_b == stock - qty_b,
    }
    rate = len(answers) / seconds if seconds else 0
    return {"race": "crossing", "threads": threads, "seconds": seconds, "answers": tally(answers),
            "acknowledged_201": len(acked), "stored_orders": users_orders, "stock_a": [stock, stock_a],
            "stock_b": [stock, stock_b], "nodes_of_a_and_b": nodes, "orders_per_s": round(rate, 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "max_ms": round(1000 * latencies[-1], 1) if latencies else None, "checks": checks}, \
        f"crossing: {threads} threads x {seconds:g} s of [A,B] / [B,A]" \
        f"{' (A on ' + nodes[0] + ', B on ' + nodes[1] + ')' if nodes else ''}: {len(answers)} requests " \
        f"({rate:.0f}/s), answers {tally(answers)}, 5xx {server_errors}, unanswered {unanswered}, " \
        f"stored {users_orders}; stock A {stock} -> {stock_a} (stored qty {qty_a}), B {stock} -> {stock_b} (stored qty {qty_b})"


def race_idempotency(base, db, admin_token, n):
    pid = product(base, admin_token, "Same key", 100)
    user_id, token = customer(base, "idem")
    key = f"race-{uuid.uuid4().hex}"
    order = {"items": [{"product_id": pid, "quantity": 1}]}
    headers = {"Idempotency-Key": key}
    answers = at_once(n, lambda i: call(base, "POST", "/api/v1/orders", order, token=token, headers=headers))
    ids = {b["id"] for s, b in answers if s == 201}
    in_flight = sum(1 for s, b in answers if s == 409 and code_of(b) == "duplicate")
    other = [(s, code_of(b)) for s, b in answers if s != 201 and not (s == 409 and code_of(b) == "duplicate")]
    retry_status, retry_body = call(base, "POST", "/api/v1/orders", order, token=token, headers=headers)
    stored = psql(db, f"select id from orders where user_id = {q(user_id)}").split()
    now = stock_of(db, pid)
    checks = {
        "answers_201_or_409_duplicate_only": not other,
        "at_least_one_201": len(ids) >= 1,
        "every_201_names_one_order": len(ids) == 1,
        "exactly_one_order_stored": len(stored) == 1 and set(stored) == ids,
        "stock_moved_once": now == 99,
        "later_retry_replays_it": retry_status == 201 and isinstance(retry_body, dict)
        and {retry_body.get("id")} == ids,
    }
    return {"race": "idempotency", "requests": n, "answers": tally(answers), "order_ids": sorted(ids),
            "stored_orders": len(stored), "stock": [100, now], "retry": retry_status, "checks": checks}, \
        f"idempotency: one key x {n} at once: {sum(1 for s, _ in answers if s == 201)} x 201 naming " \
        f"{len(ids)} order id(s), {in_flight} x 409 duplicate (in flight), other {other or 'none'}; " \
        f"stored {len(stored)}, stock 100 -> {now}; a later retry: {retry_status}, same order: " \
        f"{isinstance(retry_body, dict) and {retry_body.get('id')} == ids}"


def race_discount(base, db, admin_token, buyers, max_uses):
    pid = product(base, admin_token, "Discounted", 1000)
    code = f"RACE{uuid.uuid4().hex[:10].upper()}"
    status, body = call(base, "POST", "/api/v1/discounts",
                        {"code": code, "kind": "percent", "value": 10, "max_uses": max_uses}, token=admin_token)
    discount_id = must("create the discount code", status, body, 201)["id"]
    people = customers(base, "disc", buyers)
    order = {"items": [{"product_id": pid, "quantity": 1}], "discount_code": code}
    answers = at_once(buyers, lambda i: call(base, "POST", "/api/v1/orders", order, token=people[i][1]))
    placed = [b for s, b in answers if s == 201]
    exhausted = sum(1 for s, b in answers
                    if s == 409 and code_of(b) == "discount_unavailable" and b.get("reason") == "exhausted")
    with_code = int(psql(db, f"select count(*) from orders where discount_code = {q(code)}"))
    uses_db = int(psql(db, f"select uses from discount_codes where id = {q(discount_id)}"))
    status, body = call(base, "GET", f"/api/v1/discounts/{discount_id}", token=admin_token)
    uses_api = body.get("uses") if status == 200 and isinstance(body, dict) else None
    checks = {
        "exactly_max_uses_orders_placed": len(placed) == max_uses,
        "every_placed_order_carries_the_code": all(b.get("discount_code") == code for b in placed),
        "the_rest_refused_409_exhausted": exhausted == buyers - max_uses,
        "orders_stored_with_the_code": with_code == max_uses,
        "uses_in_the_database": uses_db == max_uses,
        "uses_in_the_api": uses_api == max_uses,
    }
    return {"race": "discount", "buyers": buyers, "max_uses": max_uses, "answers": tally(answers),
            "orders_with_code": with_code, "uses_db": uses_db, "uses_api": uses_api, "checks": checks}, \
        f"discount: {buyers} customers, max_uses {max_uses}: {len(placed)} x 201, {exhausted} x 409 " \
        f"discount_unavailable/exhausted; orders stored with the code {with_code}, uses {uses_db} (API {uses_api})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--admin", required=True, help="USERNAME:PASSWORD of an admin")
    parser.add_argument("--psql-url", required=True, help="a URL psql can use to reach the (primary) database")
    parser.add_argument("--only", default="last-stock,crossing,idempotency,discount",
                        help="comma list of races to run")
    parser.add_argument("--citus", action="store_true",
                        help="the database is a Citus coordinator: put the crossing race's products on two workers")
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--stock", type=int, default=10)
    parser.add_argument("--cross-threads", type=int, default=20)
    parser.add_argument("--cross-seconds", type=float, default=10)
    parser.add_argument("--same-key", type=int, default=10)
    parser.add_argument("--discount-buyers", type=int, default=10)
    parser.add_argument("--max-uses", type=int, default=3)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    name, _, password = args.admin.partition(":")
    admin_token = login(base, name, password)
    races = {
        "last-stock": lambda: race_last_stock(base, args.psql_url, admin_token, args.buyers, args.stock),
        "crossing": lambda: race_crossing(base, args.psql_url, admin_token, args.cross_threads, args.cross_seconds,
                                             args.citus),
        "idempotency": lambda: race_idempotency(base, args.psql_url, admin_token, args.same_key),
        "discount": lambda: race_discount(base, args.psql_url, admin_token, args.discount_buyers, args.max_uses),
    }
    failed = []
    for race in [r.strip() for r in args.only.split(",") if r.strip()]:
        started = time.monotonic()
        result, line = races[race]()
        result["took_s"] = round(time.monotonic() - started, 2)
        print("RACE " + json.dumps(result), flush=True)
        bad = [k for k, ok in result["checks"].items() if not ok]
        print(f"  {line} [{'ok' if not bad else 'FAILED: ' + ', '.join(bad)}] ({result['took_s']} s)", flush=True)
        if bad:
            failed.append(race)
    if failed:
        print(f"races failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
