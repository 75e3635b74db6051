#!/usr/bin/env python3
"""The scale benchmark's load client: one client, one kept-alive HTTP/1.1
connection, N requests per query, latencies measured around each request.

    load.py BASE_URL PRODUCTS REQUESTS OUT.json [--warmup N] [--token T] [--only a,b]

Prints one line per query and writes {query: {p50, p99, max, n, errors}} to
OUT.json. A non-2xx answer counts as an error (the script exits 1 if any).
Product ids follow bench/scale/seed-products.sql: '01KBSC' + 20 digits.
"""

import http.client
import json
import random
import sys
import time
import urllib.parse


def product_id(g):
    return "01KBSC" + str(g).rjust(20, "0")


def live_in_stock(n, rng):
    """A product that is neither archived (g % 50 == 0) nor sold out (g % 7 == 0)."""
    while True:
        g = rng.randint(1, n)
        if g % 50 and g % 7:
            return g


def queries(n):
    """(name, method, path-maker, body-maker), in the table's order."""
    listing = "/api/v1/products?"

    def get(params):
        path = listing + urllib.parse.urlencode(params)
        return lambda rng: path

    return [
        ("listing `limit=20`", "GET", get({"limit": 20}), None),
        ("price range, `sort=price_cents`", "GET", get({"min_price_cents": 1000, "max_price_cents": 2000, "sort": "price_cents"}), None),
        ("`sort=name&in_stock=true`", "GET", get({"sort": "name", "in_stock": "true"}), None),
        ("`q=teapot` (common: 1 in 8), newest first", "GET", get({"q": "teapot", "sort": "-created_at"}), None),
        ("`q=teapot 999` (rare: 1 in 8,000), newest first", "GET", get({"q": "teapot 999", "sort": "-created_at"}), None),
        ("`q=zebra` (absent)", "GET", get({"q": "zebra", "sort": "-created_at"}), None),
        ("`q=k` (one character)", "GET", get({"q": "k", "sort": "-created_at"}), None),
        ("`q=ж` (one character, absent)", "GET", get({"q": "ж", "sort": "-created_at"}), None),
        ("`q=teapot`, price range, `sort=-price_cents`", "GET", get({"q": "teapot", "min_price_cents": 1000, "max_price_cents": 2000, "sort": "-price_cents"}), None),
        ("`q=teapot 999&sort=name&in_stock=true`", "GET", get({"q": "teapot 999", "sort": "name", "in_stock": "true"}), None),
        ("relevance `q=tea` (prefix of a word)", "GET", get({"q": "tea"}), None),
        ("relevance `q=teapot 999`", "GET", get({"q": "teapot 999"}), None),
        ("relevance `q=k`", "GET", get({"q": "k"}), None),
        ("`GET /api/v1/products/{id}`", "GET", lambda rng: "/api/v1/products/" + product_id(rng.randint(1, n)), None),
        ("`POST /api/v1/orders`", "POST", lambda rng: "/api/v1/orders",
         lambda rng: {"items": [{"product_id": product_id(live_in_stock(n, rng)), "quantity": 1}]}),
    ]


def percentile(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, int(round(p / 100 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[k]


def main():
    args = sys.argv[1:]
    opts = {"--warmup": "20", "--token": "", "--only": ""}
    positional = []
    while args:
        a = args.pop(0)
        if a in opts:
            opts[a] = args.pop(0)
        else:
            positional.append(a)
    base, n, requests, out = positional[0], int(positional[1]), int(positional[2]), positional[3]
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"content-type": "application/json"}
    if opts["--token"]:
        headers["authorization"] = "Bearer " + opts["--token"]
    only = [s for s in opts["--only"].split(",") if s]
    rng = random.Random(24)
    results = {}
    failed = 0
    for name, method, path_of, body_of in queries(n):
        if only and not any(o in name for o in only):
            continue
        if method == "POST" and not opts["--token"]:
            continue
        times, errors = [], 0
        for i in range(int(opts["--warmup"]) + requests):
            path = path_of(rng)
            body = json.dumps(body_of(rng)) if body_of else None
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if not 200 <= answer.status < 300:
                errors += 1
                if errors == 1:
                    print(f"  {name}: HTTP {answer.status} for {method} {path}", file=sys.stderr)
            if i >= int(opts["--warmup"]):
                times.append(elapsed)
        times.sort()
        results[name] = {"p50": percentile(times, 50), "p99": percentile(times, 99), "max": times[-1], "n": len(times), "errors": errors}
        failed += errors
        print(f"  {name:<50} p50 {results[name]['p50']:7.2f} ms  p99 {results[name]['p99']:7.2f} ms  max {times[-1]:7.2f} ms  errors {errors}", flush=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
