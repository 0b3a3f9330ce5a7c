"""``python -m bench.faults``: decisions under load while the database restarts (PostgreSQL) or a
web worker is killed with -9 (SQLite), and what the clients were told.

    python -m bench.faults --pg-cluster 15/faults --create-cluster   # PostgreSQL, then SQLite
    python -m bench.faults --sqlite-only

PostgreSQL runs on a cluster of its own, named by ``--pg-cluster VERSION/NAME`` and restarted
with ``pg_ctlcluster --skip-systemctl-redirect VERSION NAME restart -m fast`` and ``-m
immediate``; it refuses the cluster named ``main`` (the one everybody's tests use) unless
``--i-mean-the-main-cluster``. ``--create-cluster`` creates the cluster if it is missing
(``pg_createcluster VERSION NAME -p PORT``, trust authentication on loopback; needs root).

Each scenario: gunicorn (``--web-workers`` sync workers, default 3) and a ``soglasie
worker`` (with a loopback SMTP sink) on a fresh database; ``--clients`` threads, each owning one
agreement in federal review and cycling through approve, approve, return for revision,
resubmit over ``/api/v1`` with personal tokens, without ``expected_version`` (the client the
issue worried about) and with an ``Idempotency-Key`` per decision (the same on every repeat;
ignored by a server that does not know the header). After any answer but a 2xx (a 503 "not
saved", ``outcome_unknown``, a generic 503, a 500, a dropped connection) the client reads the
case's version before repeating the decision: a version that moved means it was recorded (and,
after "not saved", that the server lied). Afterwards the audit trail is compared with what the
clients were told:

- every decision answered 2xx is in the audit trail (its ``seq`` is the version answered);
- every decision answered "not saved" is absent (a lie would show as a version that moved);
- each case's trail is exactly the clients' completed decisions, in order: nothing twice;
- answers during the fault: 503s with ``Retry-After``, 500s, dropped connections, the slowest;
- seconds from the database accepting connections again (or the kill) to the first 2xx;
- the worker process: still running, and every email of the run sent by the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.databases import create_schema, psycopg_url
from bench.http import Server
from bench.smtp_sink import SmtpSink
from bench.world import DRAFT_FIELDS, FIELDS, REVIEW_CYCLE, TEXT_RU, TEXT_ZH, build_world
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.services.tokens import issue_token

RESULTS = Path(__file__).resolve().parent / "results"
DATABASE = "soglasie_faults"
RETRY_AFTER = "1"  # the server's Retry-After during the run: clients come back quickly


# --- the PostgreSQL cluster that gets restarted ---------------------------------------------


@dataclass
class Cluster:
    version: str
    name: str

    def port(self) -> int | None:
        listed = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
        ).stdout
        for line in listed.splitlines():
            parts = line.split()
            if parts[:2] == [self.version, self.name]:
                return int(parts[2])
        return None

    def ensure(self, create: bool, port: int) -> int:
        found = self.port()
        if found is None:
            if not create:
                raise SystemExit(
                    f"no cluster {self.version}/{self.name}: create it with --create-cluster "
                    f"(pg_createcluster {self.version} {self.name} -p {port})"
                )
            subprocess.run(
                ["pg_createcluster", self.version, self.name, "-p", str(port)], check=True
            )
            hba = Path(f"/etc/postgresql/{self.version}/{self.name}/pg_hba.conf")
            hba.write_text(
                "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
            )
            found = port
        self._ctl("start", check=False)  # already running: pg_ctlcluster says so
        return found

    def restart(self, mode: str) -> None:
        self._ctl("restart", "-m", mode)

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, *args],
            check=check,
            capture_output=True,
        )


def accepts_connections(url: str) -> bool:
    import psycopg

    parsed = make_url(url)
    try:
        with psycopg.connect(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            dbname=parsed.database,
            connect_timeout=1,
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


# --- the data ---------------------------------------------------------------------------------


def prepare(url: str, clients: int) -> tuple[list[int], dict[str, str]]:
    """Schema, people, one agreement in federal review per client; every person's token."""
    from alembic import command

    from workflow.persistence.schema import alembic_config

    create_schema(url)
    command.stamp(alembic_config(url), "head")
    engine = Engine.create(url, load_verified())
    world = build_world(engine)
    people = {name: engine.actor(user_id) for name, user_id in world.users.items()}
    signing = (dt.date.today() + dt.timedelta(days=150)).isoformat()
    cases = []
    for _ in range(clients):
        ini = people["ini"]
        case_id = engine.create_case(ini, "regional_agreement", fields=dict(FIELDS)).id
        engine.fire(case_id, "notify_negotiations", ini)
        engine.fire(case_id, "start_drafting", ini)
        engine.update_fields(case_id, ini, {**DRAFT_FIELDS, "planned_signing_date": signing})
        engine.add_document(case_id, ini, "ru", TEXT_RU, "soglashenie.txt")
        engine.add_document(case_id, ini, "zh", TEXT_ZH)
        engine.fire(case_id, "send_for_clearance", ini)
        engine.fire(case_id, "clear", people["legal"])
        engine.fire(case_id, "clear", people["head"])
        engine.fire(case_id, "start_review", people["mfa"])
        cases.append(case_id)
    tokens = {}
    with engine.uow() as uow:
        for name, user_id in world.users.items():
            _info, tokens[name] = issue_token(uow.session, engine.clock, user_id, "faults")
        uow.commit()
    engine.dispose()
    return cases, tokens


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Attempt:
    case_id: int
    trigger: str
    sent: float
    answered: float
    status: int | None  # None: the connection failed or dropped
    code: str = ""
    retry_after: bool = False
    version: int | None = None  # the version a 2xx answered


