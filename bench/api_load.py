"""API load: the real app under gunicorn against a bare Flask app, side by side.

    .venv/bin/python bench/api_load.py [--duration 20] [--connections 8 32] [--build-dir build]

Both run under gunicorn (2 sync workers) on free loopback ports in the same run:

  ours  feedback_api.create_app(): validation, rate limiting, visitor token, one logged row per
        search (SQLite file in WAL mode, the `kb serve` default) or per rating.
  bare  a Flask app answering the same Whoosh query with the same Searcher and synonyms, with no
        validation, no limiter and no logging; its ratings endpoint is one raw sqlite3 INSERT.

`/api/search` (a rotating mix of real titles, typos and zero-hit queries) and `/api/ratings`
(each vote from a new visitor, so every one is an INSERT) are loaded for --duration seconds at
each connection count, with wrk when it is installed, else with the bounded asyncio generator
below (loopback only, stops at the deadline or --max-requests). Printed: requests/s, p50/p99,
errors, and ours/bare. Afterwards every row the app reported as logged is counted in the store.
Targets (issue 3): ours >= 85% of bare throughput, p99 < 50 ms at 8 connections, zero errors.
Also printed: the CPU the workers spent per answered request (bare/ours is the throughput the
two could reach on an idle machine; on a shared one it is steadier than req/s).

The build comes from --build-dir, else ./build, else `kb build` of ./content into bench/out/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "api_load"
BIN = Path(sys.executable).parent
GENEROUS = "100000000/minute"  # one client on loopback: the limiter must run, not refuse


# -- the bare app (gunicorn imports this module with --pythonpath bench) ----------------------


def bare_app() -> Any:
    """The baseline: the same Whoosh query, nothing else."""
    from flask import Flask, jsonify, request

    from kb_core.config import load_config
    from kb_core.search.searcher import Searcher

    config, _ = load_config(os.environ["BENCH_SITE_CONFIG"])
    searcher = Searcher(
        Path(os.environ["BENCH_BUILD_DIR"]) / "index" / "public",
        synonyms=config.search.synonyms,
        typo_tolerance=config.search.typo_tolerance,
    )
    db = sqlite3.connect(os.environ["BENCH_BARE_DB"], timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS ratings (article_id TEXT, revision TEXT, value INT, ua TEXT)"
    )
    app = Flask("bare")

    @app.get("/api/search")
    def search() -> Any:
        found = searcher.search(request.args["q"], limit=config.search.results_per_page)
        results = [
            {"id": h.id, "title": h.title, "url": h.url, "snippet": h.snippet}
            for h in found.results
        ]
        return jsonify(query=found.query, total=found.total, results=results)

    @app.post("/api/ratings")
    def rate() -> Any:
        vote = request.get_json()
        db.execute(
            "INSERT INTO ratings VALUES (?, ?, ?, ?)",
            (vote["article_id"], vote["revision"], vote["value"], request.user_agent.string),
        )
        return jsonify(ok=True), 201

    @app.get("/health")
    def health() -> Any:
        return jsonify(ok=True)

    return app


# -- build and servers ----------------------------------------------------------------------


def _usable(build: Path) -> bool:
    from kb_core.errors import IndexUnavailable
    from kb_core.search.searcher import Searcher

    if not (build / "manifest.json").is_file():
        return False
    try:
        Searcher(build / "index" / "public").close()
    except IndexUnavailable:  # missing, or written by an older index format
        return False
    return True


def ensure_build(requested: Path | None) -> Path:
    """A build directory with a readable public index and a manifest, making one when needed."""
    for candidate in (requested, ROOT / "build", OUT / "build"):
        if candidate and _usable(candidate):
            return candidate
    target = OUT / "build"
    print(f"building the example KB into {target} (kb build) ...", flush=True)
    subprocess.run(
        [str(BIN / "kb"), "build", "--output", str(target), "-q"],
        cwd=ROOT,
        check=True,
    )
    return target


def bench_config(work: Path) -> Path:
    """The project's site_config.yml with limits no single benchmark client can reach."""
    source = ROOT / "site_config.yml"
    data: dict[str, Any] = {}
    if source.exists():
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    data.setdefault("api", {}).update(rate_limit=GENEROUS, write_rate_limit=GENEROUS)
    contact = data.setdefault("contact", {})
    contact.pop("smtp", None)
    contact["webhook_url"] = ""  # no forwarding: the outbox is not what is measured here
    path = work / "site_config.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    health: str

    def cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn workers (Linux /proc; 0 elsewhere)."""
        total = 0
        try:
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # a worker: its parent is the master
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start(name: str, target: str, env: dict[str, str], health: str, work: Path) -> Server:
    port = free_port()
    command = [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--pythonpath", str(ROOT / "bench"), target]
    log = (work / f"{name}.log").open("wb")
    process = subprocess.Popen(
        command, cwd=work, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(name, port, process, health)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not start; see {work / (name + '.log')}")


# -- workloads ------------------------------------------------------------------------------


def workloads(build: Path) -> dict[str, list[tuple[str, str, bytes, str]]]:
    """Requests as (method, path, body, user agent), rotated through during a run."""
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    articles = manifest["articles"]
    rng = random.Random(7)
    queries: list[str] = []
    for a in articles:
        words = re.findall(r"[a-z]+", a["title"].lower())
        queries.append(" ".join(words))
        if words:
            w = max(words, key=len)
            if len(w) > 4:
                i = rng.randrange(1, len(w) - 1)
                queries.append(w[:i] + w[i + 1 :])  # a typo
        queries.append(" ".join(re.findall(r"[a-z]+", a["summary"].lower())[:3]))
    queries += ["xylophone warranty", "how do i", "refund", "password", "invoice vat"]
    rng.shuffle(queries)
    search = [
        ("GET", "/api/search?" + urllib.parse.urlencode({"q": q}), b"", "bench") for q in queries
    ]
    votes = []
    for i in range(4000):
        a = articles[i % len(articles)]
        body = {"article_id": a["id"], "revision": a["revision"] or "r", "value": i % 2}
        votes.append(("POST", "/api/ratings", json.dumps(body).encode(), f"bench-{i}"))
    return {"search": search, "ratings": votes}


@dataclass
class Result:
    """One app at one endpoint and connection count, summed over its slices."""

    endpoint: str
    connections: int
    app: str
    requests: int = 0
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_seconds: float = 0.0  # used by the app's workers while loaded

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU per answered request: steadier than req/s on a shared machine."""
        return 1000 * self.cpu_seconds / self.ok if self.ok else 0.0


