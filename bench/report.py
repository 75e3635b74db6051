"""Turns bench/run.sh's raw figures into the results table, printed and
written as Markdown, and checks the targets.

usage: report.py OUT_DIR RESULTS_MD

Exits 1 if any request failed in any run (wrk's socket errors and non-2xx
answers, pgbench's failed transactions or a non-zero exit): a figure with
errors in it measures something else. A missed target is reported, not
failed on, unless BENCH_STRICT=1.
"""

import glob
import json
import os
import re
import statistics
import sys

out_dir, results_path = sys.argv[1], sys.argv[2]
raw = os.path.join(out_dir, "raw")

meta = {}
with open(os.path.join(out_dir, "meta.env")) as f:
    for line in f:
        if "=" in line:
            key, value = line.rstrip("\n").split("=", 1)
            meta[key] = value

busy = set()
if os.path.exists(os.path.join(raw, "busy.txt")):
    busy = set(open(os.path.join(raw, "busy.txt")).read().split())

# name: backend__endpoint__cN__rR
runs: dict[tuple[str, str, int], list[dict]] = {}
for path in glob.glob(os.path.join(raw, "*__*__c*__r*.json")):
    name = os.path.basename(path)[: -len(".json")]
    backend, endpoint, c, r = name.split("__")
    figures = json.load(open(path))
    figures["name"] = name
    figures["busy"] = name in busy
    cpu_file = os.path.join(raw, name + ".cpu")
    figures["cpu"] = json.load(open(cpu_file)) if os.path.exists(cpu_file) else {}
    figures["others"] = figures["cpu"].get("others", 0.0)
    if backend == "pgbench":
        figures["errors"] = figures["failed"] + (int(open(os.path.join(raw, name + ".status")).read()) != 0)
        figures["clients"] = int(open(os.path.join(raw, name + ".clients")).read())
    else:
        figures["errors"] = sum(figures[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    runs.setdefault((backend, endpoint, int(c[1:])), []).append(figures)


def med(key_runs: list[dict], field: str) -> float:
    return statistics.median(r[field] for r in key_runs)


def summary(key: tuple[str, str, int]) -> dict | None:
    rs = runs.get(key)
    if not rs:
        return None
    return {
        "rps": med(rs, "rps"),
        "rps_min": min(r["rps"] for r in rs),
        "rps_max": max(r["rps"] for r in rs),
        "p50": med(rs, "p50_us") / 1000,
        "p99": med(rs, "p99_us") / 1000,
        "errors": sum(r["errors"] for r in rs),
        "busy": any(r["busy"] for r in rs),
        "others": max(r["others"] for r in rs),
        "cpu": {k: statistics.median(r["cpu"].get(k, 0.0) for r in rs) for k in ("server", "postgres", "client", "others", "idle")},
        "n": len(rs),
        "clients": rs[0].get("clients"),
    }


LABELS = {
    "product": "GET /api/v1/products/{id}",
    "list": "GET /api/v1/products?limit=20",
    "me": "GET /api/v1/users/me",
    "patch": "PATCH /api/v1/users/{id}",
    "order": "POST /api/v1/orders",
    "order-pipelined": "POST /api/v1/orders (order-pipelined.sql)",
    "checkout": "POST /api/v1/orders (address, shipping, tax, 10 % code)",
    "login": "POST /api/v1/auth/login",
}
ORDER = ["product", "list", "me", "patch", "order", "checkout"]


def paired_ratio(api: tuple[str, str, int], bench: tuple[str, str, int]) -> float | None:
    """The median over rounds of API req/s / pgbench tps, each round's two
    runs taken seconds apart (run.sh runs pgbench right after the API), so
    the machine's drift between rounds cancels out. None without a pair."""
    def by_round(key):
        return {r["name"].rsplit("__r", 1)[1]: r["rps"] for r in runs.get(key, [])}
    a, b = by_round(api), by_round(bench)
    ratios = [a[k] / b[k] for k in a if k in b and b[k] > 0]
    return statistics.median(ratios) if ratios else None


def ms(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def mark(s: dict) -> str:
    return " ‡" if s["busy"] else ""


lines: list[str] = []
total_errors = 0
# A pgbench run that exited non-zero without figures (it could not connect,
# say) still counts as an error.
for path in glob.glob(os.path.join(raw, "pgbench__*.status")):
    name = os.path.basename(path)[: -len(".status")]
    if int(open(path).read()) != 0 and not os.path.exists(os.path.join(raw, name + ".json")):
        total_errors += 1
        print(f"pgbench run {name} failed without figures: see {os.path.join(raw, name + '.txt')}", file=sys.stderr)
conns = sorted({c for (b, e, c) in runs if b in ("pg", "sqlite") and e != "login"})

# -------------------------------------------------------------- PostgreSQL
lines += [
    "### PostgreSQL",
    "",
    "| endpoint | conns | req/s (min–max) | p50 ms | p99 ms | errors | pgbench tps | pgbench p50 / p99 ms | API / pgbench | others' CPU |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for endpoint in ORDER:
    for c in conns:
        s = summary(("pg", endpoint, c))
        if not s:
            continue
        total_errors += s["errors"]
        p = summary(("pgbench", endpoint, c))
        if p:
            total_errors += p["errors"]
            at = f" (at {p['clients']} clients)" if p["clients"] != c else ""
            pg_cells = (
                f"{p['rps']:.0f}{at}{mark(p)}",
                f"{ms(p['p50'])} / {ms(p['p99'])}",
                f"**{paired_ratio(('pg', endpoint, c), ('pgbench', endpoint, c)):.2f}**",
            )
            if p["errors"]:
                pg_cells = (pg_cells[0] + f" ({p['errors']} failed)",) + pg_cells[1:]
        else:
            pg_cells = ("–", "–", "–")
            if endpoint in {k[1] for k in runs if k[0] == "pgbench"}:
                pg_cells = ("not run †", "–", "–")
        others = max(s["others"], p["others"]) if p else s["others"]
        lines.append(
            f"| {LABELS[endpoint]} | {c} | {s['rps']:.0f} ({s['rps_min']:.0f}–{s['rps_max']:.0f}){mark(s)} "
            f"| {ms(s['p50'])} | {ms(s['p99'])} | {s['errors']} | {' | '.join(pg_cells)} | {others:.0f}% |"
        )

# pgbench cannot pipeline the order's transaction as the server does (\gset
# is not allowed in its pipeline mode); order-pipelined.sql pipelines what
# it can, and the order target is judged against the faster of the two.
for c in conns:
    s, p = summary(("pg", "order", c)), summary(("pgbench", "order-pipelined", c))
    if s and p:
        total_errors += p["errors"]
        lines += [
            "",
            f"POST /api/v1/orders at {c} connections against pgbench's `order-pipelined.sql` (the inserts and COMMIT "
            f"in one pipeline, as far as pgbench can pipeline this transaction): {p['rps']:.0f} tps{mark(p)}, p50 / p99 "
            f"{ms(p['p50'])} / {ms(p['p99'])} ms, {p['errors']} failed; API / pgbench "
            f"**{paired_ratio(('pg', 'order', c), ('pgbench', 'order-pipelined', c)):.2f}**.",
        ]

# -------------------------------------------------------------- SQLite
sqlite_rows = [(e, c) for e in ORDER for c in conns if ("sqlite", e, c) in runs]
if sqlite_rows:
    lines += [
        "",
        "### SQLite (embedded, WAL)",
        "",
        "| endpoint | conns | req/s (min–max) | p50 ms | p99 ms | errors | vs PostgreSQL req/s | others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for endpoint, c in sqlite_rows:
        s = summary(("sqlite", endpoint, c))
        total_errors += s["errors"]
        pg = summary(("pg", endpoint, c))
        vs = f"{s['rps'] / pg['rps']:.2f}×" if pg else "–"
        lines.append(
            f"| {LABELS[endpoint]} | {c} | {s['rps']:.0f} ({s['rps_min']:.0f}–{s['rps_max']:.0f}){mark(s)} "
            f"| {ms(s['p50'])} | {ms(s['p99'])} | {s['errors']} | {vs} | {s['others']:.0f}% |"
        )

# -------------------------------------------------------------- CPU
lines += [
    "",
    "### Where the CPU went (medians over the runs; % of both cores)",
    "",
    "| run | conns | server | PostgreSQL | load tool | others | idle |",
    "|---|---:|---:|---:|---:|---:|---:|",
]
for backend, label in (("pg", "API on PostgreSQL"), ("pgbench", "pgbench"), ("sqlite", "API on SQLite")):
    for endpoint in ORDER + ["order-pipelined", "login"]:
        for c in sorted({k[2] for k in runs if k[0] == backend and k[1] == endpoint}):
            s = summary((backend, endpoint, c))
            u = s["cpu"]
            lines.append(
                f"| {label}: {LABELS[endpoint].split(' ', 1)[1] if backend == 'pgbench' else LABELS[endpoint]} | {c} "
                f"| {u['server']:.0f}% | {u['postgres']:.0f}% | {u['client']:.0f}% | {u['others']:.0f}% | {u['idle']:.0f}% |"
            )

# -------------------------------------------------------------- login
bcrypt = json.load(open(os.path.join(raw, "bcrypt.json")))
cores = int(meta.get("cores", "2"))
login_keys = [k for k in runs if k[0] == "pg" and k[1] == "login"]
login = summary(login_keys[0]) if login_keys else None
ceiling = cores * 1000 / bcrypt["verify_ms_median"]
lines += ["", "### Login and bcrypt", ""]
if login:
    total_errors += login["errors"]
    lines += [
        "| figure | value |",
        "|---|---:|",
        f"| POST /api/v1/auth/login, PostgreSQL, {login_keys[0][2]} connections | {login['rps']:.1f} req/s "
        f"({login['rps_min']:.1f}–{login['rps_max']:.1f}){mark(login)}, p50 {ms(login['p50'])} ms, p99 {ms(login['p99'])} ms, "
        f"{login['errors']} errors |",
        f"| one bcrypt verify at cost {bcrypt['cost']} ({bcrypt['tool']}) | {bcrypt['verify_ms_median']} ms "
        f"(median of {bcrypt['verifies']}) |",
        f"| bcrypt ceiling: {cores} cores / one verify | {ceiling:.1f} verifies/s |",
        f"| login throughput / bcrypt ceiling | **{login['rps'] / ceiling:.2f}** |",
    ]

# -------------------------------------------------------------- process
def mib(kib: str) -> float:
    return int(kib) / 1024


lines += ["", "### Server process", "", "| figure | PostgreSQL | SQLite |", "|---|---:|---:|"]
rss = {b: mib(meta[f"{b}_peak_rss_kib"]) for b in ("pg", "sqlite") if f"{b}_peak_rss_kib" in meta}
lines.append(f"| peak RSS under load (VmHWM) | {rss.get('pg', 0):.1f} MiB | {rss.get('sqlite', 0):.1f} MiB |")
starts = {k: float(meta[k]) for k in meta if k.endswith("_ms") and "_start_" in k}
lines.append(
    f"| start-up to /ready, empty database (migrations, first admin) | {starts.get('pg_start_empty_ms', 0):.0f} ms "
    f"| {starts.get('sqlite_start_empty_ms', 0):.0f} ms |"
)
lines.append(
    f"| start-up to /ready, seeded database | {starts.get('pg_start_seeded_ms', 0):.0f} ms "
    f"| {starts.get('sqlite_start_seeded_ms', 0):.0f} ms |"
)

# -------------------------------------------------------------- the peer
peer = summary(("peer", "product", 32))
product32 = summary(("pg", "product", 32))
if peer and product32:
    peer_ratio = paired_ratio(("pg", "product", 32), ("peer", "product", 32))
    lines += [
        "",
        "### The peer: what a Python shop backend would serve",
        "",
        "The same product read over the same seeded table by bench/peer/app.py (FastAPI, SQLAlchemy 2 async, asyncpg, "
        "a pool of 16, two uvicorn workers), measured by the same wrk script right after the API's run in each round.",
        "",
        "| GET /api/v1/products/{id}, 32 connections | req/s (min–max) | p50 ms | p99 ms | errors | server CPU |",
        "|---|---:|---:|---:|---:|---:|",
        f"| Zonmart | {product32['rps']:.0f} ({product32['rps_min']:.0f}–{product32['rps_max']:.0f}){mark(product32)} "
        f"| {ms(product32['p50'])} | {ms(product32['p99'])} | {product32['errors']} | {product32['cpu']['server']:.0f}% |",
        f"| peer | {peer['rps']:.0f} ({peer['rps_min']:.0f}–{peer['rps_max']:.0f}){mark(peer)} "
        f"| {ms(peer['p50'])} | {ms(peer['p99'])} | {peer['errors']} | {peer['cpu']['server']:.0f}% |",
        "",
        f"Zonmart / peer: **{peer_ratio:.1f}×** (median of the per-round ratios)." if peer_ratio else "",
    ]
    total_errors += peer["errors"]

# -------------------------------------------------------------- targets
targets = []


def target(name: str, ok: bool, got: str) -> None:
    targets.append((name, ok, got))


product32 = summary(("pg", "product", 32))
product_ratio = paired_ratio(("pg", "product", 32), ("pgbench", "product", 32))
# Against the faster of pgbench's two forms of the order's transaction: the
# lower of the two ratios.
order_ratios = [
    r for r in (paired_ratio(("pg", "order", 32), ("pgbench", script, 32)) for script in ("order", "order-pipelined"))
    if r is not None
]
if product_ratio is not None:
    target("GET /products/{id} ≥ 0.6 × pgbench at 32 connections", product_ratio >= 0.6, f"{product_ratio:.2f}")
if product32:
    target("GET /products/{id} p99 < 10 ms at 32 connections", product32["p99"] < 10, f"{product32['p99']:.2f} ms")
if order_ratios:
    r = min(order_ratios)
    target("POST /orders ≥ 0.8 × pgbench (same transaction, the faster script) at 32 connections", r >= 0.8, f"{r:.2f}")
checkout_ratio = paired_ratio(("pg", "checkout", 32), ("pgbench", "checkout", 32))
if checkout_ratio is not None:
    target("POST /orders with a checkout ≥ 0.8 × pgbench (checkout.sql) at 32 connections", checkout_ratio >= 0.8, f"{checkout_ratio:.2f}")
for b, label in (("pg", "PostgreSQL"), ("sqlite", "SQLite")):
    if b in rss:
        target(f"server RSS < 64 MiB under load ({label})", rss[b] < 64, f"{rss[b]:.1f} MiB")
for key, value in sorted(starts.items()):
    label = key.replace("_ms", "").replace("pg_", "PostgreSQL ").replace("sqlite_", "SQLite ").replace("_", " ")
    target(f"start-up to ready < 1 s ({label})", value < 1000, f"{value:.0f} ms")
list32 = summary(("pg", "list", 32))
list_ratio = paired_ratio(("pg", "list", 32), ("pgbench", "list", 32))
if list_ratio is not None:
    target("GET /products?limit=20 ≥ 0.6 × pgbench (list.sql) at 32 connections", list_ratio >= 0.6, f"{list_ratio:.2f}")
if list32:
    target("GET /products?limit=20 p99 < 20 ms at 32 connections", list32["p99"] < 20, f"{list32['p99']:.2f} ms")
me32 = summary(("pg", "me", 32))
if me32 and product32:
    r = me32["rps"] / product32["rps"]
    target("GET /users/me ≥ 0.8 × GET /products/{id} req/s at 32 connections", r >= 0.8, f"{r:.2f}")
sqlite_order32 = summary(("sqlite", "order", 32))
if sqlite_order32:
    target("SQLite POST /orders p99 < 50 ms at 32 connections", sqlite_order32["p99"] < 50, f"{sqlite_order32['p99']:.2f} ms")
target("no request errors in any run", total_errors == 0, str(total_errors))

lines += ["", "### Targets", "", "| target | measured | |", "|---|---:|---|"]
for name, ok, got in targets:
    lines.append(f"| {name} | {got} | {'met' if ok else '**MISSED**'} |")

# -------------------------------------------------------------- how
build = meta.get("build_s", "?")
build = "not run (BENCH_SKIP_BUILD=1)" if build == "skipped" else f"{build} s"
notes = [
    "",
    "### How these were measured",
    "",
    f"- Commit `{meta.get('commit', '?')[:12]}` ({meta.get('commit_subject', '')}); the server's code last changed "
    f"in `{meta.get('code_commit', '?')}`; uncommitted changes: {meta.get('dirty', '?')}. Release build {build}; whole run {meta.get('elapsed_s', '?')} s.",
    f"- {cores} cores shared by the load tool, the server and the database, all on 127.0.0.1. "
    f"{meta.get('wrk_version', 'wrk')} with {meta.get('wrk_threads')} threads, {meta.get('pgbench_version', '')} "
    f"`-M prepared -j {meta.get('wrk_threads')}`, PostgreSQL {meta.get('postgres_version', '?')}.",
    f"- Each figure is the median of {meta.get('runs')} runs of {meta.get('duration_s')} s (p50 and p99: the medians of "
    "the runs' percentiles). pgbench runs an endpoint's SQL right after the API's run at the same connection count, "
    "and API / pgbench is the median of those per-round ratios: this machine's speed drifts within minutes, and "
    "the pairs cancel it.",
    "- Server: `ZONMART_LOG=warn` (per-request info logs would cost throughput), rate limits off, "
    f"bcrypt cost {bcrypt['cost']}, {meta.get('server_db_connections', 'default')} connections to PostgreSQL "
    "(one kept for housekeeping, the rest for the HTTP workers: as many as pgbench's clients), SQLite's default "
    "pool. 10,000 products (stock 10^9) and 1,000 users seeded by SQL; "
    "GET and POST pick a random product per request; /users/me and /orders rotate over 16 customers' tokens; "
    "PATCH is sent by the admin, each user in flight at most once and with the version its last answer's ETag gave, "
    "so it cannot conflict.",
    "- pgbench runs the SQL each handler runs (bench/pgbench/*.sql), not the server's per-request extras: the "
    "token's user look-up on authenticated endpoints other than POST /orders, whose transaction checks the user "
    "itself (since commit 'Orders check the customer inside their transaction'; pgbench's order.sql runs that "
    "check too), and, before commit f666b9b, the pool's `SELECT 1` on every connection checkout.",
    f"- `ANALYZE` before every round of PostgreSQL runs, standing in for autovacuum (here `autovacuum = "
    f"{meta.get('pg_autovacuum', '?')}`): without fresh statistics the server's long-lived sessions kept the "
    "plans they made while `orders` was empty, a sequential scan of `orders` in every order line's foreign-key "
    "check, and orders slowed as the table grew (runs before commit 'bench: ANALYZE before every PostgreSQL run').",
]
pgbench_done = {(e, c) for (b, e, c) in runs if b == "pgbench"}
if any(k[0] == "pg" and k[1] in {e for e, _ in pgbench_done} and (k[1], k[2]) not in pgbench_done for k in runs):
    notes.append(
        "- † pgbench cannot open 256 connections here (PostgreSQL's max_connections is "
        f"{meta.get('pg_max_connections')}, shared with others), so by default it runs at 32 clients only "
        "(BENCH_PGBENCH_CONNECTIONS=\"32 256\" runs the other at what is free, capped at 64)."
    )
capped = sorted({(k[2], r["clients"]) for k, rs in runs.items() if k[0] == "pgbench" for r in rs if r["clients"] != k[2]})
if capped:
    notes.append(
        f"- PostgreSQL allows {meta.get('pg_max_connections')} connections here and is shared, so pgbench takes at most "
        f"{meta.get('pgbench_max_clients')} clients and leaves 30 connections free: "
        + ", ".join(f"the {c}-client rows ran {n} clients" for c, n in capped)
        + f". The server holds {meta.get('server_db_connections', 'its default')} connections at any load."
    )
notes.append(
    "- others' CPU: the largest share of the machine's CPU that processes other than the load tool, the server and "
    "PostgreSQL took during any run of that row (other engineers' builds and tests share this machine)."
)
if busy:
    notes.append(
        "- ‡ measured under a concurrent build or load: in at least one run rustc was running, or other processes "
        "took more than 10% of the CPU. Such figures understate the server."
    )
if meta.get("quiet_waited_s", "0") != "0":
    notes.append(f"- The run waited {meta['quiet_waited_s']} s in all for other builds to end.")
lines += notes

text = "\n".join(lines) + "\n"
print(text)
# The ledger of what each change bought, kept by hand beside this script.
ledger = os.path.join(os.path.dirname(os.path.abspath(__file__)), "changes.md")
if os.path.exists(ledger):
    text += "\n" + open(ledger).read()
with open(results_path, "w") as f:
    f.write(
        "# Zonmart benchmark results\n\n"
        "Written by `bench/run.sh` (see bench/README.md); the raw figures of the run are in bench/out/raw.\n\n"
        + text
    )

missed = [t for t in targets if not t[1]]
if total_errors:
    print(f"FAILED: {total_errors} request errors (see the errors columns and bench/out/raw/*.txt)", file=sys.stderr)
    sys.exit(1)
if missed:
    print(f"{len(missed)} target(s) missed: " + "; ".join(t[0] for t in missed), file=sys.stderr)
    if os.environ.get("BENCH_STRICT") == "1":
        sys.exit(2)