@dataclass
class Tally:
    attempts: list[Attempt] = field(default_factory=list)
    completed: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # case: [(seq, t)]
    lies: list[str] = field(default_factory=list)  # "not saved" answers for saved decisions
    refused: list[str] = field(default_factory=list)  # 4xx: the client lost track (a repeat)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client(threading.Thread):
    def __init__(self, port: int, case_id: int, tokens: dict[str, str], tally: Tally, stop):
        super().__init__(daemon=True)
        self.port, self.case_id, self.tokens, self.tally, self.stop = (
            port,
            case_id,
            tokens,
            tally,
            stop,
        )
        self.version: int | None = None

    def run(self) -> None:
        self.version = self._read_version(deadline=time.monotonic() + 60)
        step = 0
        while not self.stop.is_set():
            trigger, who, comment = REVIEW_CYCLE[step % len(REVIEW_CYCLE)]
            if not self._decide(trigger, who, comment):
                return
            step += 1

    def _decide(self, trigger: str, who: str, comment: str | None) -> bool:
        """One decision, repeated until it is known to be recorded; False to give up."""
        key = uuid.uuid4().hex
        body = json.dumps({"trigger": trigger, **({"comment": comment} if comment else {})})
        while True:
            before = self.version
            sent = time.monotonic()
            status, headers, reply = _call(
                self.port,
                "POST",
                f"/api/v1/agreements/{self.case_id}/transitions",
                self.tokens[who],
                body,
                {"Idempotency-Key": key},
            )
            attempt = Attempt(
                self.case_id,
                trigger,
                sent,
                time.monotonic(),
                status,
                (reply or {}).get("code", ""),
                "retry-after" in headers,
            )
            if status is not None and 200 <= status < 300:
                attempt.version = reply["version"]
                self._record(attempt, reply["version"], trigger)
                return True
            if status is not None and 400 <= status < 500:
                self._record(attempt)
                with self.tally.lock:
                    self.tally.refused.append(f"{self.case_id} {trigger}: {status} {reply}")
                return False
            self._record(attempt)
            # Not a success: read the case's version, as the answer says, unless it said
            # "not saved", which is checked all the same (a lie would show here).
            now = self._read_version(deadline=time.monotonic() + 120)
            if now is None:
                return False
            if now != before:
                if (reply or {}).get("errors", {}).get("outcome") == "not_saved":
                    with self.tally.lock:
                        self.tally.lies.append(f"{self.case_id} {trigger} v{now}")
                self._record(None, now, trigger)
                return True
            if self.stop.is_set() and status is None:
                return False
            time.sleep(float(headers.get("retry-after", "0.5")))

    def _record(self, attempt: Attempt | None, version: int | None = None, trigger: str = ""):
        with self.tally.lock:
            if attempt is not None:
                self.tally.attempts.append(attempt)
            if version is not None:
                self.version = version
                self.tally.completed.setdefault(self.case_id, []).append((version, trigger))

    def _read_version(self, deadline: float) -> int | None:
        while time.monotonic() < deadline:
            status, headers, reply = _call(
                self.port, "GET", f"/api/v1/agreements/{self.case_id}", self.tokens["ini"]
            )
            if status == 200:
                return reply["version"]
            time.sleep(float(headers.get("retry-after", "0.5")))
        return None


