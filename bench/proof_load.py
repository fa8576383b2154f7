"""Proof load: search, ratings and contact requests together against the real API under gunicorn.

    .venv/bin/python bench/proof_load.py [--duration 60] [--connections 32] [--workers 2]
                                         [--database-url URL] [--build-dir build]

Loopback only, bounded: it stops at --duration or --max-requests, whichever comes first, and
each request has a timeout. The API runs as in production (gunicorn, sync workers, the outbox
worker forwarding every contact request to a local webhook that counts Idempotency-Keys).
The mix is 70% searches (real titles, typos, zero-hit queries), 15% ratings (each from a new
visitor, so each is a new row) and 15% contact requests (each with a unique subject).

Printed: requests, errors, throughput and p50/p99 per endpoint and overall; then, after a
graceful stop, whether every answered request is in the store exactly once (searches are
logged write-behind and written at shutdown; ratings and requests are committed before the
reply) and every stored request reached the webhook. Exit 1 when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "proof_load"
BIN = Path(sys.executable).parent
GENEROUS = "100000000/minute"  # one client address on loopback: the limiter runs, never refuses
MIX = (("search", 70), ("ratings", 15), ("contact", 15))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ensure_build(requested: Path | None) -> Path:
    """--build-dir as given, else a fresh `kb build` of ./content (incremental after the first)."""
    if requested is not None:
        return requested.resolve()  # the server runs in its own work directory
    target = OUT / "build"
    print(f"building the example KB into {target} (kb build) ...", flush=True)
    subprocess.run([str(BIN / "kb"), "build", "--output", str(target), "-q"], cwd=ROOT, check=True)
    return target


class Webhook:
    """The helpdesk: a local HTTP server counting the Idempotency-Key of every delivery."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    outer.keys[self.headers.get("Idempotency-Key", "")] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_config(work: Path, webhook_url: str) -> Path:
    source = ROOT / "site_config.yml"
    data: dict[str, Any] = yaml.safe_load(source.read_text("utf-8")) if source.exists() else {}
    data = data or {}
    data.setdefault("api", {}).update(rate_limit=GENEROUS, write_rate_limit=GENEROUS)
    contact = data.setdefault("contact", {})
    contact.pop("smtp", None)
    contact["webhook_url"] = webhook_url
    path = work / "site_config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Graceful stop: workers finish, flush their write-behind logs and exit."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def start(work: Path, env: dict[str, str], workers: int) -> Server:
    port = free_port()
    settings = {"OUTBOX_POLL_SECONDS": 0.5, "OUTBOX_BACKOFF_BASE": 1.0}
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-k", "sync"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    command += [f"feedback_api:create_app({settings!r})"]
    log = work / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=work,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"the API did not start; see {log}")


def queries(build: Path) -> tuple[list[str], list[dict[str, Any]]]:
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    articles = manifest["articles"]
    rng = random.Random(7)
    found: list[str] = []
    for a in articles:
        words = re.findall(r"[a-z]+", a["title"].lower())
        found.append(" ".join(words))
        longest = max(words, key=len) if words else ""
        if len(longest) > 4:
            i = rng.randrange(1, len(longest) - 1)
            found.append(longest[:i] + longest[i + 1 :])  # a typo
    found += ["xylophone warranty", "how do i", "refund", "password", "invoice vat"]
    rng.shuffle(found)
    return found, articles


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k, _ in MIX})
    errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    contacts: dict[str, str] = field(default_factory=dict)  # subject -> reference
    votes: set[str] = field(default_factory=set)  # reasons
    searches: int = 0


