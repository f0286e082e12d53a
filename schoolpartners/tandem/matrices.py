"""The numbers behind a pairing round, for whole groups at once (numpy; no Flask, no database).

One side of a round becomes a Group of arrays; feasible_matrix, score_matrix and common_hours compare two groups
pair by pair without a Python loop over the pairs, and cost_matrix turns them into the cost matrix that
matching.pair_round solves:

    pair that meets the hard constraints:   S_MAX - score            (between 0 and S_MAX)
    any other pair:                         M = (k + 1) * S_MAX + 1,  k = min(n, m)

The solver always assigns k pairs. An assignment with f feasible pairs costs (k - f) * M + (f * S_MAX - its total
score), which lies between (k - f) * M and (k - f) * M + k * S_MAX. As M > k * S_MAX, one feasible pair more
always lowers the cost by more than any difference in score can raise it; with f fixed, the cost falls exactly as
the total score rises. So the cheapest assignment has the most feasible pairs and, among those, the best total
score. M is finite (an infinite cost would make the solver call a problem without a perfect matching infeasible),
infeasible pairs in the solution are dropped, and every value is an integer far below 2**53, so the float64
solver compares them exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

LEARNABLE = ("de", "ru")
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")  # level index 0..5
MODES = ("written", "lessons", "visit")  # written messages, voice/video in lessons, meeting on an exchange visit
SLOT_STARTS = (8, 10, 12, 14, 16, 18)  # local two-hour blocks, Monday = 0 .. Sunday = 6
SURPLUS = ("waiting", "triad")
MINOR_MONTHS = 18 * 12
MAX_MINOR_AGE_GAP_MONTHS = 24
WEEK_HOURS = 7 * 24
STEPS = 3  # level, interests and time are scored in three steps each (see Weights)

# Reference weeks (Monday to Sunday) for turning local slots into UTC hours: Germany keeps summer time, Russia
# does not, so the same local slots meet in one season and miss each other in the other.
WINTER_WEEK = datetime(2026, 1, 12)
SUMMER_WEEK = datetime(2026, 7, 13)

# The age rule, |a - b| <= gap unless both are adults, equals |min(a, CAP) - min(b, CAP)| <= gap with
# CAP = adulthood + gap: two capped adults are at most `gap` apart, and a minor (younger than adulthood) is more than
# `gap` away from anyone older than CAP both before and after capping. One subtraction then covers every case.
AGE_CAP = MINOR_MONTHS + MAX_MINOR_AGE_GAP_MONTHS

_BLOCK_ROWS = 128  # rows per block: a block of float32 temporaries 5,000 wide stays in the CPU cache
_PENALTY = np.float32(2.0**60)  # subtracted from an infeasible pair's score: only the sign of the result counts
_KEYS = len(LEARNABLE) + 1, 1 << len(LEARNABLE), len(LEVELS), 1 << len(MODES)  # see Group.of


def slot_code(day: int, start: int) -> int:
    """The slot of the local hours [start, start + 2) on `day` (Monday = 0)."""
    return day * 24 + start


@dataclass(frozen=True)
class Learner:
    id: int
    speaks: frozenset[str]  # languages spoken at home: "de", "ru", "other" (heritage speakers count)
    learns: str | None  # "de" or "ru"; None: no learning language, never paired (waiting list)
    level: int  # 0..5 (A1..C2) in the language learnt
    age_months: int  # age in whole months on the round's date
    interests: frozenset[str]  # tag codes such as "football", "music"
    slots: frozenset[int]  # slot codes (slot_code) in the local time of the learner's own city
    zone: str  # IANA zone of the learner's city, e.g. "Europe/Berlin", "Europe/Moscow", "Asia/Yekaterinburg"
    modes: frozenset[str]  # subset of MODES


@dataclass(frozen=True)
class Weights:
    """The points of the soft score; S_MAX, the best possible score, is their sum (100 by default).

    level, interests and time are scored in STEPS = 3 equal steps, so they must be multiples of 3:
    - level: all points when both learners are at the same CEFR level, one step less per level between them,
      none from three levels apart (default 30: 30, 20, 10, 0);
    - interests: one step per interest tag both share, at most three counted (default 10 per tag);
    - time: one step per hour a week both are free, in winter and in summer alike, at most three counted
      (default 10 per hour): three hours a week leave room to choose, a single hour is fragile;
    - mode: all points when the two share at least one preferred mode of contact (default 10).
    """

    level: int = 30
    interests: int = 30
    time: int = 30
    mode: int = 10

    def __post_init__(self) -> None:
        for name in ("level", "interests", "time", "mode"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"weight {name} must be a non-negative integer")
        for name in ("level", "interests", "time"):
            if getattr(self, name) % STEPS:
                raise ValueError(f"weight {name} must be a multiple of {STEPS}")

    @property
    def s_max(self) -> int:
        return self.level + self.interests + self.time + self.mode


DEFAULT_WEIGHTS = Weights()
S_MAX = DEFAULT_WEIGHTS.s_max


@lru_cache(maxsize=64)
def _utc_hours(zone: str, week: datetime) -> np.ndarray:
    """For each local hour of the reference week, the UTC hour of the same week it falls in (modulo the week)."""
    start = week.replace(tzinfo=UTC)
    local = week.replace(tzinfo=ZoneInfo(zone))
    return np.array(
        [((local + timedelta(hours=h)).astimezone(UTC) - start) // timedelta(hours=1) % WEEK_HOURS for h in range(168)]
    )


@lru_cache(maxsize=256)
def _mask(values: frozenset[str], names: tuple[str, ...]) -> int:
    return sum(1 << i for i, name in enumerate(names) if name in values)


@dataclass(frozen=True, eq=False)
class Group:
    """One side of a round as arrays; row i describes learners[i]."""

    learners: tuple[Learner, ...]
    ids: np.ndarray  # int64
    key: np.ndarray  # int16: learning language, home languages, level and modes in one number (see _tables)
    age: np.ndarray  # float32 months, capped at AGE_CAP
    tags: tuple[str, ...]
    interests: np.ndarray  # float32 (n, len(tags)): 1 where the learner has the tag
    winter: np.ndarray  # float32 (n, 168): 1 for each UTC hour of the January reference week the learner is free
    summer: np.ndarray  # the same for the July reference week

    @classmethod
    def of(cls, learners: Iterable[Learner]) -> Group:
        learners = tuple(learners)
        n = len(learners)
        keys, ages, tag_rows, tag_cols, slot_rows, slot_cols = [], [], [], [], [], []
        tag_index: dict[str, int] = {}
        zones: dict[str, list[int]] = {}
        for i, x in enumerate(learners):
            if x.learns is not None and x.learns not in LEARNABLE:
                raise ValueError(f"learner {x.id}: unknown learning language {x.learns!r}")
            if not 0 <= x.level < len(LEVELS):
                raise ValueError(f"learner {x.id}: level {x.level} is not a CEFR level index")
            learns = 0 if x.learns is None else LEARNABLE.index(x.learns) + 1
            speaks, modes = _mask(x.speaks, LEARNABLE), _mask(x.modes, MODES)
            keys.append(((learns * _KEYS[1] + speaks) * _KEYS[2] + x.level) * _KEYS[3] + modes)
            ages.append(x.age_months)
            for tag in x.interests:
                tag_rows.append(i)
                tag_cols.append(tag_index.setdefault(tag, len(tag_index)))
            slot_rows.extend([i] * len(x.slots))
            slot_cols.extend(x.slots)
            zones.setdefault(x.zone, []).append(i)
        interests = np.zeros((n, len(tag_index)), np.float32)
        interests[tag_rows, tag_cols] = 1
        rows, cols = np.array(slot_rows, np.intp), np.array(slot_cols, np.intp)
        if cols.size and (cols.min() < 0 or cols.max() >= WEEK_HOURS):
            raise ValueError("slot codes lie in 0..167 (slot_code)")
        local = np.zeros((n, WEEK_HOURS), bool)
        local[rows, cols] = True
        local[rows, (cols + 1) % WEEK_HOURS] = True  # a slot is two hours; Sunday 23:00 runs into Monday
        seasons = []
        for week in (WINTER_WEEK, SUMMER_WEEK):
            utc = np.zeros((n, WEEK_HOURS), np.float32)
            for zone, members in zones.items():
                members = np.array(members, np.intp)
                utc[np.ix_(members, _utc_hours(zone, week))] = local[members]
            seasons.append(utc)
        return cls(
            learners=learners,
            ids=np.array([x.id for x in learners], np.int64),
            key=np.array(keys, np.int16),
            age=np.minimum(np.array(ages, np.float32), AGE_CAP),
            tags=tuple(tag_index),
            interests=interests,
            winter=seasons[0],
            summer=seasons[1],
        )

    def __len__(self) -> int:
        return len(self.learners)


@lru_cache(maxsize=8)
def _tables(weights: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over every pair of Group keys: level + mode points, whether the languages are reciprocal, and the points
    with _PENALTY subtracted where they are not."""
    learns, speaks, level, modes = np.unravel_index(np.arange(np.prod(_KEYS)), _KEYS)
    learnt_bit = np.where(learns > 0, 1 << np.maximum(learns - 1, 0), 0)  # 0 for no learning language
    reciprocal = ((learnt_bit[:, None] & speaks[None, :]) != 0) & ((speaks[:, None] & learnt_bit[None, :]) != 0)
    apart = np.abs(level[:, None] - level[None, :])
    points = np.maximum(weights.level - weights.level // STEPS * apart, 0)
    points += np.where((modes[:, None] & modes[None, :]) != 0, weights.mode, 0)
    points = points.astype(np.float32)
    return points, reciprocal, np.where(reciprocal, points, points - _PENALTY)


def _aligned_interests(a: Group, b: Group) -> tuple[np.ndarray, np.ndarray]:
    """Both interest matrices over one list of tags."""
    if a.tags == b.tags:
        return a.interests, b.interests
    tags = a.tags + tuple(sorted(set(b.tags) - set(a.tags)))
    index = {tag: i for i, tag in enumerate(tags)}
    left = np.zeros((len(a), len(tags)), np.float32)
    left[:, : len(a.tags)] = a.interests
    right = np.zeros((len(b), len(tags)), np.float32)
    right[:, [index[tag] for tag in b.tags]] = b.interests
    return left, right


class _Operands:
    """What every row block of one (a, b) pairing shares; soft() scores a block of rows against all of b."""

    def __init__(self, a: Group, b: Group, weights: Weights, *, penalise: bool):
        left, right = _aligned_interests(a, b)
        # Scaling the left factor by the step makes each product count points directly: one operation fewer.
        self.interests = left * np.float32(weights.interests // STEPS), np.ascontiguousarray(right.T)
        step = np.float32(weights.time // STEPS)
        self.winter = a.winter * step, np.ascontiguousarray(b.winter.T)
        self.summer = a.summer * step, np.ascontiguousarray(b.summer.T)
        self.caps = np.float32(weights.interests), np.float32(weights.time)
        keys_a, inverse_a = np.unique(a.key, return_inverse=True)
        keys_b, self.inverse_b = np.unique(b.key, return_inverse=True)
        table = _tables(weights)[2 if penalise else 0]
        self.static = table[np.ix_(keys_a, keys_b)][inverse_a]  # (n, distinct keys of b)

    def soft(self, rows: slice) -> np.ndarray:
        """float32 (rows, m): the soft score (minus _PENALTY where the languages do not fit, if penalised)."""
        score = self.interests[0][rows] @ self.interests[1]
        np.minimum(score, self.caps[0], out=score)
        hours = self.winter[0][rows] @ self.winter[1]
        np.minimum(hours, self.summer[0][rows] @ self.summer[1], out=hours)  # free in winter AND in summer
        np.minimum(hours, self.caps[1], out=hours)
        score += hours
        np.take(self.static[rows], self.inverse_b, axis=1, out=hours)
        score += hours
        return score


def _blocks(n: int) -> Iterable[slice]:
    return (slice(start, min(start + _BLOCK_ROWS, n)) for start in range(0, n, _BLOCK_ROWS))


def infeasible_cost(n: int, m: int, weights: Weights) -> int:
    return (min(n, m) + 1) * weights.s_max + 1


def cost_matrix(a: Group, b: Group, weights: Weights) -> np.ndarray:
    """The cost matrix of the module docstring, float64 (n, m).

    When b is sorted by age, each row's partners of fitting age form one run of columns, and the age rule costs a
    few slice assignments per row instead of several passes over the whole matrix; pair_round sorts b for that."""
    n, m, s_max = len(a), len(b), weights.s_max
    big_m = infeasible_cost(n, m, weights)
    cost = np.empty((n, m))
    ops = _Operands(a, b, weights, penalise=True)
    by_age = bool(np.all(b.age[1:] >= b.age[:-1]))
    if by_age:
        first = np.searchsorted(b.age, a.age - MAX_MINOR_AGE_GAP_MONTHS, "left")
        end = np.searchsorted(b.age, a.age + MAX_MINOR_AGE_GAP_MONTHS, "right")
    for rows in _blocks(n):
        score = ops.soft(rows)
        if not by_age:
            gap = np.subtract.outer(a.age[rows], b.age)
            np.abs(gap, out=gap)
            np.multiply(gap > MAX_MINOR_AGE_GAP_MONTHS, _PENALTY, out=gap)
            score -= gap
        np.maximum(score, np.float32(s_max - big_m), out=score)  # every infeasible pair: exactly M below
        np.subtract(s_max, score, out=cost[rows])
        if by_age:
            for i in range(rows.start, rows.stop):
                cost[i, : first[i]] = big_m
                cost[i, end[i] :] = big_m
    return cost


def feasible_matrix(a: Group, b: Group) -> np.ndarray:
    """bool (n, m): the pair meets every hard constraint (reciprocal languages, the age rule for minors)."""
    reciprocal = _tables(DEFAULT_WEIGHTS)[1]
    feasible = reciprocal[np.ix_(a.key, b.key)]
    feasible &= np.abs(np.subtract.outer(a.age, b.age)) <= MAX_MINOR_AGE_GAP_MONTHS
    return feasible


def score_matrix(a: Group, b: Group, weights: Weights = DEFAULT_WEIGHTS) -> np.ndarray:
    """int16 (n, m): the soft score of every pair, feasible or not, 0..weights.s_max."""
    score = np.empty((len(a), len(b)), np.int16)
    ops = _Operands(a, b, weights, penalise=False)
    for rows in _blocks(len(a)):
        score[rows] = ops.soft(rows)
    return score


def common_hours(a: Group, b: Group) -> np.ndarray:
    """int16 (n, m): hours a week both are free, counting only hours that fit in January and in July."""
    winter = a.winter @ b.winter.T
    return np.minimum(winter, a.summer @ b.summer.T, out=winter).astype(np.int16)


def build_cost(a: Group, b: Group, weights: Weights = DEFAULT_WEIGHTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cost matrix pair_round solves, with the feasibility and the score it was built from."""
    return cost_matrix(a, b, weights), feasible_matrix(a, b), score_matrix(a, b, weights)


def ages_fit(a: int, b: int) -> bool:
    return min(a, b) >= MINOR_MONTHS or abs(a - b) <= MAX_MINOR_AGE_GAP_MONTHS