def _call(port, method, path, token, body=None, extra=None):
    import http.client

    headers = {"Authorization": f"Bearer {token}", **(extra or {})}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        answer = {k.lower(): v for k, v in response.getheaders()}
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, answer, parsed if isinstance(parsed, dict) else None
    except (OSError, http.client.HTTPException):
        return None, {}, None
    finally:
        conn.close()


# --- one scenario -----------------------------------------------------------------------------


@dataclass
class Fault:
    label: str
    started: float
    back: float  # the database accepts connections again / the worker was killed


def run_scenario(
    backend: str,
    url: str,
    faults,
    clients: int,
    warmup: float,
    between: float,
    web_workers: int = 2,
) -> dict:
    cases, tokens = prepare(url, clients)
    tally = Tally()
    stop = threading.Event()
    with SmtpSink() as sink, Server(url, workers=web_workers, env=_SERVER_ENV) as server:
        worker = _spawn_worker(url, sink.port, server.cache)
        threads = [Client(server.port, c, tokens, tally, stop) for c in cases]
        for thread in threads:
            thread.start()
        time.sleep(warmup)
        done: list[Fault] = []
        for label, inflict in faults:
            started = time.monotonic()
            back = inflict(server)
            done.append(Fault(label, started, back))
            print(f"   {label}: back after {back - started:.1f} s", flush=True)
            time.sleep(between)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        ended = time.monotonic()
        drained = _wait_outbox_sent(url, limit=120)
        worker_alive = worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        sent = sink.received
    audit = _audit(url, cases)
    figures = _figures(backend, tally, done, audit, drained, ended, worker_alive, sent)
    figures["lost_commits_checked"] = _lost_commits(Path(server.cache) / "gunicorn.log")
    return figures


def _lost_commits(log: Path) -> dict[str, int]:
    """What the web workers learned of the COMMITs whose connection was lost (their log)."""
    found: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if "connection lost during COMMIT of" in line:
            found[line.rsplit(": ", 1)[1].split(" (")[0]] += 1
    return dict(found)


_SERVER_ENV = {"SOGLASIE_RETRY_AFTER": RETRY_AFTER}


