"""The pure allocation core: the canonical model, the optimiser, the greedy baseline, explanations."""

from aidcoord.planning.errors import InfeasiblePin
from aidcoord.planning.greedy import greedy_plan
from aidcoord.planning.optimise import PlanOptions, plan
from aidcoord.planning.output import write_plan
from aidcoord.planning.problem import Allocation, PlanningProblem, problem_from_scenario
from aidcoord.planning.result import REASONS, PlanResult, Unmet, WarmStart

__all__ = [
    "REASONS",
    "Allocation",
    "InfeasiblePin",
    "PlanOptions",
    "PlanResult",
    "PlanningProblem",
    "Unmet",
    "WarmStart",
    "greedy_plan",
    "plan",
    "problem_from_scenario",
    "write_plan",
]
