"""`aidcoord whatif`: what breaks if a donor stops, a hub shrinks or offers slip; saved what-ifs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis import whatif as core
from aidcoord.cli.common import console, errors_shown, progress_bar, session_boundary
from aidcoord.cli.training import print_training_comparison
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.export import to_csv, to_xlsx
from aidcoord.whatif import service
from aidcoord.whatif.report import tables
from aidcoord.whatif.service import WhatIfOutcome

app = typer.Typer(
    help="What-if: re-plan with nations withdrawn, offers cut or delayed, hubs shrunk; compare to the plan.",
    invoke_without_command=True,
)


def _pair(option: str, text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise ValidationFailed(
            f"{option} {text!r}", [Problem(f"expected KEY=VALUE, got {text!r}", column=option)]
        )
    return key, value


def _share(option: str, text: str) -> float:
    try:
        return core.parse_share(text)
    except ValueError:
        raise ValidationFailed(
            f"{option} {text!r}", [Problem(f"expected a share like 30% or 0.3, got {text!r}", column=option)]
        ) from None


def _weeks(option: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed(
            f"{option} {text!r}", [Problem(f"expected whole weeks, got {text!r}", column=option)]
        ) from None


def build_changes(
    *,
    withdraw: list[str],
    from_week: int,
    cut: list[str],
    delay: list[str],
    hub_cut: list[str],
    close_hub: list[str],
    include_announced: bool,
    add_offer: list[str],
    withdraw_courses: Sequence[str] = (),
) -> list[core.Change]:
    """The changes the command line describes (ValidationFailed names each malformed option)."""
    changes: list[core.Change] = [core.WithdrawNation(n, from_week) for n in withdraw]
    for text in cut:
        nation, share = _pair("--cut", text)
        changes.append(core.CutOffers(nation, _share("--cut", share)))
    for text in delay:
        if "=" in text:
            nation, weeks = _pair("--delay", text)
            changes.append(core.DelayOffers(_weeks("--delay", weeks), nation))
        else:
            changes.append(core.DelayOffers(_weeks("--delay", text)))
    for text in hub_cut:
        hub, share = _pair("--hub-cut", text)
        changes.append(core.HubCut(hub, _share("--hub-cut", share), from_week))
    changes += [core.HubCut(h, 1.0, from_week) for h in close_hub]
    if include_announced:
        changes.append(core.IncludeAnnounced())
    for text in add_offer:
        parts = text.split(",")
        if len(parts) != 6:
            raise ValidationFailed(
                f"--add-offer {text!r}",
                [Problem("expected ID,NATION,ITEM,QUANTITY,WEEK,ORIGIN", column="--add-offer")],
            )
        oid, nation, item, qty, week, origin = (p.strip() for p in parts)
        changes.append(
            core.AddOffer(oid, nation, item, _weeks("--add-offer", qty), _weeks("--add-offer", week), origin)
        )
    changes += [core.WithdrawCourses(n) for n in withdraw_courses]
    return changes


def print_outcome(outcome: WhatIfOutcome, top: int = 10) -> None:
    """The comparison as tables: summary, capabilities and priorities that change, newly unmet."""
    c = outcome.comparison
    console.print(f"[bold]What-if[/] against plan {outcome.baseline_version}: " + "; ".join(c.changes))
    if c.freeze_week:
        console.print(f"The baseline runs unchanged until week {c.freeze_week}; the rest is re-planned.")
    summary = Table(title="Baseline and what-if")
    for column in ("measure", "baseline", "what-if", "change"):
        summary.add_column(column, justify="left" if column == "measure" else "right")
    for name, a, b in (
        ("weighted fulfilment", c.fulfilment_before, c.fulfilment_after),
        ("on-time fill", c.on_time_before, c.on_time_after),
    ):
        summary.add_row(name, f"{a:.1%}", f"{b:.1%}", f"{(b - a) * 100:+.1f} pts")
    summary.add_row("requirements newly unmet", "", str(len(c.newly_unmet)), "")
    console.print(summary)
    for title, rows in (("By capability", c.by_capability), ("By priority class", c.by_priority)):
        table = Table(title=title)
        for column in ("group", "reqs", "fulfilment", "what-if", "on time", "what-if "):
            table.add_column(column, justify="left" if column == "group" else "right")
        for g in rows:
            table.add_row(
                g.group,
                str(g.requirements),
                f"{g.fulfilment_before:.1%}",
                f"{g.fulfilment_after:.1%}",
                f"{g.on_time_before:.1%}",
                f"{g.on_time_after:.1%}",
            )
        console.print(table)
    if c.newly_unmet:
        table = Table(
            title=f"Newly unmet requirements (first {min(top, len(c.newly_unmet))} of {len(c.newly_unmet)})"
        )
        for column in ("requirement", "P", "item", "on time before → after", "reason", "could close it"):
            table.add_column(column)
        for n in c.newly_unmet[:top]:
            closers = ", ".join(
                f"{k.offer_id} ({k.nation_id}, {k.status}, {k.units_free:,} from wk {k.earliest_arrival})"
                for k in n.closers[:3]
            )
            table.add_row(
                n.requirement_id,
                str(n.priority),
                n.item_id,
                f"{n.on_time_before:,} → {n.on_time_after:,} of {n.quantity:,}",
                n.reason or "",
                closers or "nothing left",
            )
        console.print(table)
    if outcome.training is not None:
        print_training_comparison(outcome.training)
    console.print(f"Re-planned in {outcome.seconds:.2f} s ({outcome.solver_status}).", highlight=False)


def _export(outcome: WhatIfOutcome, csv_dir: Path | None, xlsx: Path | None) -> None:
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for t in tables(outcome):
            (csv_dir / f"{'-'.join(t.title.split())}.csv").write_text(to_csv(t), encoding="utf-8")
        console.print(f"CSV written to {csv_dir}")
    if xlsx is not None:
        xlsx.write_bytes(to_xlsx(tables(outcome)))
        console.print(f"XLSX written to {xlsx}")


@app.callback()
def whatif_command(
    ctx: typer.Context,
    withdraw: list[str] = typer.Option([], "--withdraw", help="Nation that stops (repeatable)."),
    from_week: int = typer.Option(0, "--from", help="Week the withdrawals and hub cuts start."),
    cut: list[str] = typer.Option([], "--cut", help="NATION=30%: cut a nation's offers (repeatable)."),
    delay: list[str] = typer.Option([], "--delay", help="WEEKS, or NATION=WEEKS: offers slip (repeatable)."),
    hub_cut: list[str] = typer.Option([], "--hub-cut", help="HUB=30%: cut a hub's throughput (repeatable)."),
    close_hub: list[str] = typer.Option([], "--close-hub", help="Close a hub (repeatable)."),
    include_announced: bool = typer.Option(False, "--include-announced", help="Plan announced offers too."),
    add_offer: list[str] = typer.Option([], "--add-offer", help="ID,NATION,ITEM,QUANTITY,WEEK,ORIGIN."),
    withdraw_courses: list[str] = typer.Option([], "--withdraw-courses", help="Nation whose courses go."),
    save: str | None = typer.Option(None, "--save", help="Also save these changes under this name."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds the re-plan may take."),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Write the report's tables as CSV files here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the report as an XLSX workbook."),
) -> None:
    """Re-plan the current state with the changes and compare with the baseline plan."""
    if ctx.invoked_subcommand is not None:
        return
    with errors_shown():
        changes = build_changes(
            withdraw=withdraw,
            from_week=from_week,
            cut=cut,
            delay=delay,
            hub_cut=hub_cut,
            close_hub=close_hub,
            include_announced=include_announced,
            add_offer=add_offer,
            withdraw_courses=withdraw_courses,
        )
    _run(changes, save, time_limit, csv_dir, xlsx)


def _run(
    changes: list[core.Change] | tuple[core.Change, ...],
    save: str | None,
    time_limit: float,
    csv_dir: Path | None,
    xlsx: Path | None,
) -> None:
    with session_boundary() as session, progress_bar("what-if") as progress:
        if save is not None:
            service.save(session, actor=SYSTEM, name=save, changes=changes)
        outcome = service.run(
            session, actor=SYSTEM, changes=changes, time_limit_s=time_limit, progress=progress
        )
    print_outcome(outcome)
    _export(outcome, csv_dir, xlsx)


@app.command("list")
def list_saved() -> None:
    """List saved what-ifs."""
    with session_boundary() as session:
        saved = service.list_saved(session, actor=SYSTEM)
    table = Table(title=f"{len(saved)} saved what-ifs")
    for column in ("name", "changes", "by", "created"):
        table.add_column(column)
    for s in saved:
        table.add_row(
            s.name,
            "; ".join(core.describe(c) for c in s.changes),
            s.created_by,
            f"{s.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command("run")
def run_saved(
    name: str = typer.Argument(..., help="A saved what-if."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds the re-plan may take."),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Write the report's tables as CSV files here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the report as an XLSX workbook."),
) -> None:
    """Run a saved what-if against the current baseline."""
    with session_boundary() as session:
        saved = service.get_saved(session, actor=SYSTEM, name=name)
    _run(saved.changes, None, time_limit, csv_dir, xlsx)
