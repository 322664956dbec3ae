"""Donor dependency: how much of what the recipient gets, per capability and priority class, rests on a donor.

For a set of contributions ``j`` (a plan's allocations, or the committed offers), each with a donor nation
``n(j)``, a group ``g(j)`` (a capability or a priority class) and a value ``x_j ≥ 0``, the value of
nation ``i`` in group ``g`` is ``X_gi = Σ_{j: g(j)=g, n(j)=i} x_j`` and its share ``s_gi = X_gi / Σ_i X_gi``.
Per group the report gives

* the **top donor** ``argmax_i s_gi`` (ties: the lower nation id) and its share ``max_i s_gi`` (0–1);
* the **Herfindahl–Hirschman index** ``HHI_g = 10,000 · Σ_i s_gi²`` on the antitrust scale: 10,000 when
  one nation gives everything, ``10,000 / k`` for ``k`` equal donors (the US merger guidelines of 2023 call
  a market above 1,800 highly concentrated, 1,000–1,800 moderately); ``10,000 / HHI`` is the *effective*
  number of donors;
* the **number of donors** ``#{i : X_gi > 0}``;
* the **sole-source requirements**: requirements of the group whose units (allocated, or compatible
  supply) all come from one nation, with that nation.

**Value.** ``x_j = q_j · unit_value_eur(item(o_j))`` — the EUR value of the units, priced at the item
*given* (a substitute at its own value) — when unit values are passed, which is the figure a minister
quotes ("37% of military aid by value"); otherwise ``x_j = q_j``, units. Weighting by the requirement's
weight was rejected: weights rank needs, they are not a currency that donors' shares could be quoted in.

**Groups.** On the plan, an allocation belongs to the capability of the *requirement's* item and to the
requirement's priority class: dependency is about the recipient's needs. On committed supply (the offers
of the problem: committed, plus announced where the problem includes them), an offer belongs to the
capability of the item offered, and to every priority class with a requirement it could fill (its item
or a listed substitute; lanes and weeks are not checked — this is pledged supply, not a plan); a
requirement's compatible supply is the offers of its item and its substitutes.

Groups of size zero are kept where requirements exist (a capability nobody supplies shows ``total = 0``,
no donors, and ``None`` for the top share and the HHI, which are undefined there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from aidcoord.errors import DomainError
from aidcoord.planning.problem import Allocation, FloatArray, IntArray, PlanningProblem
from aidcoord.planning.result import AllocationArrays, PlanResult
from aidcoord.scenario.model import Scenario

HHI_SCALE = 10_000.0
"""The HHI of a single donor: shares are fractions, the index is ``10,000 · Σ s²`` (antitrust practice)."""

PlanLike = PlanResult | AllocationArrays | Iterable[Allocation]
"""A plan as the planner returns it, as allocations by id, or as allocations by position."""


class AnalysisInputError(DomainError):
    """An analysis got inputs that do not fit its problem (an unknown id, a probability outside [0, 1])."""

    code = "invalid_analysis_input"
    status = 422


@dataclass(frozen=True, slots=True)
class DonorShare:
    """One nation's value in a group and its share of the group's total (0–1)."""

    nation_id: str
    value: float
    share: float


@dataclass(frozen=True, slots=True)
class SoleSource:
    """A requirement whose units all come from one nation: ``units`` of its ``quantity``."""

    requirement_id: str
    nation_id: str
    units: int
    quantity: int

    @property
    def fully_covered(self) -> bool:
        """The one nation's units reach the requirement's quantity."""
        return self.units >= self.quantity


@dataclass(frozen=True, slots=True)
class GroupDependency:
    """Concentration of one group's value over donor nations (see the module docstring).

    Attributes
    ----------
    key
        The capability (str) or the priority class (int); ``"all"`` for the whole plan or supply.
    total
        ``Σ_i X_gi`` in EUR or units (the report's ``measure``).
    donors
        Every nation with ``X_gi > 0``, largest first (ties by nation id).
    top_nation, top_share
        The largest donor and ``max_i s_gi``; ``None`` when the total is 0.
    hhi
        ``10,000 · Σ_i s_gi²``; ``None`` when the total is 0.
    n_donors
        ``#{i : X_gi > 0}``.
    effective_donors
        ``10,000 / HHI`` (``k`` for ``k`` equal donors); ``None`` when the total is 0.
    n_requirements
        Requirements in the group.
    sole_source
        The group's requirements served (or suppliable) by one nation only, by requirement id.
    """

    key: str | int
    total: float
    donors: tuple[DonorShare, ...]
    top_nation: str | None
    top_share: float | None
    hhi: float | None
    n_donors: int
    effective_donors: float | None
    n_requirements: int
    sole_source: tuple[SoleSource, ...]


@dataclass(frozen=True, slots=True)
class DependencyReport:
    """Dependency of a plan (or of committed supply) overall, per capability and per priority class."""

    basis: Literal["plan", "supply"]
    measure: Literal["value_eur", "units"]
    overall: GroupDependency
    by_capability: tuple[GroupDependency, ...]
    by_priority: tuple[GroupDependency, ...]
    sole_source: tuple[SoleSource, ...]


def herfindahl(values: npt.ArrayLike) -> float:
    """Herfindahl–Hirschman index ``10,000 · Σ_i (x_i / Σ x)²`` of non-negative values; NaN if all are 0.

    Parameters
    ----------
    values
        Each participant's value (EUR, units, …); zeros are allowed and count for nothing.

    Returns
    -------
    float
        In ``[10,000 / k, 10,000]`` for ``k`` participants with a positive value.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if np.any(x < 0):
        raise AnalysisInputError("Values for a Herfindahl–Hirschman index must not be negative.")
    total = float(x.sum())
    if total <= 0:
        return float("nan")
    shares = x / total
    return HHI_SCALE * float(np.sum(shares * shares))


def item_facts(scenario: Scenario) -> tuple[dict[str, str], dict[str, float]]:
    """Each item's capability and unit value in EUR, by item id, as the dependency functions take them."""
    return (
        {it.item_id: it.capability for it in scenario.items},
        {it.item_id: float(it.unit_value_eur) for it in scenario.items},
    )


def allocation_arrays(problem: PlanningProblem, plan: PlanLike) -> AllocationArrays:
    """A plan's allocations by position in ``problem`` (merged and sorted, as the planner keeps them).

    Allocations by id are mapped through the problem's offers, requirements and hubs; the departure week
    is kept and the hub and arrival weeks follow from the problem's lead times (as in
    :func:`aidcoord.planning.result.evaluate`).

    Raises
    ------
    AnalysisInputError
        An allocation names an offer, requirement or hub the problem does not have (e.g. a plan made
        before the offer was withdrawn, analysed against the current problem).
    """
    if isinstance(plan, AllocationArrays):
        return plan.merged()
    allocations = plan.allocations if isinstance(plan, PlanResult) else tuple(plan)
    if not allocations:
        return AllocationArrays.empty()
    offer_ix, req_ix, hub_ix = problem.index("offer"), problem.index("requirement"), problem.index("hub")
    rows: list[tuple[int, int, int, int, int]] = []
    for a in allocations:
        for what, key, index in (
            ("offer", a.offer_id, offer_ix),
            ("requirement", a.requirement_id, req_ix),
            ("hub", a.hub_site_id, hub_ix),
        ):
            if key not in index:
                raise AnalysisInputError(
                    f"Allocation {a.offer_id} → {a.requirement_id} via {a.hub_site_id}: "
                    f"{what} {key} is not in the problem analysed."
                )
        rows.append(
            (
                offer_ix[a.offer_id],
                req_ix[a.requirement_id],
                hub_ix[a.hub_site_id],
                int(a.depart_week),
                int(a.quantity),
            )
        )
    arr = np.array(rows, dtype=np.int64)
    return AllocationArrays(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]).merged()


