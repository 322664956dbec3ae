"""A stateful property test of operations: offers, requirements, plans, shipments and their events.

Hypothesis drives a `RuleBasedStateMachine` through the services (not HTTP), acting as users of seven
organisations, each rule one transaction as a request is (`session_scope`). The machine keeps its own
model of what it was told — offers' nations and states, plans' states, shipments' states and units,
every event acknowledged — and predicts each answer from it: a refusal must be the predicted one and
change nothing (the audit chain's length, and counts and totals by state, as before); an acceptance
must leave what the model says and append exactly one audit record (none for an idempotent replay),
and the ETag it answers with must be the one a fresh read gives. After every step that changed the database:

- allocated ≤ committed: the approved plan's live allocations are of committed offers and within their
  quantity (and within the quantity of the open requirements they serve);
- received + damaged + lost ≤ shipped for every shipment, and every shipment is as the model says;
- every acknowledged event is stored exactly once (counted by idempotency key) with the body posted;
- the audit chain verifies;
- every organisation sees its own: a delegation its nation's offers and shipments (all of them, nothing
  else), a hub operator the shipments through its hub, the recipient every shipment and no offer list.

Each example works on its own copy of a template database (a cut of the generated scenario S, loaded by
`dataset.load_scenario`, and users with API tokens whose actors the services get as the API would) and
starts with a greedy plan approved and its shipments made. docs/ARCHITECTURE.md lists the rules.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, false, func, select
from sqlalchemy.orm import Session

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.audit import service as audit
from aidcoord.audit.models import AuditRecord
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from aidcoord.etags import etag_of
from aidcoord.offers import service as offers
from aidcoord.offers.models import Offer as OfferRow
from aidcoord.plans import service as plans
from aidcoord.plans.models import Plan, PlanAllocation
from aidcoord.requirements import service as requirements
from aidcoord.requirements.models import Requirement as RequirementRow
from aidcoord.scenario.generate import generate
from aidcoord.scenario.model import Offer, Scenario
from aidcoord.shipments import service as shipments
from aidcoord.shipments.models import EVENT_KINDS, Shipment, ShipmentEvent
from aidcoord.statemachine import InvalidTransition
from tests.conftest import Template

SEED = 41

BUDGET = {"sqlite": (8, 20), "postgresql": (3, 20)}
"""Examples and steps per example on each backend: both together stay within about 40 s on the 2-core
machine (a PostgreSQL example also copies the template database and drops it, and every query is a
round trip). AIDCOORD_STATEFUL_EXAMPLES overrides the number of examples for a longer hunt."""

MACHINE_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

USERS: dict[str, tuple[str, str, str]] = {
    "cell": ("cell-1", "CELL", "coordinator"),
    "n3": ("del-n003", "DEL-N003", "nation_officer"),
    "n4": ("del-n004", "DEL-N004", "nation_officer"),
    "hub1": ("ops-hub-01", "OPS-HUB-01", "hub_operator"),
    "hub2": ("ops-hub-02", "OPS-HUB-02", "hub_operator"),
    "rec": ("rec-1", "REC-RCP", "recipient_officer"),
    "aud": ("aud-1", "AUDIT", "auditor"),
}
"""Who acts (name → user, organisation, role): the cell, two delegations, both hubs, recipient, auditors."""

EVERYONE = tuple(USERS)
OFFICERS = ("n3", "n4")
HUB_OPERATORS = ("hub1", "hub2")

# The shipment life as the operations decisions state it, written again here as the test's oracle.
NEXT: dict[str, dict[str, str]] = {
    "planned": {"dispatched": "dispatched"},
    "dispatched": {"at_hub": "at_hub", "delayed": "dispatched", "lost": "lost"},
    "at_hub": {"left_hub": "left_hub", "delayed": "at_hub", "damaged": "at_hub", "lost": "lost"},
    "left_hub": {"delivered": "delivered", "delayed": "left_hub", "damaged": "left_hub", "lost": "lost"},
    "delivered": {"received": "received", "damaged": "delivered", "lost": "lost"},
    "received": {"damaged": "received"},
    "lost": {},
}
RECORDS: dict[str, frozenset[str]] = {
    "coordinator": frozenset(EVENT_KINDS),
    "hub_operator": frozenset({"at_hub", "left_hub"}),
    "recipient_officer": frozenset({"received"}),
    "nation_officer": frozenset({"dispatched", "delayed"}),
}
OFFER_MOVES: dict[str, frozenset[str]] = {
    "announced": frozenset({"amend", "commit", "withdraw"}),
    "committed": frozenset({"amend", "withdraw"}),
    "withdrawn": frozenset(),
}
AIMS = st.sampled_from(("below newest", "half", "below newest", "below approved", "more"))
"""Which quantity an amendment aims at (see `OperationsMachine._target`)."""
MATCHES = st.sampled_from(("none", "none", "current", "stale"))
"""How a write names the version it read: no If-Match, the current ETag, or an ETag from before."""

CHANGES = st.sampled_from(("note", "kind", "shipment"))
"""What differs when a client reuses an idempotency key for another event."""

T = TypeVar("T")


# --- the template database ----------------------------------------------------------------------------


def small_scenario() -> Scenario:
    """The generated scenario S cut to a few offers per nation and the requirements for their items.

    S plans in a tenth of a second, but its ~180 shipments per plan make the invariants (every
    organisation's lists after every step) slow and random events rarely meet the same shipment twice;
    27 offers and 17 requirements give ~50-65 allocations per plan and keep several donors and both hubs.
    """
    scenario = generate("S", SEED)
    kept: dict[str, list[Offer]] = {}
    for offer in sorted(scenario.offers, key=lambda o: o.offer_id):
        mine = kept.setdefault(offer.nation_id, [])
        if len(mine) < (5 if offer.nation_id in ("N002", "N003", "N004") else 2):
            mine.append(offer)
    chosen = tuple(o for mine in kept.values() for o in mine)
    items = {o.item_id for o in chosen}
    wanted = tuple(
        r for r in sorted(scenario.requirements, key=lambda r: r.requirement_id) if r.item_id in items
    )
    return dataclasses.replace(scenario, offers=chosen, requirements=wanted[:20])


@dataclass(frozen=True)
class World:
    """The template to copy per example, the users' token secrets and the scenario's facts."""

    template: Template
    secrets: dict[str, str]
    scenario: Scenario
    tmp: Path
    backend: str


@pytest.fixture(scope="module")
def world(migrated_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A database with the cut of scenario S and a user (with an API token) of each organisation here."""
    tmp = tmp_path_factory.mktemp("stateful")
    scenario = small_scenario()
    secrets: dict[str, str] = {}
    with migrated_template.copy(tmp) as template:
        engine = make_engine(template.url())
        try:
            with session_scope(engine) as session:
                dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
                for name, (user_id, organisation_id, role) in USERS.items():
                    access.add_user(
                        session, actor=SYSTEM, user_id=user_id, organisation_id=organisation_id, roles=[role]
                    )
                    secrets[name] = access.create_token(session, actor=SYSTEM, user_id=user_id).secret
        finally:
            engine.dispose()
        backend = "sqlite" if template.path is not None else "postgresql"
        yield World(template=template, secrets=secrets, scenario=scenario, tmp=tmp, backend=backend)


# --- the model ----------------------------------------------------------------------------------------


@dataclass
class ShipmentModel:
    """What the machine was told about a shipment."""

    nation_id: str
    hub_site_id: str
    quantity: int
    status: str = "planned"
    received: int = 0
    damaged: int = 0
    lost: int = 0
    delayed: bool = False

    @property
    def open(self) -> int:
        """Units neither received, damaged nor lost."""
        return self.quantity - self.received - self.damaged - self.lost


@dataclass(frozen=True)
class Acknowledged:
    """An event the service acknowledged, with the body posted and who posted it."""

    event_id: int
    shipment_id: str
    kind: str
    week: int | None
    quantity: int | None
    signatory: str | None
    note: str | None
    key: str | None
    who: str


@dataclass
class Outcome:
    """What one rule got back: the result, or the refusal."""

    result: Any = None
    refusal: DomainError | None = None
    audited: int = 0


@dataclass
class Fingerprint:
    """The audit chain's length and counts and totals of the state a refused request must leave alone."""

    audit_records: int
    rows: tuple[int, ...]


# Preconditions are named functions: Hypothesis describes a lambda by parsing its source on every check.
def has_plans(machine: OperationsMachine) -> bool:
    """Whether a plan was made."""
    return bool(machine.plan_status)


def has_shipments(machine: OperationsMachine) -> bool:
    """Whether shipments were made."""
    return bool(machine.shipments)


def has_keyed_events(machine: OperationsMachine) -> bool:
    """Whether an event with an idempotency key was acknowledged."""
    return bool(machine.keys)


class OperationsMachine(RuleBasedStateMachine):
    """Offers, requirements, plans, shipments and events by several organisations, against a model."""

    world: ClassVar[World]
    examples: ClassVar[Iterator[int]]

    def __init__(self) -> None:
        super().__init__()
        self.engine, self._drop = self._copy()
        with session_scope(self.engine, write=False) as session:
            self.actors = {
                name: access.authenticate(session, secret=secret, kind="token")
                for name, secret in self.world.secrets.items()
            }
        scenario = self.world.scenario
        self.offer_nation = {o.offer_id: o.nation_id for o in scenario.offers}
        self.offer_status = {o.offer_id: o.status for o in scenario.offers}
        self.requirement_status = {r.requirement_id: "open" for r in scenario.requirements}
        self.items = tuple(sorted(i.item_id for i in scenario.items))
        self.depots = {
            n.nation_id: sorted(
                s.site_id for s in scenario.sites if s.kind == "depot" and s.nation_id == n.nation_id
            )
            for n in scenario.nations
        }
        self.hubs = tuple(sorted(s.site_id for s in scenario.sites if s.kind == "hub"))
        self.delivery_sites = tuple(sorted(s.site_id for s in scenario.sites if s.kind == "delivery"))
        self.plan_status: dict[int, str] = {}
        self.shipments: dict[str, ShipmentModel] = {}
        self.events: dict[int, Acknowledged] = {}
        self.keys: dict[str, int] = {}
        self.tags: dict[tuple[str, str], set[str]] = {}
        self.counter = itertools.count(1)
        self.last_state: Fingerprint | None = None
        self.checked_state: Fingerprint | None = None

    def _copy(self) -> tuple[Engine, Callable[[], None]]:
        folder = self.world.tmp / f"example-{next(self.examples)}"
        folder.mkdir()
        copies = ExitStack()
        copies.callback(shutil.rmtree, folder)
        copied = copies.enter_context(self.world.template.copy(folder))
        return make_engine(copied.url()), copies.close

    def teardown(self) -> None:
        """Give the example's database back."""
        self.engine.dispose()
        self._drop()

    # --- running one request ----------------------------------------------------------------------

    def _fingerprint(self) -> Fingerprint:
        """Counts and totals of everything a refused request must leave alone, in one statement."""

        def count(table: Any, *where: Any) -> Any:
            return select(func.count()).select_from(table).where(*where).scalar_subquery()

        def total(column: Any) -> Any:
            return select(func.coalesce(func.sum(column), 0)).scalar_subquery()

        columns = [
            count(AuditRecord),
            count(ShipmentEvent),
            total(ShipmentEvent.event_id),
            *(count(OfferRow, OfferRow.status == status) for status in OFFER_MOVES),
            total(OfferRow.quantity),
            *(count(RequirementRow, RequirementRow.status == status) for status in ("open", "cancelled")),
            total(RequirementRow.quantity),
            count(RequirementRow, RequirementRow.replan_needed),
            *(count(Plan, Plan.status == status) for status in ("draft", "approved", "superseded")),
            count(PlanAllocation, PlanAllocation.invalidated),
            *(count(Shipment, Shipment.status == status) for status in NEXT),
            total(Shipment.quantity_received),
            total(Shipment.quantity_damaged),
            total(Shipment.quantity_lost),
            count(Shipment, Shipment.delayed),
        ]
        with session_scope(self.engine, write=False) as s:
            row = s.execute(select(*columns)).one()
        return Fingerprint(audit_records=int(row[0]), rows=tuple(int(x) for x in row[1:]))

    def _run(
        self,
        who: str,
        action: Callable[[Session, Actor], T],
        refusal: type[DomainError] | None,
        *,
        audited: Callable[[T], int] = lambda _: 1,
    ) -> Outcome:
        """Do `action` as `who` in its own transaction and check the answer against the prediction.

        `refusal` is the error the model predicts (None: accepted). A refusal must leave the database
        exactly as it was; an acceptance must append `audited(result)` audit records.
        """
        actor = dataclasses.replace(self.actors[who], request_id=f"step-{next(self.counter)}")
        # Nothing changes the database between two requests, so the state after the last one is the
        # state before this one.
        before = self.last_state or self._fingerprint()
        error: DomainError | None = None
        try:
            with session_scope(self.engine) as session:
                result = action(session, actor)
        except DomainError as raised:
            error = raised
        if error is not None:
            assert refusal is not None, (
                f"{who}: refused unexpectedly: {type(error).__name__}: {error.message}"
            )
            assert type(error) is refusal, (
                f"{who}: expected {refusal.__name__}, got {type(error).__name__}: {error.message}"
            )
            self.last_state = self._fingerprint()
            assert self.last_state == before, f"the refused {type(error).__name__} changed the database"
            return Outcome(refusal=error)
        assert refusal is None, f"{who}: expected {refusal.__name__}, but it was accepted: {result!r}"
        self.last_state = self._fingerprint()
        grown = self.last_state.audit_records - before.audit_records
        assert grown == audited(result), f"{who}: {grown} audit records appended, expected {audited(result)}"
        return Outcome(result=result, audited=grown)

    # --- ETags ------------------------------------------------------------------------------------

    def _current_tag(self, kind: str, entity_id: str) -> str:
        cell = self.actors["cell"]
        with session_scope(self.engine, write=False) as s:
            if kind == "offer":
                return etag_of(offers.get(s, actor=cell, offer_id=entity_id))
            if kind == "requirement":
                return etag_of(requirements.get(s, actor=cell, requirement_id=entity_id))
            return etag_of(shipments.get_shipment(s, actor=cell, shipment_id=entity_id).shipment)

    def _if_match(self, kind: str, entity_id: str, match: str) -> str | None:
        """The If-Match a client sends: none, the tag it just read, or one it read before a change."""
        if match == "none":
            return None
        current = self._current_tag(kind, entity_id)
        seen = self.tags.setdefault((kind, entity_id), set())
        seen.add(current)
        if match == "current":
            return current
        stale = sorted(seen - {current})
        # Nothing read before this version: a tag no version has had is just as stale.
        return stale[0] if stale else etag_of({"never": entity_id})

    def _check_tag(self, kind: str, entity_id: str, view: Any) -> None:
        """The ETag a write answers with is the one a fresh read gives (a client may write with it)."""
        answered = etag_of(view)
        assert answered == self._current_tag(kind, entity_id), (
            f"{kind} {entity_id}: write's ETag is not current"
        )
        self.tags.setdefault((kind, entity_id), set()).add(answered)

    # --- who sees and may do what (the model's rules) ---------------------------------------------

    def _offer_refusal(self, who: str, offer_id: str, match: str) -> type[DomainError] | None:
        actor = self.actors[who]
        nation = self.offer_nation[offer_id]
        if not (
            actor.has("coordinator")
            or actor.has("auditor")
            or (actor.nation_id == nation and actor.has("nation_officer"))
        ):
            return NotFound
        if not (actor.has("coordinator") or actor.has("nation_officer")):
            return Forbidden
        return PreconditionFailed if match == "stale" else None

    def _sees_shipment(self, who: str, shipment: ShipmentModel) -> bool:
        actor = self.actors[who]
        if actor.roles & {"coordinator", "auditor", "recipient_officer"}:
            return True
        if actor.has("hub_operator"):
            return actor.hub_site_id == shipment.hub_site_id
        return actor.has("nation_officer") and actor.nation_id == shipment.nation_id

    def _may_record(self, who: str, shipment: ShipmentModel, kind: str) -> bool:
        actor = self.actors[who]
        for role, kinds in RECORDS.items():
            if not actor.has(role) or kind not in kinds:
                continue
            if role == "hub_operator" and actor.hub_site_id != shipment.hub_site_id:
                continue
            if role == "nation_officer" and actor.nation_id != shipment.nation_id:
                continue
            return True
        return False

    def _units(self, column: Any, plan: Any) -> dict[str, int]:
        """Live units per offer or requirement (`column`) in the plans `plan` selects."""
        with session_scope(self.engine, write=False) as s:
            return {
                str(i): int(n)
                for i, n in s.execute(
                    select(column, func.sum(PlanAllocation.quantity))
                    .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
                    .where(plan, PlanAllocation.invalidated.is_(false()))
                    .group_by(column)
                )
            }

    def _latest_allocated(self, column: Any) -> list[str]:
        """Offer or requirement ids where changes meet plans: those a draft newer than the approved plan
        allocates more units than the approved plan does, else those the newest plan allocates."""
        newest = self._units(column, Plan.version == max(self.plan_status, default=0))
        approved = self._units(column, Plan.status == "approved")
        heavier = [i for i, n in newest.items() if n > approved.get(i, 0)]
        return sorted(heavier or newest)

    def _target(self, aim: str, quantity: int, approved: int, column: Any, entity_id: str) -> int:
        """A new quantity: half or more of the current one, or just below what a plan allocates.

        Below the approved plan's units the change must be refused; below the newest plan's (a draft,
        often) it is allowed, and that draft must then no longer be approvable.
        """
        if aim == "half":
            return max(1, quantity // 2)
        if aim == "more":
            return quantity + 10
        if aim == "below approved":
            return max(1, approved - 1)
        newest = self._units(column, Plan.version == max(self.plan_status, default=0))
        return max(1, newest.get(entity_id, 0) - 1)

    def _pick(self, data: st.DataObject, everything: list[str], allocated: list[str]) -> str:
        # Three times in four one where plans and changes meet.
        preferred = bool(allocated) and data.draw(st.integers(0, 3), label="preferred") < 3
        pool = allocated if preferred else everything
        return data.draw(st.sampled_from(pool))

    # --- offers -----------------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(("cell", "n3", "n4", "rec")),
        nation=st.sampled_from(("N003", "N004", "N002")),
        data=st.data(),
        quantity=st.integers(1, 400),
        week=st.integers(0, 20),
        at_hub=st.booleans(),
    )
    def announce_offer(
        self, who: str, nation: str, data: st.DataObject, quantity: int, week: int, at_hub: bool
    ) -> None:
        """A delegation (or the cell) announces a pledge; another nation's officer may not."""
        item = data.draw(st.sampled_from(self.items))
        origin = self.hubs[0] if at_hub else data.draw(st.sampled_from(self.depots[nation]))
        actor = self.actors[who]
        # Ids the test chooses keep a derandomised run the same run (made ones are random).
        offer_id = f"OFF-T{next(self.counter)}"
        refusal: type[DomainError] | None = None
        if not (actor.has("coordinator") or (actor.has("nation_officer") and actor.nation_id == nation)):
            refusal = Forbidden
        elif at_hub:
            refusal = ValidationFailed
        outcome = self._run(
            who,
            lambda s, a: offers.announce(
                s,
                actor=a,
                nation_id=nation,
                item_id=item,
                quantity=quantity,
                available_week=week,
                origin_site_id=origin,
                valuation_method="market",
                offer_id=offer_id,
            ),
            refusal,
        )
        if outcome.refusal is None:
            view = outcome.result
            assert (view.nation_id, view.status, view.quantity) == (nation, "announced", quantity)
            self.offer_nation[view.offer_id] = nation
            self.offer_status[view.offer_id] = "announced"
            self._check_tag("offer", view.offer_id, view)

    def _offer(self, data: st.DataObject, who: str, preferred: list[str] | None = None) -> str:
        """An offer to act on: often one `who` may change, often `preferred` (default: allocated ones)."""
        if preferred is None:
            preferred = self._latest_allocated(PlanAllocation.offer_id)
        nation = self.actors[who].nation_id if who in OFFICERS else None
        if nation is not None and data.draw(st.booleans(), label="own offer"):
            own = sorted(o for o, n in self.offer_nation.items() if n == nation)
            return self._pick(data, own, [o for o in preferred if self.offer_nation[o] == nation])
        return self._pick(data, sorted(self.offer_nation), preferred)

    @rule(who=st.sampled_from(("cell", "n3", "n4", "aud")), data=st.data(), match=MATCHES)
    def commit_offer(self, who: str, data: st.DataObject, match: str) -> None:
        """Commit an announced offer (the planner uses it from now on)."""
        announced = sorted(o for o, status in self.offer_status.items() if status == "announced")
        offer_id = self._offer(data, who, announced)
        refusal = self._offer_refusal(who, offer_id, match)
        if refusal is None and "commit" not in OFFER_MOVES[self.offer_status[offer_id]]:
            refusal = InvalidTransition
        if_match = self._if_match("offer", offer_id, match)
        outcome = self._run(
            who, lambda s, a: offers.commit(s, actor=a, offer_id=offer_id, if_match=if_match), refusal
        )
        if outcome.refusal is None:
            assert outcome.result.status == "committed"
            self.offer_status[offer_id] = "committed"
            self._check_tag("offer", offer_id, outcome.result)

    @rule(
        who=st.sampled_from(("cell", "cell", "n3", "n4", "hub1")),
        data=st.data(),
        aim=AIMS,
        match=MATCHES,
    )
    def amend_offer(self, who: str, data: st.DataObject, aim: str, match: str) -> None:
        """Change an offer's quantity; never below what the approved plan allocates from it."""
        offer_id = self._offer(data, who)
        with session_scope(self.engine, write=False) as s:
            view = offers.get(s, actor=self.actors["cell"], offer_id=offer_id)
        quantity = self._target(aim, view.quantity, view.allocated, PlanAllocation.offer_id, offer_id)
        refusal = self._offer_refusal(who, offer_id, match)
        if refusal is None and "amend" not in OFFER_MOVES[self.offer_status[offer_id]]:
            refusal = InvalidTransition
        elif refusal is None and quantity < view.allocated:
            refusal = Conflict
        if_match = self._if_match("offer", offer_id, match)
        outcome = self._run(
            who,
            lambda s, a: offers.amend(
                s, actor=a, offer_id=offer_id, changes={"quantity": quantity}, if_match=if_match
            ),
            refusal,
        )
        if outcome.refusal is None:
            assert outcome.result.quantity == quantity
            self._check_tag("offer", offer_id, outcome.result)

    @rule(
        who=st.sampled_from(("cell", "n3", "n4", "rec")),
        data=st.data(),
        reason=st.sampled_from(("stock recalled by the donor", "donor needs it at home", "  ")),
        match=MATCHES,
    )
    def withdraw_offer(self, who: str, data: st.DataObject, reason: str, match: str) -> None:
        """Withdraw an offer with a reason (final); its allocations are invalidated."""
        offer_id = self._offer(data, who)
        refusal: type[DomainError] | None = ValidationFailed if not reason.strip() else None
        if refusal is None:
            refusal = self._offer_refusal(who, offer_id, match)
        if refusal is None and "withdraw" not in OFFER_MOVES[self.offer_status[offer_id]]:
            refusal = InvalidTransition
        if_match = self._if_match("offer", offer_id, match)
        outcome = self._run(
            who,
            lambda s, a: offers.withdraw(s, actor=a, offer_id=offer_id, reason=reason, if_match=if_match),
            refusal,
        )
        if outcome.refusal is None:
            assert outcome.result.offer.status == "withdrawn"
            self.offer_status[offer_id] = "withdrawn"
            self._check_tag("offer", offer_id, outcome.result.offer)

    # --- requirements -----------------------------------------------------------------------------

    def _requirement(self, data: st.DataObject) -> str:
        return self._pick(
            data, sorted(self.requirement_status), self._latest_allocated(PlanAllocation.requirement_id)
        )

    @rule(
        who=st.sampled_from(("cell", "rec", "n3")),
        data=st.data(),
        quantity=st.integers(1, 3000),
        priority=st.integers(1, 4),
        due_week=st.integers(0, 25),
        at_depot=st.booleans(),
    )
    def add_requirement(
        self, who: str, data: st.DataObject, quantity: int, priority: int, due_week: int, at_depot: bool
    ) -> None:
        """The recipient (or the cell) adds a requirement; it must go to a delivery site."""
        item = data.draw(st.sampled_from(self.items))
        site = self.depots["N003"][0] if at_depot else data.draw(st.sampled_from(self.delivery_sites))
        refusal: type[DomainError] | None = None
        if not self.actors[who].roles & {"coordinator", "recipient_officer"}:
            refusal = Forbidden
        elif at_depot:
            refusal = ValidationFailed
        outcome = self._run(
            who,
            lambda s, a: requirements.create(
                s,
                actor=a,
                item_id=item,
                quantity=quantity,
                priority=priority,
                weight=float(5 - priority),
                due_week=due_week,
                delivery_site_id=site,
                requirement_id=f"REQ-T{next(self.counter)}",
            ),
            refusal,
        )
        if outcome.refusal is None:
            self.requirement_status[outcome.result.requirement_id] = "open"
            self._check_tag("requirement", outcome.result.requirement_id, outcome.result)

    def _requirement_refusal(self, who: str, match: str) -> type[DomainError] | None:
        if not self.actors[who].roles & {"coordinator", "recipient_officer"}:
            return Forbidden
        return PreconditionFailed if match == "stale" else None

    @rule(
        who=st.sampled_from(("cell", "rec", "n4")),
        data=st.data(),
        aim=AIMS,
        match=MATCHES,
    )
    def edit_requirement(self, who: str, data: st.DataObject, aim: str, match: str) -> None:
        """Change an open requirement's quantity; never below what the approved plan allocates to it."""
        requirement_id = self._requirement(data)
        with session_scope(self.engine, write=False) as s:
            view = requirements.get(s, actor=self.actors["cell"], requirement_id=requirement_id)
        quantity = self._target(
            aim, view.quantity, view.allocated, PlanAllocation.requirement_id, requirement_id
        )
        refusal = self._requirement_refusal(who, match)
        if refusal is None and self.requirement_status[requirement_id] != "open":
            refusal = InvalidTransition
        elif refusal is None and quantity < view.allocated:
            refusal = Conflict
        if_match = self._if_match("requirement", requirement_id, match)
        outcome = self._run(
            who,
            lambda s, a: requirements.edit(
                s, actor=a, requirement_id=requirement_id, changes={"quantity": quantity}, if_match=if_match
            ),
            refusal,
        )
        if outcome.refusal is None:
            assert outcome.result.quantity == quantity
            self._check_tag("requirement", requirement_id, outcome.result)

    @rule(who=st.sampled_from(("cell", "rec", "hub2")), data=st.data(), match=MATCHES)
    def cancel_requirement(self, who: str, data: st.DataObject, match: str) -> None:
        """Cancel a requirement (final); the next plan leaves it out."""
        requirement_id = self._requirement(data)
        refusal = self._requirement_refusal(who, match)
        if refusal is None and self.requirement_status[requirement_id] != "open":
            refusal = InvalidTransition
        if_match = self._if_match("requirement", requirement_id, match)
        outcome = self._run(
            who,
            lambda s, a: requirements.cancel(
                s, actor=a, requirement_id=requirement_id, reason="no longer needed", if_match=if_match
            ),
            refusal,
        )
        if outcome.refusal is None:
            self.requirement_status[requirement_id] = "cancelled"
            self._check_tag("requirement", requirement_id, outcome.result)

    # --- plans and shipments ----------------------------------------------------------------------

    @initialize()
    def first_approved_plan_shipped(self) -> None:
        """Every example starts with a plan approved and its shipments made, so events can follow."""
        self._plan("cell", "greedy")
        self._approve("cell", max(self.plan_status), "weekly board")
        self._create_shipments("cell")

    def _plan(self, who: str, method: str) -> None:
        refusal = None if self.actors[who].has("coordinator") else Forbidden
        outcome = self._run(
            who, lambda s, a: plans.create_plan(s, actor=a, method=method, time_limit_s=5.0), refusal
        )
        if outcome.refusal is None:
            assert outcome.result.status == "draft"
            self.plan_status[outcome.result.version] = "draft"

    def _approve(self, who: str, version: int, reason: str) -> None:
        refusal: type[DomainError] | None = None
        if not self.actors[who].has("coordinator"):
            refusal = Forbidden
        elif not reason.strip():
            refusal = DomainError
        elif self.plan_status[version] != "draft" or not self._still_fits(version):
            refusal = Conflict
        outcome = self._run(
            who, lambda s, a: plans.approve_plan(s, actor=a, version=version, reason=reason), refusal
        )
        if outcome.refusal is not None and self.plan_status[version] == "draft" and refusal is Conflict:
            assert outcome.refusal.code == "plan_outdated", outcome.refusal.message
        if outcome.refusal is None:
            for v, status in self.plan_status.items():
                if status == "approved":
                    self.plan_status[v] = "superseded"
            self.plan_status[version] = "approved"

    def _still_fits(self, version: int) -> bool:
        """Whether a draft's live allocations still fit its offers (committed, enough units, available by
        the first departure) and its requirements (open, enough units) as they are now.

        The machine changes nothing else a plan depends on (lanes, hubs, items, sites)."""
        with session_scope(self.engine, write=False) as s:
            live = (
                select(PlanAllocation)
                .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
                .where(Plan.version == version, PlanAllocation.invalidated.is_(false()))
                .subquery()
            )
            by_offer = s.execute(
                select(
                    func.sum(live.c.quantity),
                    func.min(live.c.depart_week),
                    OfferRow.status,
                    OfferRow.quantity,
                    OfferRow.available_week,
                )
                .join(OfferRow, OfferRow.offer_id == live.c.offer_id)
                .group_by(live.c.offer_id, OfferRow.status, OfferRow.quantity, OfferRow.available_week)
            ).all()
            by_requirement = s.execute(
                select(func.sum(live.c.quantity), RequirementRow.status, RequirementRow.quantity)
                .join(RequirementRow, RequirementRow.requirement_id == live.c.requirement_id)
                .group_by(live.c.requirement_id, RequirementRow.status, RequirementRow.quantity)
            ).all()
        return all(
            status == "committed" and units <= quantity and available <= first
            for units, first, status, quantity, available in by_offer
        ) and all(status == "open" and units <= quantity for units, status, quantity in by_requirement)

    def _create_shipments(self, who: str) -> None:
        refusal: type[DomainError] | None = None
        if not self.actors[who].has("coordinator"):
            refusal = Forbidden
        elif "approved" not in self.plan_status.values():
            refusal = Conflict
        outcome = self._run(
            who,
            lambda s, a: shipments.create_from_approved_plan(s, actor=a),
            refusal,
            audited=lambda made: 1 if made.created else 0,
        )
        if outcome.refusal is not None:
            return
        approved = next(v for v, status in self.plan_status.items() if status == "approved")
        assert outcome.result.plan_version == approved
        with session_scope(self.engine, write=False) as s:
            for shipment_id in outcome.result.created:
                assert shipment_id not in self.shipments
                view = shipments.get_shipment(s, actor=self.actors["cell"], shipment_id=shipment_id).shipment
                assert view.status == "planned"
                self.shipments[shipment_id] = ShipmentModel(
                    nation_id=self.offer_nation[view.offer_id],
                    hub_site_id=view.hub_site_id,
                    quantity=view.quantity,
                )

    @rule(who=st.sampled_from(("cell", "cell", "aud")), method=st.sampled_from(("greedy", "optimiser")))
    def make_plan(self, who: str, method: str) -> None:
        """Plan the current state (a draft)."""
        self._plan(who, method)

    @precondition(has_plans)
    @rule(reason=st.sampled_from(("weekly board", "re-plan after withdrawals")))
    def approve_newest_plan(self, reason: str) -> None:
        """The cell approves the newest plan with a reason; the approved one before it is superseded."""
        self._approve("cell", max(self.plan_status), reason)

    @precondition(has_plans)
    @rule(data=st.data(), how=st.sampled_from(("any version", "no reason", "officer")))
    def approve_plan_wrongly(self, data: st.DataObject, how: str) -> None:
        """Approve any version, without a reason, or as a delegation: refused unless a fitting draft."""
        version = data.draw(st.sampled_from(sorted(self.plan_status)))
        self._approve("n3" if how == "officer" else "cell", version, "" if how == "no reason" else "board")

    @rule(who=st.sampled_from(("cell", "hub1")))
    def create_shipments(self, who: str) -> None:
        """Make the approved plan's shipments (idempotent)."""
        self._create_shipments(who)

    # --- shipment events --------------------------------------------------------------------------

    # This rule sorts first (fewest arguments, then by name), so the simplest example Hypothesis tries
    # walks shipments through their whole life instead of repeating a refusal.
    @precondition(has_shipments)
    @rule(data=st.data())
    def advance_shipment(self, data: st.DataObject) -> None:
        """Someone entitled to records what comes next for a shipment (mostly one already moving)."""
        open_ = sorted(sid for sid, sm in self.shipments.items() if NEXT[sm.status])
        moving = [sid for sid in open_ if self.shipments[sid].status != "planned"]
        if not open_:
            return
        shipment_id = self._pick(data, open_, moving)
        sm = self.shipments[shipment_id]
        kind = data.draw(st.sampled_from(sorted(NEXT[sm.status])))
        entitled = [who for who in EVERYONE if self._may_record(who, sm, kind)]
        who = data.draw(st.sampled_from(entitled))
        self._record_event(data, shipment_id, kind, who, data.draw(MATCHES))

    @precondition(has_shipments)
    @rule(data=st.data(), kind=st.sampled_from(EVENT_KINDS), who=st.sampled_from(EVERYONE), match=MATCHES)
    def record_any_event(self, data: st.DataObject, kind: str, who: str, match: str) -> None:
        """Anyone records any event on any shipment: allowed or refused exactly as the rules say."""
        self._record_event(data, data.draw(st.sampled_from(sorted(self.shipments))), kind, who, match)

    def _record_event(self, data: st.DataObject, shipment_id: str, kind: str, who: str, match: str) -> None:
        sm = self.shipments[shipment_id]
        quantity: int | None = None
        if kind in ("received", "damaged"):
            share = data.draw(st.sampled_from((0.0, 0.3, 1.0, 1.01)))
            quantity = sm.open + 1 if share > 1 else round(sm.open * share)
            if kind == "damaged":
                quantity = max(1, quantity)
        signatory = "Maj. O. Hrytsenko" if kind == "received" else None
        week = data.draw(st.none() | st.integers(0, 30))
        note = data.draw(st.sampled_from((None, "convoy 7")))
        key = f"evt-{next(self.counter)}" if data.draw(st.booleans(), label="keyed") else None

        refusal: type[DomainError] | None = None
        if not self._sees_shipment(who, sm):
            refusal = NotFound
        elif not self._may_record(who, sm, kind):
            refusal = Forbidden
        elif match == "stale":
            refusal = PreconditionFailed
        elif kind not in NEXT[sm.status]:
            refusal = InvalidTransition
        elif quantity is not None and quantity > sm.open:
            refusal = Conflict
        if_match = self._if_match("shipment", shipment_id, match)
        outcome = self._run(
            who,
            lambda s, a: shipments.record_event(
                s,
                actor=a,
                shipment_id=shipment_id,
                kind=kind,
                week=week,
                quantity=quantity,
                signatory=signatory,
                note=note,
                idempotency_key=key,
                if_match=if_match,
            ),
            refusal,
        )
        if outcome.refusal is not None:
            return
        recorded = outcome.result
        assert not recorded.replayed
        if kind == "received":
            sm.received += quantity or 0
        elif kind == "damaged":
            sm.damaged += quantity or 0
        elif kind == "lost":
            assert recorded.event.quantity == sm.open
            sm.lost += sm.open
        elif kind == "delayed":
            sm.delayed = True
        sm.status = NEXT[sm.status][kind]
        self.events[recorded.event.event_id] = Acknowledged(
            recorded.event.event_id, shipment_id, kind, week, quantity, signatory, note, key, who
        )
        if key is not None:
            self.keys[key] = recorded.event.event_id
        self._check_shipment(shipment_id, recorded.shipment)
        self._check_tag("shipment", shipment_id, recorded.shipment)
        if key is not None:
            # The answer may be lost on the way back: the client retries at once, or reuses the key.
            then = data.draw(st.sampled_from(("", "retry", "reuse")), label="then")
            if then == "retry":
                self._retry(key, data.draw(MATCHES))
            elif then == "reuse":
                self._reuse(data, key, data.draw(CHANGES), data.draw(MATCHES))

    def _check_shipment(self, shipment_id: str, view: shipments.ShipmentView) -> None:
        sm = self.shipments[shipment_id]
        got = (view.status, view.quantity_received, view.quantity_damaged, view.quantity_lost, view.delayed)
        assert got == (sm.status, sm.received, sm.damaged, sm.lost, sm.delayed), (
            f"{shipment_id}: {got} != {sm}"
        )

    @precondition(has_keyed_events)
    @rule(data=st.data(), match=MATCHES)
    def retry_event(self, data: st.DataObject, match: str) -> None:
        """A client that got no answer posts an acknowledged event again: the stored one comes back."""
        self._retry(data.draw(st.sampled_from(sorted(self.keys))), match)

    def _retry(self, key: str, match: str) -> None:
        sent = self.events[self.keys[key]]
        outcome = self._run(
            sent.who,
            lambda s, a: shipments.record_event(
                s,
                actor=a,
                shipment_id=sent.shipment_id,
                kind=sent.kind,
                week=sent.week,
                quantity=sent.quantity,
                signatory=sent.signatory,
                note=sent.note,
                idempotency_key=key,
                # The stored answer comes back before If-Match is looked at: a retry may carry a tag
                # that its own first attempt made stale.
                if_match=self._if_match("shipment", sent.shipment_id, match),
            ),
            None,
            audited=lambda _: 0,
        )
        assert outcome.result.replayed
        assert outcome.result.event.event_id == sent.event_id
        self._check_shipment(sent.shipment_id, outcome.result.shipment)

    @precondition(has_keyed_events)
    @rule(data=st.data(), change=CHANGES, match=MATCHES)
    def reuse_key(self, data: st.DataObject, change: str, match: str) -> None:
        """The same idempotency key with a different event is a Conflict and stores nothing."""
        self._reuse(data, data.draw(st.sampled_from(sorted(self.keys))), change, match)

    def _reuse(self, data: st.DataObject, key: str, change: str, match: str) -> None:
        sent = self.events[self.keys[key]]
        body = {
            "shipment_id": sent.shipment_id,
            "kind": sent.kind,
            "week": sent.week,
            "quantity": sent.quantity,
            "signatory": sent.signatory,
            "note": sent.note,
        }
        if change == "note":
            body["note"] = f"{sent.note or ''} (corrected)"
        elif change == "kind":
            body.update(
                kind="delayed" if sent.kind != "delayed" else "dispatched", quantity=None, signatory=None
            )
        else:
            others = sorted(set(self.shipments) - {sent.shipment_id})
            body["shipment_id"] = data.draw(st.sampled_from(others))
        outcome = self._run(
            "cell",
            lambda s, a: shipments.record_event(
                s,
                actor=a,
                idempotency_key=key,
                if_match=self._if_match("shipment", str(body["shipment_id"]), match),
                **body,
            ),
            Conflict,
        )
        assert outcome.refusal is not None
        assert outcome.refusal.code == "idempotency_key_reused"

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        """Check every invariant on a state no step has left before (a refused step changes nothing)."""
        if self.last_state is not None and self.last_state == self.checked_state:
            return
        with session_scope(self.engine, write=False) as s:
            self._allocated_within_committed(s)
            self._shipments_hold_their_units(s)
            self._acknowledged_events_stored_once(s)
            self._audit_chain_verifies(s)
            self._everyone_sees_their_own(s)
        self.checked_state = self.last_state

    def _allocated_within_committed(self, s: Session) -> None:
        """The approved plan's live allocations fit committed offers and the open requirements they serve."""
        live = (
            select(PlanAllocation)
            .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
            .where(Plan.status == "approved", PlanAllocation.invalidated.is_(false()))
            .subquery()
        )
        by_offer = s.execute(
            select(live.c.offer_id, func.sum(live.c.quantity), OfferRow.status, OfferRow.quantity)
            .join(OfferRow, OfferRow.offer_id == live.c.offer_id)
            .group_by(live.c.offer_id, OfferRow.status, OfferRow.quantity)
        ).all()
        for offer_id, allocated, status, quantity in by_offer:
            assert status == "committed", f"the approved plan allocates from {status} offer {offer_id}"
            assert allocated <= quantity, f"offer {offer_id}: {allocated} allocated > {quantity} committed"
        by_requirement = s.execute(
            select(live.c.requirement_id, func.sum(live.c.quantity), RequirementRow.quantity)
            .join(RequirementRow, RequirementRow.requirement_id == live.c.requirement_id)
            .where(RequirementRow.status == "open")
            .group_by(live.c.requirement_id, RequirementRow.quantity)
        ).all()
        for requirement_id, allocated, quantity in by_requirement:
            assert allocated <= quantity, f"requirement {requirement_id}: {allocated} allocated > {quantity}"

    def _shipments_hold_their_units(self, s: Session) -> None:
        """received + damaged + lost ≤ shipped, and every shipment is as the model says."""
        rows = s.scalars(select(Shipment)).all()
        assert {r.shipment_id for r in rows} == set(self.shipments)
        for r in rows:
            assert r.quantity_received + r.quantity_damaged + r.quantity_lost <= r.quantity, r.shipment_id
            sm = self.shipments[r.shipment_id]
            got = (r.status, r.quantity_received, r.quantity_damaged, r.quantity_lost, bool(r.delayed))
            assert got == (sm.status, sm.received, sm.damaged, sm.lost, sm.delayed), r.shipment_id

    def _acknowledged_events_stored_once(self, s: Session) -> None:
        """Every event acknowledged is stored once, with the body posted; nothing else is stored."""
        per_key = dict(
            s.execute(
                select(ShipmentEvent.idempotency_key, func.count())
                .where(ShipmentEvent.idempotency_key.is_not(None))
                .group_by(ShipmentEvent.idempotency_key)
            ).all()
        )
        assert per_key == dict.fromkeys(self.keys, 1)
        stored = {e.event_id: e for e in s.scalars(select(ShipmentEvent))}
        assert set(stored) == set(self.events)
        for event_id, sent in self.events.items():
            e = stored[event_id]
            # `lost` stores the units it wrote off; the others store what was posted.
            quantity = e.quantity if sent.kind in ("received", "damaged") else sent.quantity
            got = (e.shipment_id, e.kind, e.week, quantity, e.signatory, e.note, e.idempotency_key)
            posted = (
                sent.shipment_id,
                sent.kind,
                sent.week,
                sent.quantity,
                sent.signatory,
                sent.note,
                sent.key,
            )
            assert got == posted, f"event {event_id}: stored {got}, posted {posted}"

    def _audit_chain_verifies(self, s: Session) -> None:
        """The audit chain verifies from its first record to its last."""
        verified = audit.verify(s, actor=self.actors["aud"])
        assert verified.ok, verified.problem
        assert verified.checked == s.scalar(select(func.count()).select_from(AuditRecord))

    def _everyone_sees_their_own(self, s: Session) -> None:
        """Delegations see their nation's offers and shipments, hubs theirs, the recipient every shipment."""
        for who in (*OFFICERS, *HUB_OPERATORS, "rec"):
            actor = self.actors[who]
            offer_ids = {
                o.offer_id
                for o in _all(lambda o, a=actor: offers.list_offers(s, actor=a, limit=1000, offset=o))
            }
            shipment_ids = {
                x.shipment_id
                for x in _all(lambda o, a=actor: shipments.list_shipments(s, actor=a, limit=1000, offset=o))
            }
            own_offers = {o for o, n in self.offer_nation.items() if n == actor.nation_id and who in OFFICERS}
            assert offer_ids == own_offers, f"{who} sees offers {sorted(offer_ids ^ own_offers)[:5]} wrongly"
            own = {sid for sid, sm in self.shipments.items() if self._sees_shipment(who, sm)}
            assert shipment_ids == own, f"{who} sees shipments {sorted(shipment_ids ^ own)[:5]} wrongly"


def _all(page: Callable[[int], Any]) -> list[Any]:
    """Every item of a paged list."""
    items: list[Any] = []
    while True:
        got = page(len(items))
        items += got.items
        if len(items) >= got.total or not got.items:
            return items


@pytest.mark.slow
def test_operations_keep_their_invariants(world: World) -> None:
    machine = type("Operations", (OperationsMachine,), {"world": world, "examples": itertools.count(1)})
    examples, steps = BUDGET[world.backend]
    examples = int(os.environ.get("AIDCOORD_STATEFUL_EXAMPLES") or examples)
    budget = settings(MACHINE_SETTINGS, max_examples=examples, stateful_step_count=steps)
    run_state_machine_as_test(machine, settings=budget)
