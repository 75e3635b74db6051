#!/usr/bin/env python3
"""Writes the scale benchmark's table (bench/scale-results.md) and prints it.

    report.py OUT.md COMMIT CORES LOADAVG backend:n:file.json...
"""

import datetime
import json
import sys


def main():
    out, commit, cores, load = sys.argv[1:5]
    runs = []
    for arg in sys.argv[5:]:
        backend, n, path = arg.split(":", 2)
        with open(path) as f:
            runs.append((backend, int(n), json.load(f)))
    names = []
    for _, _, results in runs:
        names += [q for q in results if q not in names]
    head = "| query | " + " | ".join(f"{'PostgreSQL' if b == 'postgres' else 'SQLite'} {n:,}" for b, n, _ in runs) + " |"
    rule = "|---|" + "---:|" * len(runs)
    lines = [head, rule]
    for q in names:
        cells = []
        for _, _, results in runs:
            r = results.get(q)
            cells.append("–" if r is None else f"{r['p50']:.2f} / **{r['p99']:.2f}**")
        lines.append(f"| {q} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    requests = max((r["n"] for _, _, res in runs for r in res.values()), default=0)
    text = f"""# Scale benchmark

`bench/scale.sh` on {datetime.date.today().isoformat()}, server code `{commit}`, {cores} cores shared by the
load client, the server and the database (load average at the end: {load}).
Milliseconds, p50 / **p99**, over {requests} requests per query from one client on
one kept-alive connection, after a warm-up.

{table}
"""
    with open(out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