def plan_dependency(
    problem: PlanningProblem,
    plan: PlanLike,
    *,
    capability: Mapping[str, str],
    unit_value_eur: Mapping[str, float] | None = None,
) -> DependencyReport:
    """Dependency of a plan's deliveries on donor nations, overall, per capability and per priority class.

    An allocation of ``q`` units of offer ``o`` to requirement ``r`` contributes
    ``x = q · unit_value_eur(item(o))`` (or ``x = q`` without unit values) to nation ``nation(o)`` in the
    group of ``capability(item(r))`` and in that of ``priority(r)``; shares, top donor, HHI and donor count
    follow the module docstring. A requirement is sole-source when its allocated units come from exactly
    one nation (``units`` is what that nation gives, partly covered requirements included).

    Parameters
    ----------
    problem
        The problem the plan was made for.
    plan
        Its allocations (see :func:`allocation_arrays`).
    capability
        Capability by item id; every item of the problem must have one.
    unit_value_eur
        Unit value in EUR by item id; when given every item must have one and shares are of value,
        otherwise of units.
    """
    alloc = allocation_arrays(problem, plan)
    cap_of_item, caps = _capability_codes(problem, capability)
    unit_value = _unit_values(problem, unit_value_eur)
    nation_of_offer, nations = _nation_codes(problem)

    units = alloc.qty.astype(np.float64)
    value = units * unit_value[problem.offer_item[alloc.offer]]
    nation = nation_of_offer[alloc.offer]
    req_cap = cap_of_item[problem.req_item]
    classes, req_class = np.unique(problem.req_priority, return_inverse=True)
    req_class = req_class.astype(np.int64)

    # Units (not value) decide sole sourcing: "all its units come from one nation".
    req_nation_units = _matrix(alloc.req, nation, units, len(problem.req_ids), len(nations))
    sole = _sole_sources(problem, req_nation_units, nations)

    return _report(
        basis="plan",
        measure="units" if unit_value_eur is None else "value_eur",
        nations=nations,
        req_ids=problem.req_ids,
        overall=_matrix(np.zeros_like(alloc.req), nation, value, 1, len(nations)),
        by_capability=_matrix(req_cap[alloc.req], nation, value, len(caps), len(nations)),
        by_class=_matrix(req_class[alloc.req], nation, value, len(classes), len(nations)),
        caps=caps,
        classes=classes,
        req_cap=req_cap,
        req_class=req_class,
        sole=sole,
        cap_present=np.isin(np.arange(len(caps)), req_cap),
    )


