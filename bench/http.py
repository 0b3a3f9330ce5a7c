"""Benchmark 4: HTTP under load. gunicorn with 2 sync workers (``--no-control-socket``) on the
scale dataset; load from ``wrk`` (a second process, C, so the load generator takes little of
the two cores) with a Lua script of signed-in requests, for 60 s (10 s with ``--quick``).

Mix per 10 requests: 3 inbox (the user with 500 open tasks), 4 agreement pages (a federal
reviewer, random agreements), 2 region pages (5,000 agreements), 1 approve POST (a reviewer's
"no objections" on a distinct case in ``federal_review``, with its CSRF token and expected
version; once those run out, that slot becomes an agreement page). Target: ≥ 300 requests/s,
p95 ≤ 100 ms (measured over every request, the POSTs included), 0 errors (wrk's connect, read,
write, timeout and non-2xx/3xx counts).

``wrk`` comes from Debian (``apt-get install -y wrk``); without it this benchmark fails with
that hint. The RSS of the gunicorn workers after the run is kept for the memory benchmark.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.core import Figure, Options, log
from bench.databases import psycopg_url
from bench.pages import SECRET, dataset
from bench.smtp_sink import free_port

NAME = "http"
TARGET_RPS = 300.0
TARGET_P95_MS = 100.0
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LUA = Path(__file__).resolve().parent / "load.lua"


class Server:
    """gunicorn serving the app on a free loopback port, stopped (SIGTERM) on exit."""

    def __init__(self, url: str, workers: int = 2, env: dict[str, str] | None = None):
        self.port = free_port()
        self.env = env or {}
        self.url = url
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.cache = tempfile.mkdtemp(prefix="soglasie-bench-gunicorn-")

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "SOGLASIE_DATABASE_URL": self.url,
            "SOGLASIE_SECRET_KEY": SECRET,
            "SOGLASIE_ENV": "demo",
            "SOGLASIE_CACHE_DIR": self.cache,
            **self.env,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--timeout",
                "60",
                "web.app:create_app()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(self.cache) / "gunicorn.log", "w"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _h, _b = request(self.port, "GET", "/livez")
                if status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.cache}/gunicorn.log")
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /livez within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (children of the master)."""
        sizes = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(self.process.pid):
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sizes


def request(port: int, method: str, path: str, body: str | None = None, cookie: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    result = response.status, response.getheaders(), data
    conn.close()
    return result


def _cookie(headers, jar: dict[str, str]) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]


def sign_in(port: int, username: str, password: str = "bench-password") -> tuple[str, str]:
    """(cookie header, CSRF token) of a signed-in session."""
    jar: dict[str, str] = {}
    status, headers, page = request(port, "GET", "/login")
    _cookie(headers, jar)
    token = _CSRF.search(page).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    body = f"username={username}&password={password}&csrf_token={token}"
    status, headers, _ = request(port, "POST", "/login", body, cookie)
    if status not in (302, 303):
        raise RuntimeError(f"sign-in of {username} failed: HTTP {status}")
    _cookie(headers, jar)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    # Signing in starts a new session: take the CSRF token (and the cookie that stores it)
    # from a page with a form.
    status, headers, page = request(port, "GET", "/settings/substitutions", cookie=cookie)
    _cookie(headers, jar)
    found = _CSRF.search(page)
    if status != 200 or not found:
        raise RuntimeError(f"no CSRF token for {username} (HTTP {status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items()), found.group(1)


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def write_script(port: int, url: str, agreements: int) -> Path:
    """The wrk Lua script: every session's cookie and the approve POSTs, precomputed."""
    sessions = {
        name: sign_in(port, name)
        for name in ("inbox", "region", "federal", "mfa", "minec", "sector")
    }
    engine = create_engine(psycopg_url(url))
    with engine.connect() as conn:
        reviews = conn.execute(
            text("SELECT id, version FROM cases WHERE state = 'federal_review' ORDER BY id")
        ).all()
    engine.dispose()
    rng = random.Random(7)
    reviewers = ("mfa", "minec", "sector")
    posts = []
    for i, (case_id, version) in enumerate(reviews):
        cookie, token = sessions[reviewers[i % 3]]
        body = f"trigger=approve&expected_version={version}&comment=&csrf_token={token}"
        posts.append((f"/agreements/{case_id}/actions", cookie, body))
    rng.shuffle(posts)
    case_pages = [f"/agreements/{rng.randint(1, agreements)}" for _ in range(500)]
    lines = [
        "local nthreads = 2",
        "local inbox = " + _lua_string(sessions["inbox"][0]),
        "local region = " + _lua_string(sessions["region"][0]),
        "local federal = " + _lua_string(sessions["federal"][0]),
        "local cases = {" + ", ".join(_lua_string(p) for p in case_pages) + "}",
        "local posts = {",
    ]
    lines += [f"  {{{_lua_string(p)}, {_lua_string(c)}, {_lua_string(b)}}}," for p, c, b in posts]
    lines.append("}")
    script = Path(tempfile.mkdtemp(prefix="soglasie-bench-wrk-")) / "load.lua"
    script.write_text("\n".join(lines) + "\n" + LUA.read_text(encoding="utf-8"), encoding="utf-8")
    return script


def run_wrk(port: int, script: Path, seconds: int, connections: int = 8) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    completed = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON ") :])
    raise RuntimeError(f"wrk gave no result: {completed.stdout[-500:]} {completed.stderr[-500:]}")


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    size = options.pick(100_000, 4_000)
    seconds = options.pick(60, 10)
    for backend in options.backends:
        data = dataset(options, backend, size)
        with Server(data.url) as server:
            script = write_script(server.port, data.url, size)
            run_wrk(server.port, script, 3)  # warm up both workers; uses a few POSTs
            script = write_script(server.port, data.url, size)  # fresh versions for the run
            result = run_wrk(server.port, script, seconds)
            rss = server.worker_rss_mb()
        options.datasets[("rss", backend)] = rss
        rps = result["requests"] / (result["duration_us"] / 1e6)
        p95 = result["p95_us"] / 1000
        errors = sum(result["errors"].values())
        log(
            options,
            f"{backend}: {rps:.0f} req/s, p95 {p95:.0f} ms, p50 "
            f"{result['p50_us'] / 1000:.0f} ms, errors {result['errors']}, "
            f"{result['posts']} approve POSTs",
        )
        figures.append(
            Figure(
                NAME,
                backend,
                f"mixed load, 2 gunicorn workers, {seconds} s",
                rps,
                "req/s",
                target=f"≥ {TARGET_RPS:g}/s",
                met=rps >= TARGET_RPS,
                note=f"wrk -t2 -c8; {result['posts']} approve POSTs",
            )
        )
        figures.append(
            Figure(
                NAME,
                backend,
                "  latency p95 (all requests)",
                p95,
                "ms",
                target=f"≤ {TARGET_P95_MS:g} ms",
                met=p95 <= TARGET_P95_MS,
            )
        )
        figures.append(
            Figure(
                NAME,
                backend,
                "  errors",
                errors,
                "errors",
                target="0",
                met=errors == 0,
                note=json.dumps(result["errors"]),
            )
        )
    return figures