def _spawn_worker(url: str, smtp_port: int, folder: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOGLASIE_")}
    env.update(
        SOGLASIE_DATABASE_URL=url,
        SOGLASIE_SMTP_HOST="127.0.0.1",
        SOGLASIE_SMTP_PORT=str(smtp_port),
        SOGLASIE_SMTP_TIMEOUT="5",
        SOGLASIE_ENV="demo",
        SOGLASIE_WORKER_ID="faults",
    )
    # This checkout's code (``python -c`` puts the current folder first on sys.path).
    with open(Path(folder) / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from web.cli import main; main()",
                "worker",
                "--deliver-every=0.5",
                "--sweep-every=1",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_outbox_sent(url: str, limit: float) -> float | None:
    """Seconds until every outbox row is sent (None: not within ``limit``)."""
    engine = create_engine(psycopg_url(url))
    started = time.monotonic()
    try:
        while time.monotonic() - started < limit:
            try:
                with engine.connect() as conn:
                    left = conn.execute(
                        text("SELECT count(*) FROM outbox WHERE status = 'pending'")
                    ).scalar_one()
                if left == 0:
                    return time.monotonic() - started
            except Exception:  # the database may still be coming back
                pass
            time.sleep(0.5)
        return None
    finally:
        engine.dispose()


def _audit(url: str, cases: list[int]) -> dict[int, list[tuple[int, str]]]:
    engine = create_engine(psycopg_url(url))
    trail: dict[int, list[tuple[int, str]]] = {}
    with engine.connect() as conn:
        for case_id in cases:
            rows = conn.execute(
                text("SELECT seq, trigger FROM audit_events WHERE case_id = :c ORDER BY seq"),
                {"c": case_id},
            ).all()
            trail[case_id] = [(r.seq, r.trigger) for r in rows]
    engine.dispose()
    return trail


def _figures(backend, tally: Tally, faults, audit, drained, ended, worker_alive, sent) -> dict:
    answered_2xx = [a for a in tally.attempts if a.status is not None and 200 <= a.status < 300]
    present = {(c, seq, t) for c, rows in audit.items() for seq, t in rows}
    missing = [a for a in answered_2xx if (a.case_id, a.version, a.trigger) not in present]
    twice = 0
    for case_id, completed in tally.completed.items():
        seed = audit[case_id][: len(audit[case_id]) - len(completed)]
        after = audit[case_id][len(seed) :]
        if after != completed:
            twice += 1
            print(f"   case {case_id}: trail {after[-6:]} vs clients {completed[-6:]}")
    failures = [a for a in tally.attempts if a.status is None or a.status >= 500]
    statuses = Counter(
        "dropped" if a.status is None else f"{a.status} {a.code}".strip() for a in failures
    )
    recoveries = []
    for fault in faults:
        firsts = [a.answered for a in answered_2xx if a.answered >= fault.back]
        first = min(firsts) - fault.back if firsts else None
        during = [a for a in tally.attempts if fault.started <= a.sent <= fault.back + 5]
        recoveries.append(
            {
                "fault": fault.label,
                "down_s": round(fault.back - fault.started, 1),
                "first_2xx_after_back_s": None if first is None else round(first, 2),
                "first_2xx_after_fault_s": None
                if first is None
                else round(first + fault.back - fault.started, 2),
                "slowest_answer_s": round(max((a.answered - a.sent for a in during), default=0), 2),
            }
        )
    return {
        "backend": backend,
        "decisions_2xx": len(answered_2xx),
        "decisions_2xx_missing": len(missing),
        "completed_after_reading": sum(len(c) for c in tally.completed.values())
        - len(answered_2xx),
        "not_saved_but_saved": len(tally.lies),
        "cases_with_extra_or_lost_decisions": twice,
        "refused_4xx": len(tally.refused),
        "non_2xx_answers": dict(statuses),
        "503_with_retry_after": sum(1 for a in failures if a.status == 503 and a.retry_after),
        "503_without_retry_after": sum(
            1 for a in failures if a.status == 503 and not a.retry_after
        ),
        "500s": sum(1 for a in failures if a.status == 500),
        "recoveries": recoveries,
        "worker_alive": worker_alive,
        "outbox_all_sent_s_after_load": None if drained is None else round(drained, 1),
        "emails_received": sent,
        "refusals": tally.refused[:5],
        "slow_answers": [  # over 2 s: when (from the first fault), how long, what
            {
                "at_s": round(a.sent - faults[0].started, 1) if faults else None,
                "took_s": round(a.answered - a.sent, 1),
                "status": a.status,
                "code": a.code,
            }
            for a in tally.attempts
            if a.answered - a.sent > 2
        ][:20],
    }


# --- the faults -------------------------------------------------------------------------------


def _pg_restart(cluster: Cluster, mode: str, url: str):
    def inflict(_server) -> float:
        cluster.restart(mode)
        while not accepts_connections(url):
            time.sleep(0.05)
        return time.monotonic()

    return f"PostgreSQL restart -m {mode}", inflict


def _terminate_commits(url: str, seconds: float):
    """For ``seconds``, terminate (``pg_terminate_backend``, what a fast shutdown does to each
    backend) every backend of the app's database caught running COMMIT: the issue's
    "AdminShutdown during COMMIT", many times over instead of by luck."""
    import psycopg

    parsed = make_url(url)
    caught = []

    def inflict(_server) -> float:
        with psycopg.connect(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            dbname=parsed.database,
            autocommit=True,
        ) as conn:
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state = 'active' AND query = 'COMMIT'"
                ).fetchall()
                caught.extend(rows)
        print(f"   terminated {len(caught)} backends caught in COMMIT", flush=True)
        return time.monotonic()

    return f"backends terminated during COMMIT for {seconds:g} s", inflict


def _kill_web_worker():
    def inflict(server: Server) -> float:
        children = _children(server.process.pid)
        if children:
            os.kill(children[0], signal.SIGKILL)
        return time.monotonic()

    return "gunicorn worker kill -9", inflict


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--pg-cluster", help="VERSION/NAME of the cluster to restart, e.g. 15/faults"
    )
    parser.add_argument("--pg-port", type=int, default=5433, help="port for --create-cluster")
    parser.add_argument("--create-cluster", action="store_true")
    parser.add_argument("--i-mean-the-main-cluster", action="store_true")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds of load before a fault")
    parser.add_argument("--between", type=float, default=12.0, help="seconds after each fault")
    parser.add_argument(
        "--catch-commits", type=float, default=15.0, help="seconds of terminating COMMITs"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = []
    if not args.sqlite_only:
        if not args.pg_cluster:
            parser.error("--pg-cluster VERSION/NAME (a cluster of its own), or --sqlite-only")
        version, _, name = args.pg_cluster.partition("/")
        if name == "main" and not args.i_mean_the_main_cluster:
            parser.error("that is the shared cluster; pass --i-mean-the-main-cluster to restart it")
        cluster = Cluster(version, name)
        port = cluster.ensure(args.create_cluster, args.pg_port)
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        url = make_url(admin).set(database=DATABASE).render_as_string(hide_password=False)
        _recreate(admin)
        print(f"== PostgreSQL {args.pg_cluster} (port {port})", flush=True)
        faults = [
            _pg_restart(cluster, "fast", url),
            _pg_restart(cluster, "immediate", url),
            _terminate_commits(url, args.catch_commits),
        ]
        try:
            results.append(
                run_scenario(
                    "postgres",
                    url,
                    faults,
                    args.clients,
                    args.warmup,
                    args.between,
                    args.web_workers,
                )
            )
        finally:
            _drop(admin)
    if not args.postgres_only:
        folder = tempfile.mkdtemp(prefix="soglasie-faults-")
        url = f"sqlite:///{Path(folder) / 'faults.db'}"
        print("== SQLite", flush=True)
        faults = [_kill_web_worker(), _kill_web_worker()]
        results.append(
            run_scenario(
                "sqlite", url, faults, args.clients, args.warmup, args.between, args.web_workers
            )
        )
    print(json.dumps(results, indent=2, ensure_ascii=False))
    path = args.json or RESULTS / f"faults-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written {path}")
    bad = [
        r
        for r in results
        if r["decisions_2xx_missing"]
        or r["not_saved_but_saved"]
        or r["cases_with_extra_or_lost_decisions"]
    ]
    return 1 if bad else 0


def _recreate(admin: str) -> None:
    engine = create_engine(psycopg_url(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()


def _drop(admin: str) -> None:
    engine = create_engine(psycopg_url(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