@dataclass
class Sample:
    """What one slice of load measured."""

    sent: int
    ok: int
    errors: int
    seconds: float
    latencies: list[float]  # seconds, of the answered requests (python generator)
    p50_ms: float = 0.0  # given directly by wrk
    p99_ms: float = 0.0


def _request_bytes(method: str, path: str, body: bytes, agent: str, unique: int) -> bytes:
    # Each rating is a new visitor: the agent string varies, so every vote is a new row.
    agent = f"{agent}-{unique}" if method == "POST" else agent
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {agent}\r\n"
    head += "Connection: close\r\n"
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def _load(
    port: int, requests: list[tuple[str, str, bytes, str]], conns: int, seconds: float, cap: int
) -> Sample:
    latencies: list[float] = []
    counter = {"next": 0, "errors": 0}
    begin = time.perf_counter()
    deadline = begin + seconds
    salt = random.randrange(1 << 40)

    async def client() -> None:
        while time.perf_counter() < deadline and counter["next"] < cap:
            n = counter["next"]
            counter["next"] += 1
            method, path, body, agent = requests[n % len(requests)]
            payload = _request_bytes(method, path, body, agent, salt + n)
            t0 = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(payload)
                data = await reader.read()  # the sync worker closes after each response
                writer.close()
                status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
            except (OSError, ValueError):
                status = 0
            if 200 <= status < 300:
                latencies.append(time.perf_counter() - t0)
            else:
                counter["errors"] += 1

    await asyncio.gather(*(client() for _ in range(conns)))
    elapsed = time.perf_counter() - begin
    return Sample(counter["next"], len(latencies), counter["errors"], elapsed, latencies)


def run_python(server: Server, requests: list[Any], conns: int, seconds: float, cap: int) -> Sample:
    return asyncio.run(_load(server.port, requests, conns, seconds, cap))


