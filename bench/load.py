"""Load benchmark: `aidcoord serve --workers 4` on PostgreSQL under a bounded client on 127.0.0.1.

Usage: ``python bench/load.py [--seconds 20] [--connections 32] [--workers 4] [--batches 10]``.

Creates a temporary database on the local PostgreSQL server (AIDCOORD_BENCH_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test names the server and a database to connect to for CREATE
and DROP), loads the embedded nsatu scenario, plans and approves it, makes the shipments and
dispatches them, and adds a coordinator, a nation officer and a hub operator with API tokens. Then it
starts `aidcoord serve --workers N --log-format json` (access log on, to a file) and drives it:

- mixed traffic for `--seconds`: a fixed number of keep-alive connections, each sending its next
  request when the last is answered; 70% reads, chosen evenly among pages of 50 requirements, offers
  and shipments (at random offsets, as the coordinator, a nation officer or a hub operator), a
  shipment's timeline and the plan list of the dashboard, and 30% event posts (`delayed` with a fresh
  idempotency key on a random dispatched shipment);
- bulk ingestion: `--batches` requests of 1,000 `delayed` events each to /api/v1/shipment-events/batch,
  two at a time, twice: on random shipments of all (so the two batches in flight share shipments and
  queue for their locks), then with each client on its own half of the shipments (as the feeds of two
  hubs would be).

Prints the machine, a table of throughput and latency percentiles per kind of request, and the bulk
rate in events/s; drops the database at the end. Asserts nothing. The client is a small asyncio
HTTP/1.1 client (one coroutine per connection) so that it takes as little of the shared CPU as it can.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.plans import service as plans
from aidcoord.scenario import embedded
from aidcoord.scenario.io import read_package
from aidcoord.shipments import service as shipments

ADMIN_URL = os.environ.get("AIDCOORD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
READ_SHARE = 0.7
PAGE = 50


@dataclass(frozen=True)
class World:
    """What the traffic needs to know about the database."""

    tokens: dict[str, str]  # role -> token
    shipment_ids: list[str]
    requirements: int
    offers: int
    nation_id: str


def calibration_ms() -> float:
    """CPU milliseconds a fixed pure-Python loop takes now: the machine's speed at this moment.

    Shared virtual machines change speed with their neighbours' load (the same loop has taken twice as
    long from one minute to the next here), so runs are comparable only with this figure beside them.
    """
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return (time.process_time() - started) * 1000


def machine() -> str:
    """nproc, the CPU model, memory and the load average, for the record."""
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        kib = int(meminfo.readline().split()[1])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), {kib / 2**20:.0f} GiB, {platform.python_implementation()} "
        f"{platform.python_version()}; load average {load}"
    )


def prepare(url: str) -> World:
    """Migrate, load and plan nsatu, approve, make and dispatch the shipments, add users with tokens."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            dataset.load_scenario(
                session, actor=SYSTEM, scenario=read_package(embedded.embedded_path("nsatu"))
            )
        with session_scope(engine) as session:
            version = plans.create_plan(session, actor=SYSTEM).version
            plans.approve_plan(session, actor=SYSTEM, version=version, reason="load benchmark")
            shipments.create_from_approved_plan(session, actor=SYSTEM)
        with session_scope(engine) as session:
            made = shipments.list_shipments(session, actor=SYSTEM, limit=1000).items
            ids = [s.shipment_id for s in made]
            for start in range(0, len(ids), shipments.MAX_BATCH):
                events = [
                    shipments.EventInput(sid, "dispatched", f"dispatch-{sid}")
                    for sid in ids[start : start + shipments.MAX_BATCH]
                ]
                shipments.record_events(session, actor=SYSTEM, events=events)
            nation = max({s.nation_id for s in made}, key=lambda n: sum(s.nation_id == n for s in made))
            hub = max({s.hub_site_id for s in made}, key=lambda h: sum(s.hub_site_id == h for s in made))
            users = {
                "coordinator": ("bench-coord", "CELL"),
                "nation_officer": ("bench-officer", f"DEL-{nation}"),
                "hub_operator": ("bench-ops", f"OPS-{hub}"),
            }
            tokens = {}
            for role, (user_id, organisation) in users.items():
                access.add_user(
                    session, actor=SYSTEM, user_id=user_id, organisation_id=organisation, roles=[role]
                )
                tokens[role] = access.create_token(session, actor=SYSTEM, user_id=user_id).secret
            counts = session.execute(
                text("SELECT (SELECT count(*) FROM requirements), (SELECT count(*) FROM offers)")
            ).one()
        return World(tokens, ids, int(counts[0]), int(counts[1]), nation)
    finally:
        engine.dispose()


