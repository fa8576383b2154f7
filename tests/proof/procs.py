"""Real processes the proof tests drive: gunicorn, a private PostgreSQL, and plain HTTP calls.

Nothing here is a stand-in: the API runs under the production server, PostgreSQL is a real
server started from its own data directory, and requests go over loopback sockets.
"""

from __future__ import annotations

import http.client as httpclient
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GENEROUS = {"rate_limit": "1000000/minute", "write_rate_limit": "1000000/minute"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def proof_config(dest: Path, **sections: dict[str, Any]) -> Path:
    """Write the shipped site_config.yml with ``sections`` merged in (per section) to ``dest``."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "site_config.yml").read_text("utf-8")) or {}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    dest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return dest


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def server_env(build: Path, config: Path, database_url: str) -> dict[str, str]:
    """The environment of a gunicorn server on ``build`` with ``config`` and a store."""
    return {
        "KB_BUILD_DIR": str(build),
        "KB_SITE_CONFIG": str(config),
        "KB_DATABASE_URL": database_url,
    }


def first_vote(manifest: dict[str, Any]) -> dict[str, Any]:
    """A 'helpful' vote on the manifest's first article, at its current revision."""
    article = manifest["articles"][0]
    return {"article_id": article["id"], "revision": article["revision"], "value": 1}


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One HTTP/1.1 request; ``body`` is sent as JSON unless it is bytes. Raises OSError."""
    parts = urlsplit(url)
    conn = httpclient.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    sent = dict(headers or {})
    data: bytes | None = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    except httpclient.HTTPException as exc:  # a reply cut off by a killed server
        raise OSError(f"{exc.__class__.__name__}: {exc}") from exc
    finally:
        conn.close()


def raw_request(port: int, head: bytes, *, timeout: float = 10.0) -> Reply:
    """Send bytes exactly as given (no client-side path normalisation) and parse the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    header, _, body = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(status, headers, body)


def wait_until(condition: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


@dataclass
class Gunicorn:
    """``feedback_api:create_app(settings)`` under gunicorn (sync workers) on a loopback port.

    The server runs in a session of its own, so ``kill()`` can SIGKILL the master and every
    worker at once, as a crashed host or an OOM kill would.
    """

    work: Path
    env: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.work / "gunicorn.log"

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 60.0) -> Gunicorn:
        """Start and wait until /api/health answers (any status: a broken index is a 503)."""
        target = f"feedback_api:create_app({self.settings!r})"
        command = [str(BIN / "gunicorn"), "-w", str(self.workers), "-k", "sync"]
        command += ["-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", target]
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                cwd=self.work,
                env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start-up:\n{self.log_text()[-3000:]}")
            try:
                http("GET", self.url + "/api/health", timeout=2)
                return self
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer in {timeout} s:\n{self.log_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die mid-request."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        """Graceful stop (SIGTERM), SIGKILL if it lingers."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self.process = None


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


class PrivatePostgres:
    """A PostgreSQL server of the test's own: initdb in a temporary folder, its own port.

    As root, the server runs as the ``postgres`` user (initdb refuses root). Raises
    RuntimeError with the reason when it cannot be started.
    """

    def __init__(self) -> None:
        bindir = _pg_bin()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb) found")
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kb-pg-"))
        self.data = self.dir / "data"
        self._user: list[str] = []
        if os.geteuid() == 0:
            try:
                shutil.chown(self.dir, "postgres")
            except (LookupError, OSError) as exc:
                raise RuntimeError(f"running as root without a 'postgres' user: {exc}") from exc
            self._user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._user, str(self.bindir / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def destroy(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
