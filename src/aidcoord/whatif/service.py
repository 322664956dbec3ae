"""Use cases of the what-if domain: run a what-if against the baseline plan; save, list and run named ones.

The transforms and the comparison are the pure core's (`aidcoord.analysis.whatif`); this module builds
the problems from the database, re-plans with the optimiser (warm-started from the baseline) and
stores named scenarios.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.analysis import whatif as core
from aidcoord.audit import service as audit
from aidcoord.catalog import service as catalog
from aidcoord.dataset import service as dataset
from aidcoord.errors import Conflict, NotFound, Problem, refuse_invalid
from aidcoord.planning import PlanOptions, plan
from aidcoord.planning.result import still_fitting
from aidcoord.planning.training import TrainingComparison
from aidcoord.plans import service as plans
from aidcoord.training import service as training
from aidcoord.whatif.models import SavedWhatIf

Progress = Callable[[str, float], None]

RUNNERS = ("coordinator", "auditor")
"""Who may run what-ifs: the answer names every nation's offers, so those who see everything."""

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")

KINDS: dict[str, type[core.Change]] = {
    "withdraw": core.WithdrawNation,
    "cut": core.CutOffers,
    "delay": core.DelayOffers,
    "hub_cut": core.HubCut,
    "include_announced": core.IncludeAnnounced,
    "add_offer": core.AddOffer,
    "withdraw_courses": core.WithdrawCourses,
}


def change_to_dict(change: core.Change) -> dict[str, Any]:
    """A change as JSON: its fields and `kind`."""
    kind = next(k for k, cls in KINDS.items() if isinstance(change, cls))
    return {"kind": kind, **dataclasses.asdict(change)}


def change_from_dict(data: Mapping[str, Any]) -> core.Change:
    """The change a JSON object describes (the API's and the saved scenarios' shape)."""
    fields = dict(data)
    kind = fields.pop("kind", None)
    cls = KINDS.get(str(kind))
    if cls is None:
        raise core.WhatIfInvalid(f"unknown change kind {kind!r}: use one of {', '.join(KINDS)}")
    try:
        return cls(**fields)
    except TypeError as error:
        raise core.WhatIfInvalid(f"change {kind}: {error}") from None


@dataclass(frozen=True, slots=True)
class WhatIfOutcome:
    """A what-if's comparison with the baseline, and how the re-plan went."""

    baseline_version: int
    comparison: core.Comparison
    objective_before: float
    objective_after: float
    gap_after: float | None
    solver_status: str
    seconds: float
    training: TrainingComparison | None = None


def run(
    session: Session,
    *,
    actor: Actor,
    changes: Sequence[core.Change],
    time_limit_s: float = 60.0,
    progress: Progress | None = None,
) -> WhatIfOutcome:
    """Apply `changes` to the current state, re-plan (warm-started from the baseline) and compare.

    Courses withdrawn (`WithdrawCourses`) re-plan training too, compared in `training`.

    The baseline is the approved plan, else the latest (plans.baseline_result). WhatIfInvalid (422)
    names a change that does not fit the data; NotFound when there is no plan yet.
    """
    require_role(actor, *RUNNERS)
    if not changes:
        refuse_invalid("what-if", [Problem("at least one change is needed", column="changes")])
    started = time.perf_counter()
    courses_withdrawn = [c.nation_id for c in changes if isinstance(c, core.WithdrawCourses)]
    changes = [c for c in changes if not isinstance(c, core.WithdrawCourses)]
    version, stored = plans.baseline_result(session, actor=actor)
    problem = plans.current_problem(session, actor=actor)
    baseline = still_fitting(stored, problem)
    announced = any(isinstance(c, core.IncludeAnnounced) for c in changes)
    everything = plans.current_problem(session, actor=actor, include_announced=True)
    applied = core.apply(everything if announced else problem, baseline, changes)
    if progress is not None:
        progress("re-planning", 0.1)
    options = PlanOptions(time_limit_s=time_limit_s, pinned=applied.pinned, warm_start=baseline.warm_start)
    result = plan(applied.problem, options, progress)
    candidates = core.apply(everything, baseline, [c for c in changes if not isinstance(c, core.AddOffer)])
    scenario = dataset.export_scenario(session, actor=actor)
    status = {o.offer_id: o.status for o in scenario.offers}
    withdrawn = [c.nation_id for c in changes if isinstance(c, core.WithdrawNation)]
    comparison = core.compare(
        problem,
        baseline,
        result,
        changes=changes,
        capability_of_item={i.item_id: i.capability for i in catalog.list_items(session, actor=actor)},
        candidates=candidates.problem,
        candidate_status=status,
        excluded_nations=withdrawn,
    )
    trained = (
        training.training_whatif(session, actor=actor, withdraw_nations=courses_withdrawn)
        if courses_withdrawn
        else None
    )
    if progress is not None:
        progress("compared", 1.0)
    return WhatIfOutcome(
        baseline_version=version,
        comparison=comparison,
        objective_before=baseline.objective,
        objective_after=result.objective,
        gap_after=result.gap,
        solver_status=result.status,
        seconds=time.perf_counter() - started,
        training=trained,
    )


@dataclass(frozen=True, slots=True)
class SavedView:
    """A saved what-if: its name, description and changes."""

    name: str
    description: str
    changes: tuple[core.Change, ...]
    created_by: str
    created_at: dt.datetime


def _view(row: SavedWhatIf) -> SavedView:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
    return SavedView(
        row.name, row.description, tuple(change_from_dict(c) for c in row.changes), row.created_by, created
    )


def save(
    session: Session, *, actor: Actor, name: str, changes: Sequence[core.Change], description: str = ""
) -> SavedView:
    """Save a named what-if (coordinators); Conflict if the name is taken, 422 for a bad name or none."""
    require_role(actor, "coordinator")
    problems = []
    if not NAME.match(name):
        problems.append(Problem("1-100 letters, digits, spaces, '.', '_' or '-'", column="name"))
    if not changes:
        problems.append(Problem("at least one change is needed", column="changes"))
    refuse_invalid(f"what-if {name!r}", problems)
    if session.get(SavedWhatIf, name) is not None:
        raise Conflict(f"a what-if named {name!r} exists already")
    row = SavedWhatIf(
        name=name,
        description=description,
        changes=[change_to_dict(c) for c in changes],
        created_by=actor.user_id,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    view = _view(row)
    audit.record(
        session,
        actor=actor,
        action="whatif.save",
        entity="whatif",
        entity_id=name,
        after={"description": description, "changes": row.changes},
    )
    return view


def list_saved(session: Session, *, actor: Actor) -> list[SavedView]:
    """Every saved what-if, by name (coordinators and auditors)."""
    require_role(actor, *RUNNERS)
    return [_view(row) for row in session.scalars(select(SavedWhatIf).order_by(SavedWhatIf.name))]


def get_saved(session: Session, *, actor: Actor, name: str) -> SavedView:
    """One saved what-if; NotFound if there is none of that name."""
    require_role(actor, *RUNNERS)
    row = session.get(SavedWhatIf, name)
    if row is None:
        raise NotFound(f"no what-if named {name!r}")
    return _view(row)
