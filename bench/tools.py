"""Small helpers for bench/run.sh; standard library only, except
`bcrypt-cost`, which needs the `bcrypt` package (run.sh runs it in the
repository's .venv).

  tools.py bcrypt-cost COST SECONDS PASSWORD  -> JSON: one hash, and the cost of one verify
  tools.py wait-ready URL START_NS TIMEOUT_S  -> ms from START_NS (a `date +%s%N`) to a 200 from URL
  tools.py login BASE_URL PASSWORD OUT USERNAME...  -> access tokens, one a line, in OUT
  tools.py check METHOD URL STATUS [TOKEN] [BODY] -> exits 1 unless the answer has STATUS
  tools.py cpu-start STATE_FILE BASH_PID SERVER_PID -> a snapshot of CPU times before a measured run
  tools.py finish KIND RAW NAME STATE_FILE BASH_PID SERVER_PID BUSY LIMIT
      -> after it: KIND wrk or pgbench; writes RAW/NAME.cpu (the shares of the machine's CPU the
         server, PostgreSQL, the load tool and other processes took), for pgbench RAW/NAME.json
         (tps, percentiles from its per-transaction log), marks the run in RAW/busy.txt if BUSY is 1
         or others took more than LIMIT %, and prints one line
"""

import glob
import json
import math
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request


def bcrypt_cost(cost: int, seconds: float, password: str) -> None:
    import bcrypt  # noqa: PLC0415 (only this command needs it)

    started = time.perf_counter()
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=cost))
    hash_ms = (time.perf_counter() - started) * 1000
    samples = []
    deadline = time.perf_counter() + seconds
    while len(samples) < 3 or time.perf_counter() < deadline:
        t = time.perf_counter()
        assert bcrypt.checkpw(password.encode(), hashed)
        samples.append((time.perf_counter() - t) * 1000)
    print(
        json.dumps(
            {
                "tool": f"python bcrypt {bcrypt.__version__} (PyPI), bcrypt.checkpw in a loop, one thread",
                "cost": cost,
                "hash": hashed.decode(),
                "hash_ms": round(hash_ms, 1),
                "verify_ms_median": round(statistics.median(samples), 1),
                "verify_ms_min": round(min(samples), 1),
                "verifies": len(samples),
            }
        )
    )


def wait_ready(url: str, start_ns: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    print(round((time.time_ns() - start_ns) / 1e6, 1))
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.005)
    print(f"not ready after {timeout_s} s: {url}", file=sys.stderr)
    sys.exit(1)