def supply_dependency(
    problem: PlanningProblem,
    *,
    capability: Mapping[str, str],
    unit_value_eur: Mapping[str, float] | None = None,
) -> DependencyReport:
    """Dependency of the committed supply (the problem's offers) on donor nations, before any plan.

    An offer of ``Q`` units contributes ``x = Q · unit_value_eur(item(o))`` (or ``Q``) to its nation in the
    group of the offered item's capability, and in every priority class ``k`` with a requirement ``r`` it
    could fill (``item(o) ∈ {item(r)} ∪ substitutes(item(r))``). Requirement ``r``'s compatible supply by
    nation is ``Σ Q`` over such offers; it is sole-source when exactly one nation has any (``units`` is
    that nation's compatible supply). Lanes, weeks and hub throughput are not considered.

    Parameters
    ----------
    problem
        Offers are those the problem plans (committed, plus announced where it was built with them).
    capability, unit_value_eur
        As for :func:`plan_dependency`.
    """
    cap_of_item, caps = _capability_codes(problem, capability)
    unit_value = _unit_values(problem, unit_value_eur)
    nation_of_offer, nations = _nation_codes(problem)
    n_items, n_nat = len(problem.item_ids), len(nations)

    units = problem.offer_qty.astype(np.float64)
    value = units * unit_value[problem.offer_item]
    item_units = _matrix(problem.offer_item, nation_of_offer, units, n_items, n_nat)
    item_value = _matrix(problem.offer_item, nation_of_offer, value, n_items, n_nat)

    # fills[i, j]: item j may fill a requirement for item i (itself or a listed substitute).
    fills = np.eye(n_items, dtype=np.float64)
    for i, subs in enumerate(problem.item_substitutes):
        fills[i, list(subs)] = 1.0
    req_cap = cap_of_item[problem.req_item]
    classes, req_class = np.unique(problem.req_priority, return_inverse=True)
    req_class = req_class.astype(np.int64)
    # class_fills[k, j]: some requirement of class k may be filled by item j (each offer counted once).
    class_fills = np.zeros((len(classes), n_items), dtype=np.float64)
    np.maximum.at(class_fills, req_class, fills[problem.req_item])

    sole = _sole_sources(problem, fills[problem.req_item] @ item_units, nations)
    offer_item_cap = cap_of_item[problem.offer_item]
    return _report(
        basis="supply",
        measure="units" if unit_value_eur is None else "value_eur",
        nations=nations,
        req_ids=problem.req_ids,
        overall=item_value.sum(axis=0, keepdims=True),
        by_capability=_matrix(offer_item_cap, nation_of_offer, value, len(caps), n_nat),
        by_class=class_fills @ item_value,
        caps=caps,
        classes=classes,
        req_cap=req_cap,
        req_class=req_class,
        sole=sole,
        cap_present=np.isin(np.arange(len(caps)), np.concatenate([req_cap, offer_item_cap])),
    )


def _capability_codes(problem: PlanningProblem, capability: Mapping[str, str]) -> tuple[IntArray, list[str]]:
    """Per item the index of its capability in the sorted list of capabilities."""
    missing = [i for i in problem.item_ids if i not in capability]
    if missing:
        raise AnalysisInputError(f"No capability given for items {', '.join(missing[:10])}.")
    caps = sorted({capability[i] for i in problem.item_ids})
    code = {c: k for k, c in enumerate(caps)}
    return np.array([code[capability[i]] for i in problem.item_ids], dtype=np.int64), caps