def _request(method: str, path: str, body: bytes, agent: str) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {agent}\r\n"
    head += "Connection: close\r\n"  # sync workers close after each response anyway
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def load(
    port: int,
    searches: list[str],
    articles: list[dict[str, Any]],
    topic: str,
    connections: int,
    seconds: float,
    cap: int,
) -> tuple[Tally, float]:
    tally = Tally()
    weights = [w for _, w in MIX]
    kinds = [k for k, _ in MIX]
    begin = time.perf_counter()
    deadline = begin + seconds
    state = {"n": 0}

    async def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline and state["n"] < cap:
            state["n"] += 1
            n = state["n"]
            kind = rng.choices(kinds, weights)[0]
            token = f"load-{n}-{uuid.uuid4().hex[:10]}"
            if kind == "search":
                q = searches[n % len(searches)]
                method, path, body = "GET", "/api/search?" + urllib.parse.urlencode({"q": q}), b""
            elif kind == "ratings":
                a = articles[n % len(articles)]
                vote = {"article_id": a["id"], "revision": a["revision"], "value": n % 2}
                vote["reason"] = token
                method, path, body = "POST", "/api/ratings", json.dumps(vote).encode()
            else:
                form = {
                    "name": "Load Tester",
                    "email": "load@example.com",
                    "topic": topic,
                    "subject": token,
                    "message": "Proof load request " + token,
                }
                method, path, body = "POST", "/api/contact", json.dumps(form).encode()
            tally.sent[kind] += 1
            t0 = time.perf_counter()
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 30
                )
                writer.write(_request(method, path, body, token))
                data = await asyncio.wait_for(reader.read(), 30)
                writer.close()
                status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
            except (OSError, ValueError, TimeoutError):
                status, data = 0, b""
            elapsed = time.perf_counter() - t0
            tally.statuses[status] += 1
            if not 200 <= status < 300:
                tally.errors[kind] += 1
                continue
            tally.latencies[kind].append(elapsed)
            if kind == "search":
                tally.searches += 1
            elif kind == "ratings":
                tally.votes.add(token)
            else:
                reply = json.loads(data.partition(b"\r\n\r\n")[2])
                tally.contacts[token] = reply["reference"]

    await asyncio.gather(*(client(i) for i in range(connections)))
    return tally, time.perf_counter() - begin


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def verify(url: str, tally: Tally) -> list[tuple[str, bool]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            subjects = Counter(
                conn.execute(sa.text("SELECT subject FROM contact_requests")).scalars()
            )
            references = dict(
                conn.execute(sa.text("SELECT subject, reference FROM contact_requests")).all()
            )
            reasons = Counter(conn.execute(sa.text("SELECT reason FROM ratings")).scalars())
            logged = conn.execute(sa.text("SELECT count(*) FROM searches")).scalar_one()
    finally:
        engine.dispose()
    lost_contacts = [s for s in tally.contacts if subjects[s] != 1]
    wrong_refs = [s for s, r in tally.contacts.items() if references.get(s) != r]
    lost_votes = [r for r in tally.votes if reasons[r] != 1]
    return [
        (f"all {len(tally.contacts)} acknowledged contact requests stored once", not lost_contacts),
        ("every stored request carries the reference its sender got", not wrong_refs),
        (f"all {len(tally.votes)} acknowledged ratings stored once", not lost_votes),
        (
            f"all {tally.searches} answered searches logged (found {logged})",
            logged == tally.searches,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="hard cap")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file")
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    build = ensure_build(args.build_dir)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=OUT))
    webhook = Webhook()
    config = write_config(work, webhook.url)
    url = args.database_url or f"sqlite:///{work / 'kb.sqlite3'}"
    topic = yaml.safe_load(config.read_text("utf-8"))["contact"].get("topics", ["Other"])[0]
    searches, articles = queries(build)
    env = {"KB_BUILD_DIR": str(build), "KB_SITE_CONFIG": str(config), "KB_DATABASE_URL": url}
    print(f"build {build} | {os.cpu_count()} CPUs | Python {sys.version.split()[0]} | "
          f"gunicorn -w {args.workers} sync | {args.connections} connections | "
          f"{args.duration:.0f} s | store {url.split(':', 1)[0]} | work dir {work}",
          flush=True)  # fmt: skip

    server = start(work, env, args.workers)
    try:
        tally, elapsed = asyncio.run(
            load(server.port, searches, articles, topic, args.connections, args.duration,
                 args.max_requests)
        )  # fmt: skip
        # the outbox forwards what is left; bounded wait, then a graceful stop
        wanted = set(tally.contacts.values())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not wanted <= set(webhook.keys):
            time.sleep(0.2)
    finally:
        server.stop()

    print()
    print(
        f"{'endpoint':<10}{'sent':>9}{'ok':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    )
    every: list[float] = []
    for kind, _ in MIX:
        lat = tally.latencies[kind]
        every += lat
        print(f"{kind:<10}{tally.sent[kind]:>9}{len(lat):>9}{tally.errors[kind]:>8}"
              f"{len(lat) / elapsed:>9.1f}{pct(lat, .5):>9.1f}{pct(lat, .99):>9.1f}")  # fmt: skip
    errors = sum(tally.errors.values())
    print(f"{'all':<10}{sum(tally.sent.values()):>9}{len(every):>9}{errors:>8}"
          f"{len(every) / elapsed:>9.1f}{pct(every, .5):>9.1f}{pct(every, .99):>9.1f}")  # fmt: skip
    print(f"statuses: {dict(sorted(tally.statuses.items()))}")

    checks = [("zero errors", errors == 0)]
    checks += verify(url, tally)
    delivered = set(webhook.keys) >= set(tally.contacts.values())
    checks.append(
        (f"every acknowledged request reached the helpdesk ({len(webhook.keys)} keys, "
         f"{sum(webhook.keys.values()) - len(webhook.keys)} repeats)", delivered)
    )  # fmt: skip
    webhook.stop()
    print()
    for label, ok in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {label}")
    if args.json:
        figures = {
            "seconds": elapsed,
            "connections": args.connections,
            "workers": args.workers,
            "requests": len(every),
            "errors": errors,
            "throughput_rps": len(every) / elapsed,
            "p50_ms": pct(every, 0.5),
            "p99_ms": pct(every, 0.99),
            "per_endpoint": {
                k: {"ok": len(tally.latencies[k]), "p99_ms": pct(tally.latencies[k], 0.99)}
                for k, _ in MIX
            },
            "checks": dict(checks),
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
