"""Seeds the SQLite bench database after the server has migrated it, with
the same rows as bench/seed-postgres.sql (same ids, names, prices, stock).

usage: seed_sqlite.py DB_PATH BCRYPT_HASH
"""
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

path, password_hash = sys.argv[1], sys.argv[2]
now = datetime.now(timezone.utc).replace(tzinfo=None)


def ts(seconds_ago: int) -> str:
    # diesel writes SQLite timestamps as "%F %T%.f" text; naive UTC.
    return (now - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%d %H:%M:%S.%f")


db = sqlite3.connect(path)
with db:
    db.executemany(
        "INSERT INTO users (id, username, email, full_name, address, role, disabled, password_hash, version,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'customer', 0, ?, 1, ?, ?)",
        (
            (
                f"01KBCS{g:020d}",
                f"bench_user_{g:04d}",
                f"bench_user_{g:04d}@example.com",
                f"Bench User {g}",
                f"{g} Bench Street, Benchville",
                password_hash,
                ts(1000 - g),
                ts(1000 - g),
            )
            for g in range(1, 1001)
        ),
    )
    db.executemany(
        "INSERT INTO products (id, name, description, price_cents, currency, stock, sku, archived, version,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 'USD', 1000000000, ?, 0, 1, ?, ?)",
        (
            (
                f"01KBPR{g:020d}",
                f"Bench product {g}",
                f"A product seeded for the benchmark, number {g}.",
                100 + (g * 7919) % 99900,
                f"BENCH-{g:05d}",
                ts(10000 - g),
                ts(10000 - g),
            )
            for g in range(1, 10001)
        ),
    )
db.execute("ANALYZE")
db.close()
