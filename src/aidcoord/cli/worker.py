"""`aidcoord worker`: run background jobs from the database of AIDCOORD_DATABASE_URL (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from types import FrameType

import typer

from aidcoord.cli.common import console, errors_shown, open_engine, require_current_schema
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.jobs import runner


def worker(
    concurrency: int = typer.Option(1, "--concurrency", help="Jobs run at the same time (threads)."),
    once: bool = typer.Option(False, "--once", help="Run the jobs queued now, then stop."),
    stalled_after: int = typer.Option(
        60, "--stalled-after", help="Seconds without a heartbeat after which a running job is re-queued."
    ),
) -> None:
    """Claim and run queued jobs (plans, what-ifs, Monte Carlo, state exports) until stopped.

    Run as many as you like, on any hosts, against one PostgreSQL database; on SQLite the server
    runs jobs itself and no worker is needed.
    """
    with errors_shown():
        problems = []
        if concurrency < 1:
            problems.append(Problem(f"must be 1 or more, got {concurrency}", column="--concurrency"))
        if stalled_after < 1:
            problems.append(Problem(f"must be 1 or more, got {stalled_after}", column="--stalled-after"))
        if problems:
            raise ValidationFailed("the worker options are invalid", problems)
        engine = open_engine()
        try:
            require_current_schema(engine)
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
            if once:
                ran = runner.run_pending(engine)
                console.print(f"ran {ran} job(s)")
                return
            stop = threading.Event()

            def stop_after_current(_signal: int, _frame: FrameType | None) -> None:
                # Jobs in flight finish (or, if killed harder, are re-queued by the next worker).
                stop.set()

            signal.signal(signal.SIGTERM, stop_after_current)
            signal.signal(signal.SIGINT, stop_after_current)
            limit = dt.timedelta(seconds=stalled_after)
            threads = [
                threading.Thread(target=runner.work, args=(engine, stop), kwargs={"stalled_after": limit})
                for _ in range(concurrency)
            ]
            for thread in threads:
                thread.start()
            console.print(f"worker: {concurrency} thread(s) waiting for jobs")
            while any(t.is_alive() for t in threads):
                for thread in threads:
                    thread.join(timeout=0.5)
        finally:
            engine.dispose()