def request(method: str, url: str, token: str | None = None, body: str | None = None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, method=method, headers=headers, data=body.encode() if body else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def login(base: str, password: str, out: str, usernames: list[str]) -> None:
    tokens: dict[str, str] = {}
    failures: list[str] = []
    lock = threading.Lock()
    queue = list(usernames)

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                name = queue.pop()
            status, body = request(
                "POST", f"{base}/api/v1/auth/login", body=json.dumps({"username": name, "password": password})
            )
            with lock:
                if status == 200:
                    tokens[name] = json.loads(body)["access_token"]
                else:
                    failures.append(f"{name}: {status} {body[:200]}")

    # bcrypt runs on the server's blocking threads: a few logins at a time
    # keep both cores busy.
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print("login failed:\n" + "\n".join(failures[:5]), file=sys.stderr)
        sys.exit(1)
    with open(out, "w") as f:
        for name in usernames:
            f.write(tokens[name] + "\n")


def check(method: str, url: str, status: int, token: str | None, body: str | None) -> None:
    got, text = request(method, url, token or None, body or None)
    if got != status:
        print(f"{method} {url}: expected {status}, got {got}: {text[:300]}", file=sys.stderr)
        sys.exit(1)


def pgbench_summary(stdout_file: str, log_prefix: str, out_json: str) -> dict:
    text = open(stdout_file).read()

    def number(label: str, default=None):
        for line in text.splitlines():
            if line.strip().startswith(label):
                return float(line.split("=", 1)[1].split()[0]) if "=" in line else float(line.split(":")[1].split()[0])
        if default is None:
            raise SystemExit(f"pgbench output has no '{label}':\n{text}")
        return default

    tps = number("tps")
    processed = number("number of transactions actually processed")
    failed = number("number of failed transactions", 0.0)
    # Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us
    latencies = []
    for path in glob.glob(log_prefix + "*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                # A failed transaction has "failed" in place of its time;
                # pgbench's own summary counts those.
                if len(parts) >= 3 and parts[2].isdigit():
                    latencies.append(int(parts[2]))
    latencies.sort()

    def pct(p: float) -> int:  # nearest rank
        if not latencies:
            return 0
        return latencies[max(0, math.ceil(p / 100 * len(latencies)) - 1)]

    summary = {
        "requests": int(processed),
        "rps": round(tps, 1),
        "p50_us": pct(50),
        "p90_us": pct(90),
        "p99_us": pct(99),
        "max_us": latencies[-1] if latencies else 0,
        "failed": int(failed),
        "logged": len(latencies),
    }
    with open(out_json, "w") as f:
        json.dump(summary, f)
    return summary


def _ticks(pid: str, children: bool = False) -> int:
    """utime+stime of a process (and of its waited-for children), in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    # fields[0] is the state (field 3); utime, stime, cutime, cstime are 14..17.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def _postmaster(port: str) -> str | None:
    """The pid of the PostgreSQL cluster the bench uses (other clusters that
    engineers start for their tests count as other processes)."""
    try:
        with open(f"/var/run/postgresql/.s.PGSQL.{port}.lock") as f:
            return f.readline().strip()
    except OSError:
        return None


def _postgres_ticks(port: str) -> dict[str, int]:
    """pid -> CPU ticks of the bench's cluster: the postmaster with what it
    has reaped (pgbench's backends exit before the second snapshot), and
    its live children."""
    postmaster = _postmaster(port)
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            with open(f"/proc/{entry}/stat") as f:
                ppid = f.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if postmaster is None or entry == postmaster or ppid == postmaster:
            ticks[entry] = _ticks(entry, children=(entry == postmaster))
    return ticks


def _tree_ticks(pid: str) -> int:
    """A server's CPU ticks with its live children's (the peer's uvicorn
    workers; Zonmart has none)."""
    ticks = _ticks(pid)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = f.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if ppid == pid:
            ticks += _ticks(entry)
    return ticks


def _snapshot(bash_pid: str, server_pid: str) -> dict:
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]  # idle + iowait
    return {
        "total": sum(cpu[:8]),
        "busy": sum(cpu[:8]) - idle,
        "client": _ticks(bash_pid, children=True),  # wrk, pgbench (and this script's other children)
        "server": _tree_ticks(server_pid),
        "postgres": _postgres_ticks(os.environ.get("PGPORT", "5432")),
    }


def cpu_start(state_file: str, bash_pid: str, server_pid: str) -> None:
    with open(state_file, "w") as f:
        json.dump(_snapshot(bash_pid, server_pid), f)


def cpu_shares(state_file: str, bash_pid: str, server_pid: str) -> dict:
    """The shares of the machine's CPU (100 = all cores busy) that the
    server, PostgreSQL, the load tool and everything else took since
    cpu_start."""
    now = _snapshot(bash_pid, server_pid)
    with open(state_file) as f:
        before = json.load(f)
    os.remove(state_file)
    d = {k: now[k] - before[k] for k in ("total", "busy", "client", "server")}
    # Per process: one that appeared in between counts whole; one that ended
    # in between has all its ticks in the postmaster's reaped-children count
    # now, so what it had before the run comes off.
    d["postgres"] = sum(t - before["postgres"].get(pid, 0) for pid, t in now["postgres"].items()) - sum(
        t for pid, t in before["postgres"].items() if pid not in now["postgres"]
    )
    total = d["total"] or 1
    share = {k: round(100.0 * d[k] / total, 1) for k in ("server", "postgres", "client")}
    share["idle"] = round(100.0 * (d["total"] - d["busy"]) / total, 1)
    others = 100.0 * (d["busy"] - d["server"] - d["postgres"] - d["client"]) / total
    share["others"] = round(min(max(0.0, others), 100.0 - share["idle"]), 1)
    return share


def finish(kind: str, raw: str, name: str, state_file: str, bash_pid: str, server_pid: str, busy: str, limit: str):
    """After one measured run: where the CPU went (NAME.cpu), pgbench's
    figures (NAME.json), the run marked in busy.txt if a build ran beside it
    or other processes took more than LIMIT % of the CPU, and one line."""
    shares = cpu_shares(state_file, bash_pid, server_pid)
    base = os.path.join(raw, name)
    with open(base + ".cpu", "w") as f:
        json.dump(shares, f)
    if busy == "1" or shares["others"] > float(limit):
        with open(os.path.join(raw, "busy.txt"), "a") as f:
            f.write(name + "\n")
    cpu = (
        f"cpu% server {shares['server']:.0f} pg {shares['postgres']:.0f} {kind} {shares['client']:.0f}"
        f" others {shares['others']:.0f} idle {shares['idle']:.0f}"
    )
    if kind == "pgbench":
        try:
            r = pgbench_summary(base + ".txt", base + ".log", base + ".json")
        except SystemExit:
            print(f"         {name:<32} no figures (counted as an error)  {cpu}")
            return
        errors, unit = r["failed"], "tps  "
    else:
        r = json.load(open(base + ".json"))
        errors = sum(r[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
        unit = "req/s"
    print(
        f"         {name:<32} {r['rps']:>9.0f} {unit}  p50 {r['p50_us'] / 1000:6.2f} ms  p99 {r['p99_us'] / 1000:7.2f} ms"
        f"  errors {errors}  {cpu}"
    )


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "bcrypt-cost":
        bcrypt_cost(int(args[0]), float(args[1]), args[2])
    elif command == "wait-ready":
        wait_ready(args[0], int(args[1]), float(args[2]))
    elif command == "login":
        login(args[0], args[1], args[2], args[3:])
    elif command == "check":
        check(args[0], args[1], int(args[2]), args[3] if len(args) > 3 else None, args[4] if len(args) > 4 else None)
    elif command == "cpu-start":
        cpu_start(args[0], args[1], args[2])
    elif command == "finish":
        finish(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