def _unit_values(problem: PlanningProblem, unit_value_eur: Mapping[str, float] | None) -> FloatArray:
    """Per item the value of one unit: EUR where given, else 1 (shares of units)."""
    if unit_value_eur is None:
        return np.ones(len(problem.item_ids), dtype=np.float64)
    missing = [i for i in problem.item_ids if i not in unit_value_eur]
    if missing:
        raise AnalysisInputError(f"No unit value given for items {', '.join(missing[:10])}.")
    values = np.array([float(unit_value_eur[i]) for i in problem.item_ids], dtype=np.float64)
    if np.any(~np.isfinite(values)) or np.any(values < 0):
        raise AnalysisInputError("Unit values must be finite and not negative.")
    return values


def _nation_codes(problem: PlanningProblem) -> tuple[IntArray, list[str]]:
    """Per offer the index of its nation in the sorted list of offering nations."""
    nations = sorted(set(problem.offer_nation))
    code = {n: k for k, n in enumerate(nations)}
    return np.array([code[n] for n in problem.offer_nation], dtype=np.int64), nations


def _matrix(
    group: IntArray, nation: IntArray, weights: FloatArray, n_groups: int, n_nations: int
) -> FloatArray:
    """(groups × nations) sums of ``weights`` by (group, nation) pair."""
    flat = np.bincount(group * n_nations + nation, weights=weights, minlength=n_groups * n_nations)
    return np.asarray(flat, dtype=np.float64).reshape(n_groups, n_nations)


def _sole_sources(
    problem: PlanningProblem, req_nation_units: FloatArray, nations: Sequence[str]
) -> list[SoleSource]:
    """Requirements whose units (a row of ``req_nation_units``) come from exactly one nation."""
    positive = req_nation_units > 0
    rows = np.flatnonzero(positive.sum(axis=1) == 1)
    return [
        SoleSource(
            requirement_id=problem.req_ids[int(r)],
            nation_id=nations[int(np.argmax(positive[r]))],
            units=round(float(req_nation_units[r].max())),
            quantity=int(problem.req_qty[r]),
        )
        for r in rows
    ]


def _group(
    key: str | int,
    values: FloatArray,
    nations: Sequence[str],
    n_requirements: int,
    sole: Sequence[SoleSource],
) -> GroupDependency:
    """The figures of one group from its value per nation."""
    total = float(values.sum())
    order = sorted((i for i in range(len(nations)) if values[i] > 0), key=lambda i: (-values[i], nations[i]))
    donors = tuple(DonorShare(nations[i], float(values[i]), float(values[i]) / total) for i in order)
    hhi = herfindahl(values) if total > 0 else None
    return GroupDependency(
        key=key,
        total=total,
        donors=donors,
        top_nation=donors[0].nation_id if donors else None,
        top_share=donors[0].share if donors else None,
        hhi=hhi,
        n_donors=len(donors),
        effective_donors=HHI_SCALE / hhi if hhi else None,
        n_requirements=n_requirements,
        sole_source=tuple(sole),
    )


def _report(
    *,
    basis: Literal["plan", "supply"],
    measure: Literal["value_eur", "units"],
    nations: Sequence[str],
    req_ids: Sequence[str],
    overall: FloatArray,
    by_capability: FloatArray,
    by_class: FloatArray,
    caps: Sequence[str],
    classes: IntArray,
    req_cap: IntArray,
    req_class: IntArray,
    sole: Sequence[SoleSource],
    cap_present: npt.NDArray[np.bool_],
) -> DependencyReport:
    """Assemble the report: one group per capability present and per priority class, plus the whole."""
    sole_by_req = {s.requirement_id: s for s in sole}
    n_req = len(req_ids)

    def members(mask: npt.NDArray[np.bool_]) -> list[SoleSource]:
        return [sole_by_req[req_ids[r]] for r in np.flatnonzero(mask).tolist() if req_ids[r] in sole_by_req]

    cap_groups = tuple(
        _group(
            caps[k],
            by_capability[k],
            nations,
            int(np.sum(req_cap == k)),
            members(req_cap == k),
        )
        for k in range(len(caps))
        if cap_present[k]
    )
    class_groups = tuple(
        _group(
            int(classes[k]),
            by_class[k],
            nations,
            int(np.sum(req_class == k)),
            members(req_class == k),
        )
        for k in range(len(classes))
    )
    return DependencyReport(
        basis=basis,
        measure=measure,
        overall=_group("all", overall[0], nations, n_req, sole),
        by_capability=cap_groups,
        by_priority=class_groups,
        sole_source=tuple(sole),
    )