# --- a minimal HTTP/1.1 keep-alive client ------------------------------------------------------------


class Connection:
    """One keep-alive connection to the server; reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, token: str, body: bytes | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read the whole answer: its status and body."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        fields = {k.lower(): v for k, v in headers.items()}
        payload = await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
        self.reader = self.writer = None


Operation = Callable[[random.Random, int], tuple[str, str, str, str, bytes | None]]
"""(kind shown in the table, method, path, role, body) from a random source and a sequence number."""


def operations(world: World) -> tuple[list[Operation], list[Operation]]:
    """The read operations (chosen uniformly) and the write operation."""
    ids = world.shipment_ids

    def page(rng: random.Random, total: int) -> str:
        return f"limit={PAGE}&offset={rng.randrange(0, max(1, total - PAGE))}"

    reads: list[Operation] = [
        lambda rng, n: (
            "requirements page",
            "GET",
            f"/api/v1/requirements?{page(rng, world.requirements)}",
            "coordinator",
            None,
        ),
        lambda rng, n: (
            "offers page",
            "GET",
            f"/api/v1/offers?{page(rng, world.offers)}",
            rng.choice(["coordinator", "nation_officer"]),
            None,
        ),
        lambda rng, n: (
            "shipments page",
            "GET",
            f"/api/v1/shipments?{page(rng, len(ids))}",
            rng.choice(["coordinator", "hub_operator"]),
            None,
        ),
        lambda rng, n: (
            "shipment timeline",
            "GET",
            f"/api/v1/shipments/{rng.choice(ids)}",
            "coordinator",
            None,
        ),
        lambda rng, n: (
            "plan list",
            "GET",
            "/api/v1/plans",
            rng.choice(["coordinator", "nation_officer"]),
            None,
        ),
    ]

    def post_event(rng: random.Random, n: int) -> tuple[str, str, str, str, bytes | None]:
        body = {"kind": "delayed", "note": f"load {n}", "idempotency_key": f"load-{uuid.uuid4().hex}"}
        return (
            "event post",
            "POST",
            f"/api/v1/shipments/{rng.choice(ids)}/events",
            "coordinator",
            (json.dumps(body).encode()),
        )

    return reads, [post_event]


async def mixed(
    port: int, world: World, seconds: float, connections: int, seed: int
) -> dict[str, list[float]]:
    """Run the mixed traffic; latencies (s) per kind of request, and the failures under 'errors'."""
    reads, writes = operations(world)
    latencies: dict[str, list[float]] = defaultdict(list)
    end = time.perf_counter() + seconds

    async def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        connection = Connection(port)
        n = 0
        while time.perf_counter() < end:
            n += 1
            chosen = rng.choice(reads) if rng.random() < READ_SHARE else rng.choice(writes)
            kind, method, path, role, body = chosen(rng, n)
            started = time.perf_counter()
            status, payload = await connection.request(method, path, world.tokens[role], body)
            elapsed = time.perf_counter() - started
            if status >= 300:
                latencies["errors"].append(elapsed)
                print(f"{status} {method} {path}: {payload[:200]!r}", file=sys.stderr)
            latencies[kind].append(elapsed)
        await connection.close()

    await asyncio.gather(*(client(i) for i in range(connections)))
    return latencies


async def bulk(
    port: int, world: World, batches: int, parallel: int, prefix: str = "bulk", *, separate: bool = False
) -> tuple[float, list[float]]:
    """Post `batches` batches of 1,000 delayed events, `parallel` at a time; wall seconds and latencies.

    Each event is on a random dispatched shipment: of all of them (every batch then shares shipments
    with the one beside it, so the two queue for their locks), or with `separate` of the sending
    client's own share of them (as feeds of different hubs would be). The idempotency keys are
    `prefix`-batch-index: a second run needs another prefix to store anything."""
    token = world.tokens["coordinator"]
    queue = list(range(batches))
    latencies: list[float] = []

    async def client(number: int) -> None:
        connection = Connection(port)
        rng = random.Random(len(queue))
        mine = world.shipment_ids[number::parallel] if separate else world.shipment_ids
        while queue:
            b = queue.pop()
            events = [
                {
                    "shipment_id": rng.choice(mine),
                    "kind": "delayed",
                    "idempotency_key": f"{prefix}-{b}-{i}",
                }
                for i in range(shipments.MAX_BATCH)
            ]
            body = json.dumps({"events": events}).encode()
            started = time.perf_counter()
            status, payload = await connection.request("POST", "/api/v1/shipment-events/batch", token, body)
            latencies.append(time.perf_counter() - started)
            if status != 201:
                print(f"bulk {status}: {payload[:300]!r}", file=sys.stderr)
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(parallel)))
    return time.perf_counter() - started, latencies


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return f"{seconds * 1000:.1f}"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (those that are gone count 0)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def family(root: int) -> list[int]:
    """`root` and its child processes (the server's workers)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == root:
                        children.append(int(entry))
            except OSError:
                continue
    return [root, *children]


def backends(name: str) -> list[int]:
    """The PostgreSQL server processes serving database `name` (same machine)."""
    engine = make_engine(ADMIN_URL)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            return [int(pid) for pid in found.scalars()]
    finally:
        engine.dispose()


def machine_ticks() -> list[int]:
    """The machine's CPU time so far, from /proc/stat: user, nice, system, idle, iowait, irq, softirq,
    steal (in clock ticks, all CPUs together)."""
    with open("/proc/stat", encoding="ascii") as stat:
        return [int(x) for x in stat.readline().split()[1:9]]


def machine_shares(before: list[int], after: list[int]) -> dict[str, float]:
    """How the machine's CPUs spent the time between two `machine_ticks`: busy, idle, iowait, steal."""
    d = [b - a for a, b in zip(before, after, strict=True)]
    total = max(1, sum(d))
    user, nice, system, idle, iowait, irq, softirq, steal = d
    return {
        "busy": (user + nice + system + irq + softirq) / total,
        "idle": idle / total,
        "iowait": iowait / total,
        "steal": steal / total,
    }


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds used during a run by the server's processes, the database's and the client, and how
    the whole machine's CPUs spent that time (shares of busy, idle, iowait and steal)."""

    server: float
    database: float
    client: float
    machine: dict[str, float]


def measured(run: Callable[[], object], server_pid: int, name: str) -> CpuUse:
    """CPU used by `run()`'s traffic: the server's worker processes, their database connections, this
    client (a pooled connection opened during the run counts from its start)."""
    server, database = family(server_pid), backends(name)
    before = (cpu_s(server), cpu_s(database), time.process_time())
    ticks = machine_ticks()
    run()
    shares = machine_shares(ticks, machine_ticks())
    database_after = backends(name)
    new = [pid for pid in database_after if pid not in database]
    return CpuUse(
        server=cpu_s(server) - before[0],
        database=cpu_s(database) - before[1] + cpu_s(new),
        client=time.process_time() - before[2],
        machine=shares,
    )


def start(url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`aidcoord serve` on a free port; returns once every worker can answer."""
    port = free_port()
    env = {**os.environ, "AIDCOORD_DATABASE_URL": url}
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aidcoord.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-format",
                "json",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()[-2000:]}")
        if log.read_text().count("Application startup complete") >= workers:
            return server, port
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 120 s")


def main() -> None:
    """Prepare, serve, drive, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="Duration of the mixed traffic.")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent client connections.")
    parser.add_argument("--workers", type=int, default=4, help="Server worker processes.")
    parser.add_argument("--batches", type=int, default=10, help="Bulk requests of 1,000 events.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    console = Console()
    console.print(f"Machine: {machine()}; calibration loop {calibration_ms():.0f} ms of CPU")

    name = f"aidcoord_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_engine(ADMIN_URL).url.set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        world = prepare(url)
        console.print(
            f"Prepared nsatu in {time.perf_counter() - started:.1f} s: {world.requirements} requirements, "
            f"{world.offers} offers, {len(world.shipment_ids)} shipments dispatched"
        )
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "serve.log"
            server, port = start(url, args.workers, log)
            try:
                asyncio.run(mixed(port, world, 2.0, args.connections, args.seed + 1))  # warm-up, not shown
                outcome: dict[str, dict[str, list[float]]] = {}

                def traffic() -> None:
                    outcome["latencies"] = asyncio.run(
                        mixed(port, world, args.seconds, args.connections, args.seed)
                    )

                cpu = measured(traffic, server.pid, name)
                latencies = outcome["latencies"]
                bulk_runs = {
                    shipments_used: asyncio.run(
                        bulk(port, world, args.batches, parallel=2, prefix=prefix, separate=separate)
                    )
                    for shipments_used, prefix, separate in (
                        ("any (shared by both clients)", "bulk", False),
                        ("the client's own half", "feed", True),
                    )
                }
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)
            logged = sum(1 for line in log.read_text().splitlines() if '"aidcoord.access_log"' in line)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    errors = latencies.pop("errors", [])
    every = [x for values in latencies.values() for x in values]
    table = Table(
        title=f"Mixed traffic: {args.workers} workers, {args.connections} connections, {args.seconds:.0f} s "
        f"({READ_SHARE:.0%} reads)"
    )
    for column in ("requests", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "requests" else "right")
    rows = sorted(latencies.items(), key=lambda item: -len(item[1]))
    for kind, values in [*rows, ("all", every)]:
        table.add_row(
            kind,
            f"{len(values):,}",
            f"{len(values) / args.seconds:,.0f}",
            ms(percentile(values, 0.5)),
            ms(percentile(values, 0.95)),
            ms(percentile(values, 0.99)),
            ms(max(values)),
            style="bold" if kind == "all" else None,
        )
    console.print(table)
    console.print(f"Errors (status >= 300): {len(errors)}; access-log lines written: {logged:,}")
    per = {k: v * 1000 / max(1, len(every)) for k, v in vars(cpu).items() if k != "machine"}
    cores = os.cpu_count() or 1
    capacity = cores * 1000 / sum(per.values())
    console.print(
        f"CPU per request: server {per['server']:.1f} ms, database {per['database']:.1f} ms, client "
        f"{per['client']:.1f} ms; {cores} idle cores would serve about {capacity:,.0f} requests/s of this "
        "mix (CPU alone, before any waiting)"
    )
    console.print(
        "The machine's CPUs during the run: "
        + ", ".join(f"{share:.0%} {name}" for name, share in cpu.machine.items())
        + " (steal: time the virtual machine's host gave to others)"
    )
    events = args.batches * shipments.MAX_BATCH
    bulk_table = Table(
        title="Bulk ingestion: POST /api/v1/shipment-events/batch, 1,000 events each, 2 at a time"
    )
    columns = (
        "events on shipments",
        "batches",
        "events",
        "seconds",
        "events/s",
        "p50 ms per batch",
        "max ms",
    )
    for column in columns:
        bulk_table.add_column(column, justify="left" if column == columns[0] else "right")
    for shipments_used, (bulk_s, bulk_latencies) in bulk_runs.items():
        bulk_table.add_row(
            shipments_used,
            str(args.batches),
            f"{events:,}",
            f"{bulk_s:.2f}",
            f"{events / bulk_s:,.0f}",
            ms(percentile(bulk_latencies, 0.5)),
            ms(max(bulk_latencies)),
        )
    console.print(bulk_table)
    console.print(
        f"Load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; calibration loop "
        f"{calibration_ms():.0f} ms of CPU"
    )


if __name__ == "__main__":
    main()