_WRK_SCRIPT = """
local requests = {}
local i = 0
local threads = 0
%s
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  i = i + 1
  local r = requests[(i %% #requests) + 1]
  -- unique per run, thread and request: every vote comes from a new visitor
  wrk.headers["User-Agent"] = r[3] .. "-" .. RUN .. "-" .. tid .. "-" .. i
  if r[1] == "POST" then wrk.headers["Content-Type"] = "application/json" end
  return wrk.format(r[1], r[2], nil, r[4])
end
"""


def run_wrk(server: Server, requests: list[Any], conns: int, seconds: float, cap: int) -> Sample:
    lines = []
    for method, path, body, agent in requests[:500]:
        lua = [json.dumps(method), json.dumps(path), json.dumps(agent)]
        lua.append(json.dumps(body.decode()) if body else "nil")
        lines.append("table.insert(requests, {" + ", ".join(lua) + "})")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        lines.append(f'RUN = "{os.urandom(6).hex()}"')
        script.write(_WRK_SCRIPT % "\n".join(lines))
    command = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{max(1, round(seconds))}s"]
    command += ["--latency", "-s", script.name, f"http://127.0.0.1:{server.port}/"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)

    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, out)

    def ms(label: str) -> float:
        m = find(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else 0.0

    total_m, time_m = find(r"(\d+) requests in ([\d.]+)(ms|s)"), find(r"Requests/sec")
    if not total_m or not time_m:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    total = int(total_m.group(1))
    elapsed = float(total_m.group(2)) / (1000 if total_m.group(3) == "ms" else 1)
    bad = find(r"Non-2xx or 3xx responses: (\d+)")
    sock = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    # A sync worker closing after each answer shows up as read errors on keep-alive clients.
    errors = (int(bad.group(1)) if bad else 0) + (
        int(sock.group(1)) + int(sock.group(4)) if sock else 0
    )  # noqa: E501
    return Sample(total, total - errors, errors, elapsed, [], ms("50"), ms("99"))


def measure(
    runner: Any,
    servers: list[Server],
    endpoint: str,
    requests: list[Any],
    conns: int,
    seconds: float,
    warmup: float,
    rounds: int,
    cap: int,
) -> tuple[dict[str, Result], dict[str, int]]:
    """Load each server for ``seconds`` in total, in alternating slices (fair on a busy host)."""
    results = {s.name: Result(endpoint, conns, s.name) for s in servers}
    answered = {s.name: 0 for s in servers}
    latencies: dict[str, list[float]] = {s.name: [] for s in servers}
    p50s: dict[str, list[float]] = {s.name: [] for s in servers}
    p99s: dict[str, list[float]] = {s.name: [] for s in servers}
    for server in servers:
        answered[server.name] += runner(server, requests, conns, warmup, cap).ok
    for i in range(rounds):
        for server in servers if i % 2 == 0 else servers[::-1]:
            before = server.cpu_seconds()
            sample = runner(server, requests, conns, seconds / rounds, cap // rounds)
            r = results[server.name]
            r.cpu_seconds += server.cpu_seconds() - before
            r.requests += sample.sent
            r.ok += sample.ok
            r.errors += sample.errors
            r.seconds += sample.seconds
            answered[server.name] += sample.ok
            latencies[server.name] += sample.latencies
            p50s[server.name].append(sample.p50_ms)
            p99s[server.name].append(sample.p99_ms)
    for name, r in results.items():
        lat = sorted(latencies[name])
        if lat:
            r.p50_ms = lat[len(lat) // 2] * 1000
            r.p99_ms = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000
        else:  # wrk: the worst slice's percentiles
            r.p50_ms, r.p99_ms = max(p50s[name]), max(p99s[name])
    return results, answered  # fmt: skip


# -- the run --------------------------------------------------------------------------------


def count_rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per app and run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each run")
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating slices per run (python generator)"
    )
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--endpoints", nargs="+", default=["search", "ratings"])
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per run")
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
    runner = run_wrk if use_wrk else run_python
    if use_wrk:
        args.rounds = 1  # wrk's percentiles cannot be merged across slices
    build = ensure_build(args.build_dir.resolve() if args.build_dir else None)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=OUT))
    config = bench_config(work)
    ours_db, bare_db = work / "ours.sqlite3", work / "bare.sqlite3"
    generator = "wrk" if use_wrk else "python asyncio"
    load = os.getloadavg()[0]
    print(
        f"build {build} | {os.cpu_count()} CPUs, load {load:.1f} | Python {sys.version.split()[0]}"
        f" | generator {generator} | work dir {work}",
        flush=True,
    )

    servers = [
        start("ours", "feedback_api:create_app()", {
            "KB_BUILD_DIR": str(build), "KB_SITE_CONFIG": str(config),
            "KB_DATABASE_URL": f"sqlite:///{ours_db}", "KB_OUTBOX_WORKER": "0",
        }, "/api/health", work),
        start("bare", "api_load:bare_app()", {
            "BENCH_BUILD_DIR": str(build), "BENCH_SITE_CONFIG": str(config),
            "BENCH_BARE_DB": str(bare_db),
        }, "/health", work),
    ]  # fmt: skip
    loads = workloads(build)
    results: list[Result] = []
    logged = {"search": 0, "ratings": 0}
    cut_off = {"search": 0, "ratings": 0}
    try:
        for endpoint in args.endpoints:
            for conns in args.connections:
                found, answered = measure(
                    runner, servers, endpoint, loads[endpoint], conns,
                    args.duration, args.warmup, args.rounds, args.max_requests,
                )  # fmt: skip
                logged[endpoint] += answered["ours"]
                if use_wrk:  # wrk drops what is in flight at its deadline; the app may finish it
                    cut_off[endpoint] += conns * (1 + args.rounds)
                for run in found.values():
                    results.append(run)
                    line = (
                        f"  {endpoint:<8} c={conns:<3} {run.app:<5} {run.rps:8.1f} req/s  "
                        f"p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms  "
                        f"cpu {run.cpu_ms:5.2f} ms/req  errors {run.errors}"
                    )
                    print(line, flush=True)
    finally:
        for server in servers:
            server.stop()  # graceful: the app writes its queued log rows as it exits

    print()
    print(f"{'endpoint':<9}{'conns':>6}  {'ours req/s':>11}{'bare req/s':>11}{'ratio':>7}"
          f"{'ours p50':>10}{'ours p99':>10}{'bare p99':>10}{'errors':>7}"
          f"{'cpu/req ours':>14}{'bare':>7}{'ratio':>7}")  # fmt: skip
    verdicts = []
    by_key = {(r.endpoint, r.connections, r.app): r for r in results}
    for endpoint in args.endpoints:
        for conns in args.connections:
            ours, bare = (by_key[(endpoint, conns, app)] for app in ("ours", "bare"))
            ratio = ours.rps / bare.rps if bare.rps else 0.0
            cpu_ratio = bare.cpu_ms / ours.cpu_ms if ours.cpu_ms else 0.0
            print(
                f"{endpoint:<9}{conns:>6}  {ours.rps:>11.1f}{bare.rps:>11.1f}{ratio:>7.0%}"
                f"{ours.p50_ms:>8.1f}ms{ours.p99_ms:>8.1f}ms{bare.p99_ms:>8.1f}ms{ours.errors:>7}"
                f"{ours.cpu_ms:>11.2f}ms{bare.cpu_ms:>5.2f}ms{cpu_ratio:>7.0%}"
            )
            if endpoint == "search":  # the bare app is defined by the search (issue 3)
                verdicts.append((f"{endpoint} c={conns}: ours >= 85% of bare", ratio >= 0.85))
            verdicts.append((f"{endpoint} c={conns}: zero errors", ours.errors == 0))
            if conns == 8:
                verdicts.append((f"{endpoint} c=8: p99 < 50 ms", ours.p99_ms < 50))

    tables = {"search": "searches", "ratings": "ratings"}
    for endpoint in args.endpoints:
        stored = count_rows(ours_db, tables[endpoint])
        label = f"{endpoint}: all {logged[endpoint]} answered requests logged (found {stored}"
        label += f", at most {cut_off[endpoint]} more cut off by wrk)" if use_wrk else ")"
        verdicts.append((label, logged[endpoint] <= stored <= logged[endpoint] + cut_off[endpoint]))
    print()
    for label, ok in verdicts:
        print(f"  [{'PASS' if ok else 'FAIL'}] {label}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
