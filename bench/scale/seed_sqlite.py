#!/usr/bin/env python3
"""Seeds N products into a migrated SQLite database, straight through SQL,
shaped as bench/scale/seed-products.sql shapes them for PostgreSQL (the
same ids, the same lists of words; a multiplicative hash stands in for
hashint4). The search index fills through the schema's own triggers.

    seed_sqlite.py DB N
"""

import sqlite3
import sys

ADJECTIVES = ["Red", "Blue", "Green", "Small", "Large", "Classic", "Modern", "Rustic",
              "Vintage", "Compact", "Deluxe", "Premium", "Simple", "Elegant", "Sturdy", "Handmade"]
MATERIALS = ["Cast Iron", "Ceramic", "Glass", "Steel", "Bamboo", "Copper", "Oak", "Linen", "Wool", "Stone"]
NOUNS = ["Teapot", "Mug", "Kettle", "Bowl", "Plate", "Vase", "Lamp", "Basket"]


def hash(salt):
    """SQL hashing row g with `salt`, not linear in g (as the plan test does)."""
    return f"((g * 2654435761 % 4294967291) * (g * 40503 % 65521 + {1 + salt * 7919}) % 4294967291)"


def pick(words, salt):
    """SQL choosing one of `words` by hash(salt)."""
    cases = " ".join(f"WHEN {i} THEN '{w}'" for i, w in enumerate(words))
    return f"(CASE {hash(salt)} % {len(words)} {cases} END)"


def main():
    db, n = sys.argv[1], int(sys.argv[2])
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(f"""
        WITH RECURSIVE rows(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM rows WHERE g < {n})
        INSERT INTO products (id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at)
        SELECT '01KBSC' || substr('00000000000000000000' || g, -20),
               {pick(ADJECTIVES, 0)} || ' ' || {pick(MATERIALS, 7)} || ' ' || {pick(NOUNS, 13)} || ' '
                   || ({hash(29)} % 1000),
               'Seeded for the scale benchmark, number ' || g || '.',
               100 + {hash(41)} % 99900,
               'USD',
               CASE WHEN g % 7 = 0 THEN 0 ELSE 1000000000 END,
               NULL,
               g % 50 = 0,
               1,
               strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || g || ' seconds'),
               strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || g || ' seconds')
        FROM rows""")
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


if __name__ == "__main__":
    main()
