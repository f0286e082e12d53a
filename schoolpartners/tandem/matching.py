"""Pairing engine for German–Russian learner tandems: plain numpy and scipy, no Flask, no database.

A round pairs the students of two classes. The objective is lexicographic: first as many pairs as possible that
meet every hard constraint, then the highest total soft score. Both are one assignment problem, solved by
`scipy.optimize.linear_sum_assignment` on the integer cost matrix that matrices.cost_matrix builds (its docstring
says why the big-M costs make the objective lexicographic). The weights live in one place: matrices.Weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .matrices import (  # noqa: F401  the public names of the engine are all reachable from here
    AGE_CAP,
    DEFAULT_WEIGHTS,
    LEARNABLE,
    LEVELS,
    MAX_MINOR_AGE_GAP_MONTHS,
    MINOR_MONTHS,
    MODES,
    S_MAX,
    SLOT_STARTS,
    SURPLUS,
    Group,
    Learner,
    Weights,
    ages_fit,
    build_cost,
    common_hours,
    cost_matrix,
    feasible_matrix,
    infeasible_cost,
    score_matrix,
    slot_code,
)


@dataclass(frozen=True)
class Proposal:
    members: tuple[int, ...]  # learner ids: side A first, side B second, a third member (either side) last
    score: int  # a pair's score; a triad's adds the score of the third with their partner from the other side


@dataclass(frozen=True)
class RoundResult:
    pairs: list[Proposal]
    waiting: list[int]


@dataclass(frozen=True)
class Reason:
    kind: str  # languages, levels, interests, hours, modes, age_gap
    values: tuple


def violations(a: Learner, b: Learner) -> list[str]:
    """Codes of the hard constraints the pair breaks: no_learning_language, languages, age."""
    codes = []
    if a.learns is None or b.learns is None:
        codes.append("no_learning_language")
    elif a.learns not in b.speaks or b.learns not in a.speaks:
        codes.append("languages")
    if not ages_fit(a.age_months, b.age_months):
        codes.append("age")
    return codes


def _link_scores(links: Sequence[tuple[Learner, Learner]], weights: Weights) -> list[int]:
    if not links:
        return []
    score = score_matrix(Group.of(x for x, _ in links), Group.of(y for _, y in links), weights)
    return [int(value) for value in np.diagonal(score)]


def reasons(a: Learner, b: Learner, weights: Weights = DEFAULT_WEIGHTS) -> list[Reason]:
    """What the pair has going for it, as data for chips: languages and levels always, hours even when none,
    shared interests and modes when there are any and they count, the age gap when a minor is involved."""
    found = [Reason("languages", (a.learns, b.learns)), Reason("levels", (LEVELS[a.level], LEVELS[b.level]))]
    shared = a.interests & b.interests
    if shared and weights.interests:
        found.append(Reason("interests", tuple(sorted(shared))))
    hours = int(common_hours(Group.of([a]), Group.of([b]))[0, 0])
    found.append(Reason("hours", (hours,)))
    modes = a.modes & b.modes
    if modes and weights.mode:
        found.append(Reason("modes", tuple(sorted(modes))))
    if min(a.age_months, b.age_months) < MINOR_MONTHS:
        found.append(Reason("age_gap", (abs(a.age_months - b.age_months),)))
    return found


def suggest(
    one: Learner, pool: list[Learner], *, limit: int = 10, weights: Weights = DEFAULT_WEIGHTS
) -> list[tuple[int, int]]:
    """(id, score) of the best partners for `one` in the pool, best first (then by id). Besides the hard constraints,
    an hour a week in common is required here: there is no teacher to arrange a time."""
    others = [x for x in pool if x.id != one.id]
    if not others or limit <= 0:
        return []
    single, rest = Group.of([one]), Group.of(others)
    fits = feasible_matrix(single, rest)[0] & (common_hours(single, rest)[0] >= 1)
    score = score_matrix(single, rest, weights)[0]
    candidates = np.flatnonzero(fits)
    order = np.lexsort((rest.ids[candidates], -score[candidates].astype(np.int64)))[:limit]
    return [(int(rest.ids[candidates[k]]), int(score[candidates[k]])) for k in order]


def _fixed(
    fixed: Iterable[tuple[int, ...]], side_a: list[Learner], side_b: list[Learner], weights: Weights
) -> list[Proposal]:
    """The teacher's own tandems, in the members' order of Proposal, scored afresh; their ids must exist once."""
    on_a, on_b = {x.id: x for x in side_a}, {x.id: x for x in side_b}
    taken: set[int] = set()
    tandems = []
    for members in fixed:
        members = tuple(members)
        from_a = [i for i in members if i in on_a]
        from_b = [i for i in members if i in on_b]
        if len(members) not in (2, 3) or len(from_a) + len(from_b) != len(members):
            raise ValueError(f"fixed tandem {members}: two or three learners of this round")
        if not from_a or not from_b:
            raise ValueError(f"fixed tandem {members}: a tandem joins the two classes")
        if taken & set(members) or len(set(members)) != len(members):
            raise ValueError(f"fixed tandem {members}: a learner is in two tandems")
        taken.update(members)
        tandems.append((from_a[0], from_b[0], *from_a[1:], *from_b[1:]))
    people = on_a | on_b
    links = [(people[t[0]], people[t[1]]) for t in tandems]
    thirds = [(people[t[2]], people[t[1] if t[2] in on_a else t[0]]) for t in tandems if len(t) == 3]
    scores = _link_scores(links + thirds, weights)
    extra = iter(scores[len(links) :])
    return [Proposal(t, scores[k] + (next(extra) if len(t) == 3 else 0)) for k, t in enumerate(tandems)]


def _thirds(
    cost: np.ndarray,
    a: Group,
    b: Group,
    pairs: tuple[np.ndarray, np.ndarray],
    left: tuple[np.ndarray, np.ndarray],
    weights: Weights,
) -> dict[int, tuple[Learner, int]]:
    """A second assignment, leftovers x new pairs: a third member must meet the hard constraints with the pair's
    member from the other side (whose language they learn) and the age rule with both, as they meet both.
    Returns {pair index: (third, score with that partner)}."""
    rows, cols = pairs
    left_a, left_b = left
    if not len(rows) or not len(left_a) + len(left_b):
        return {}
    big_m = infeasible_cost(*cost.shape, weights)
    links = np.vstack([cost[np.ix_(left_a, cols)], cost[np.ix_(rows, left_b)].T])
    same_side = np.vstack(
        [np.subtract.outer(a.age[left_a], a.age[rows]), np.subtract.outer(b.age[left_b], b.age[cols])]
    )
    unfit = (links >= big_m) | (np.abs(same_side) > MAX_MINOR_AGE_GAP_MONTHS)
    big_m = infeasible_cost(*links.shape, weights)
    links[unfit] = big_m
    chosen, targets = linear_sum_assignment(links)
    leftovers = [a.learners[i] for i in left_a] + [b.learners[j] for j in left_b]
    return {
        int(p): (leftovers[x], weights.s_max - int(links[x, p]))
        for x, p in zip(chosen, targets, strict=True)
        if links[x, p] < big_m
    }


def pair_round(
    side_a: list[Learner],
    side_b: list[Learner],
    *,
    surplus: str = "waiting",
    fixed: Iterable[tuple[int, ...]] = (),
    weights: Weights = DEFAULT_WEIGHTS,
) -> RoundResult:
    """Pairs across the two sides: the teacher's fixed tandems as they are (even one that breaks a hard constraint:
    refusing is the caller's choice, see violations), then the most feasible pairs with the best total score among
    the others. surplus="triad" offers whoever is left to the new pairs as a third member;
    everyone not placed is on the waiting list, so every learner ends up in exactly one of the two."""
    if surplus not in SURPLUS:
        raise ValueError(f"surplus must be one of {SURPLUS}")
    side_a, side_b = list(side_a), list(side_b)
    ids = [x.id for x in side_a + side_b]
    if len(set(ids)) != len(ids):
        raise ValueError("learner ids must be unique across both sides")
    proposals = _fixed(fixed, side_a, side_b, weights)
    taken = {i for p in proposals for i in p.members}
    a = Group.of(x for x in side_a if x.id not in taken)
    b = Group.of(sorted((x for x in side_b if x.id not in taken), key=lambda x: min(x.age_months, AGE_CAP)))
    cost = cost_matrix(a, b, weights)
    rows, cols = linear_sum_assignment(cost)
    keep = cost[rows, cols] < infeasible_cost(len(a), len(b), weights)
    rows, cols = rows[keep], cols[keep]
    thirds = {}
    if surplus == "triad":
        left = np.setdiff1d(np.arange(len(a)), rows), np.setdiff1d(np.arange(len(b)), cols)
        thirds = _thirds(cost, a, b, (rows, cols), left, weights)
    for p, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        members, score = (a.learners[i].id, b.learners[j].id), weights.s_max - int(cost[i, j])
        if p in thirds:
            third, link = thirds[p]
            members, score = (*members, third.id), score + link
        proposals.append(Proposal(members, score))
    taken = {i for p in proposals for i in p.members}
    return RoundResult(proposals, [i for i in ids if i not in taken])
