"""Training service on both backends: courses and needs, plans, visibility, reports, what-if, audit."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.audit.models import AuditRecord
from aidcoord.dataset import service as dataset
from aidcoord.errors import Forbidden, NotFound, ValidationFailed
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.scenario.model import Course, Requirement, Scenario, SpecialtySubstitute, TrainingNeed
from aidcoord.training import service as training

SEED = 3


def officer(nation: str) -> Actor:
    return Actor(
        "off",
        f"DEL-{nation}",
        frozenset({"nation_officer"}),
        nation_id=nation,
        organisation_kind="nation_delegation",
    )


RECIPIENT = Actor(
    "rec", "REC-RCP", frozenset({"recipient_officer"}), nation_id="RCP", organisation_kind="recipient"
)
HUB_OPERATOR = Actor(
    "ops", "OPS-HUB-01", frozenset({"hub_operator"}), hub_site_id="HUB-01", organisation_kind="hub_operator"
)


def scenario() -> Scenario:
    """Generated S with two hand-made courses of distinct nations, a need, a substitute and a crew link."""
    base = generate("S", SEED)
    donors = sorted({o.nation_id for o in base.offers})
    a, b = donors[0], donors[1]
    depot = {s.nation_id: s.site_id for s in base.sites if s.kind == "depot"}
    courses = (
        Course("CRS-A", a, "gunner", 10, 0, 3, depot[a]),
        Course("CRS-B", b, "gunner", 10, 1, 3, depot[b]),
        Course("CRS-C", b, "loader", 5, 0, 2, depot[b]),
    )
    needs = (TrainingNeed("TRN-G", "gunner", 25, 1, 5.0, 6), TrainingNeed("TRN-H", "helper", 4, 2, 1.0, 6))
    # the first requirement needs gunners; everything else keeps its extras as generated
    reqs = tuple(
        dataclasses.replace(r, extra={"specialty": "gunner" if k == 0 else ""})
        for k, r in enumerate(base.requirements)
    )
    return dataclasses.replace(
        base,
        courses=courses,
        training_needs=needs,
        specialty_substitutes=(SpecialtySubstitute("helper", "loader"),),
        requirements=reqs,
    )


@pytest.fixture
def loaded(session: Session) -> Session:
    dataset.load_scenario(session, actor=SYSTEM, scenario=scenario())
    return session


def _nations(session: Session) -> tuple[str, str]:
    courses = {c.course_id: c.nation_id for c in training.list_courses(session, actor=SYSTEM)}
    return courses["CRS-A"], courses["CRS-B"]


def test_load_and_export_keep_substitutes_and_requirement_specialty(loaded: Session) -> None:
    exported = dataset.export_scenario(loaded, actor=SYSTEM)
    assert exported.specialty_substitutes == (SpecialtySubstitute("helper", "loader"),)
    first: Requirement = min(exported.requirements, key=lambda r: r.requirement_id)
    assert first.extra["specialty"] == "gunner"


def test_plan_store_and_show_with_need_to_know(loaded: Session) -> None:
    summary = training.create_training_plan(loaded, actor=SYSTEM)
    assert summary.version == 1
    assert summary.baseline is not None
    assert summary.figures.objective >= summary.baseline.objective - 1e-9
    detail = training.get_training_plan(loaded, actor=SYSTEM)
    got = {(a.course_id, a.need_id): a.trainees for a in detail.assignments}
    # 20 gunner seats (both on time) for 25 gunners; helpers trained on the loader course (substitute)
    assert got == {("CRS-A", "TRN-G"): 10, ("CRS-B", "TRN-G"): 10, ("CRS-C", "TRN-H"): 4}
    assert [(u.need_id, u.reason) for u in detail.unmet] == [("TRN-G", "seats_full")]
    a, b = _nations(loaded)
    mine = training.get_training_plan(loaded, actor=officer(a))
    assert {x.course_id for x in mine.assignments} == {"CRS-A"}
    assert mine.summary.assignments == 1
    assert mine.unmet == detail.unmet  # unmet needs are everyone's
    assert len(training.get_training_plan(loaded, actor=RECIPIENT).assignments) == 3
    assert training.get_training_plan(loaded, actor=HUB_OPERATOR).assignments == ()
    second = training.create_training_plan(loaded, actor=SYSTEM, method="greedy")
    assert second.version == 2
    assert [s.version for s in training.list_training_plans(loaded, actor=SYSTEM)] == [2, 1]
    with pytest.raises(NotFound):
        training.get_training_plan(loaded, actor=SYSTEM, version=9)
    with pytest.raises(Forbidden):
        training.create_training_plan(loaded, actor=officer(b))


def test_report_fill_seats_risk_and_equipment_without_crews(loaded: Session) -> None:
    training.create_training_plan(loaded, actor=SYSTEM)
    # no equipment plan yet: nothing to compare crews with
    assert training.training_report(loaded, actor=SYSTEM).equipment_plan_version is None
    plans.create_plan(loaded, actor=SYSTEM, method="greedy")
    report = training.training_report(loaded, actor=officer(_nations(loaded)[0]))
    fill = {s.specialty: (s.needed, s.on_time) for s in report.by_specialty}
    assert fill == {"gunner": (25, 20), "helper": (4, 4)}
    seats = {n.nation_id: (n.seats_offered, n.seats_used) for n in report.by_nation}
    a, b = _nations(loaded)
    assert seats[a] == (10, 10)
    assert seats[b] == (15, 14)
    at_risk = {r.need_id: (r.on_time, r.not_trained) for r in report.at_risk}
    assert at_risk["TRN-G"] == (20, 5)
    assert report.equipment_plan_version == 1
    # the gunner requirement arrives by week 3 at the earliest only if it is allocated at all
    detail = plans.get_plan(loaded, actor=SYSTEM)
    first_req = min(r.requirement_id for r in scenario().requirements)
    arrivals = [x.arrive_week for x in detail.allocations if x.requirement_id == first_req]
    expected = bool(arrivals) and min(arrivals) < 3  # the first gunners finish in week 3
    assert any(s.requirement_id == first_req for s in report.without_crews) == expected
    titles = [t.title for t in training.report_tables(report)]
    assert "Equipment arriving without crews" in titles


def test_courses_and_needs_one_at_a_time_with_rights_and_audit(loaded: Session) -> None:
    a, b = _nations(loaded)
    depot_a = training.get_course(loaded, actor=SYSTEM, course_id="CRS-A").site_id
    view = training.create_course(
        loaded,
        actor=officer(a),
        course_id="CRS-NEW",
        nation_id=a,
        specialty="medic",
        seats=12,
        start_week=2,
        duration_weeks=4,
        site_id=depot_a,
    )
    assert view.finish_week == 6
    with pytest.raises(Forbidden):
        training.create_course(
            loaded,
            actor=officer(b),
            nation_id=a,
            specialty="x",
            seats=1,
            start_week=0,
            duration_weeks=1,
            site_id=depot_a,
        )
    with pytest.raises(Forbidden):
        training.amend_course(loaded, actor=officer(b), course_id="CRS-NEW", changes={"seats": 1})
    amended = training.amend_course(loaded, actor=officer(a), course_id="CRS-NEW", changes={"seats": 20})
    assert amended.seats == 20
    with pytest.raises(ValidationFailed) as bad:
        training.amend_course(loaded, actor=SYSTEM, course_id="CRS-NEW", changes={"start_week": 999})
    assert [p.column for p in bad.value.problems] == ["start_week"]
    with pytest.raises(ValidationFailed) as unknown:
        training.create_course(
            loaded,
            actor=SYSTEM,
            nation_id="ZZZ",
            specialty="x",
            seats=1,
            start_week=0,
            duration_weeks=1,
            site_id="NOPE",
        )
    assert {p.column for p in unknown.value.problems} == {"nation_id", "site_id"}
    need = training.create_need(
        loaded,
        actor=RECIPIENT,
        need_id="TRN-NEW",
        specialty="medic",
        trainees=3,
        priority=2,
        weight=2.0,
        due_week=8,
    )
    assert need.trainees == 3
    with pytest.raises(Forbidden):
        training.create_need(
            loaded, actor=officer(a), specialty="medic", trainees=3, priority=2, weight=2.0, due_week=8
        )
    actions = loaded.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
    assert actions[-3:] == ["course.add", "course.amend", "training_need.add"]
    training.create_training_plan(loaded, actor=SYSTEM)
    assert (
        loaded.scalars(select(AuditRecord.action).order_by(AuditRecord.seq.desc())).first()
        == "training_plan.create"
    )


def test_whatif_a_nation_withdraws_its_courses(loaded: Session) -> None:
    a, b = _nations(loaded)
    comparison = training.training_whatif(loaded, actor=SYSTEM, withdraw_nations=[a])
    gunner = next(s for s in comparison.by_specialty if s.specialty == "gunner")
    assert (gunner.on_time_before, gunner.on_time_after) == (20, 10)
    (short,) = comparison.newly_short
    assert short.need_id == "TRN-G"
    assert short.closers == ()  # B's gunner course is full
    with pytest.raises(ValidationFailed) as bad:
        training.training_whatif(loaded, actor=SYSTEM, withdraw_nations=["ZZZ"])
    assert [p.column for p in bad.value.problems] == ["withdraw_nations"]
    with pytest.raises(Forbidden):
        training.training_whatif(loaded, actor=officer(b), withdraw_nations=[a])


def test_replacing_the_scenario_removes_training_plans(loaded: Session) -> None:
    training.create_training_plan(loaded, actor=SYSTEM)
    dataset.load_scenario(loaded, actor=SYSTEM, scenario=generate("S", SEED + 1), replace=True)
    assert training.list_training_plans(loaded, actor=SYSTEM) == []
