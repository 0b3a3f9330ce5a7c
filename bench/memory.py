"""Benchmark 5: memory. Resident set size of a gunicorn web worker after serving the scale
dataset (taken right after the HTTP benchmark's load when it ran in this run, otherwise after
serving each page 30 times), and the peak RSS of a worker process that sweeps and delivers on
the scale dataset (clock moved 60 days ahead, so the generated escalations fall due; it sweeps
for up to 10 s and sends for up to 10 s, 3 s each with ``--quick``, into the demo mailbox).
Target ≤ 150 MB each.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.core import Figure, Options, log
from bench.http import Server, request, sign_in
from bench.pages import dataset

NAME = "memory"
TARGET_MB = 150.0

_WORKER = r"""
import datetime as dt, json, resource, sys, time
from bench.generate import NOW
from notifications.delivery import DeliveryPolicy, deliver_batch
from notifications.worker import Worker
from workflow.clock import FixedClock
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.reminders import fire_due_reminders
from workflow.settings import Settings


def peak_rss_kib():
    # VmHWM is this process's own peak. On Linux getrusage's ru_maxrss is carried across
    # fork + exec, so it reports the benchmark parent's peak whenever that is higher.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


url, seconds = sys.argv[1], float(sys.argv[2])
engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW + dt.timedelta(days=60)))
worker = Worker(engine, Settings(env="test", database_url=url), worker_id="bench-memory")
deadline = time.monotonic() + seconds
swept = sent = 0
while time.monotonic() < deadline:
    result = fire_due_reminders(engine, batch_size=200)
    swept += result.fired
    if result.claimed == 0:
        break
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    result = deliver_batch(engine, "email", worker._transport, "bench-memory", DeliveryPolicy())
    sent += result.sent
    if result.claimed == 0:
        break
print(json.dumps({"rss_mb": peak_rss_kib() / 1024, "swept": swept, "sent": sent}))
"""


def _web_rss(url: str) -> list[float]:
    with Server(url) as server:
        for user, path in (
            ("inbox", "/inbox?tab=mine"),
            ("region", "/regions/RU-R01"),
            ("federal", "/agreements?kind=regional_agreement&state=in_force"),
        ):
            cookie, _token = sign_in(server.port, user)
            for _ in range(30):
                request(server.port, "GET", path, cookie=cookie)
        return server.worker_rss_mb()


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    size = options.pick(100_000, 4_000)
    for backend in options.backends:
        data = dataset(options, backend, size)
        rss = options.datasets.get(("rss", backend)) or _web_rss(data.url)
        web = max(rss)
        completed = subprocess.run(
            [sys.executable, "-c", _WORKER, data.url, str(options.pick(10, 3))],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"worker process failed: {completed.stderr[-800:]}")
        worker = json.loads(completed.stdout.strip().splitlines()[-1])
        log(
            options,
            f"{backend}: web worker RSS {web:.0f} MB; worker peak {worker['rss_mb']:.0f}"
            f" MB after sweeping {worker['swept']} and sending {worker['sent']}",
        )
        figures.append(
            Figure(
                NAME,
                backend,
                "RSS of a gunicorn web worker after load",
                web,
                "MB",
                target=f"≤ {TARGET_MB:g} MB",
                met=web <= TARGET_MB,
                note=f"workers: {', '.join(f'{r:.0f}' for r in rss)} MB",
            )
        )
        figures.append(
            Figure(
                NAME,
                backend,
                "peak RSS of the worker process",
                worker["rss_mb"],
                "MB",
                target=f"≤ {TARGET_MB:g} MB",
                met=worker["rss_mb"] <= TARGET_MB,
                note=f"swept {worker['swept']}, sent {worker['sent']} (demo mailbox)",
            )
        )
    return figures
