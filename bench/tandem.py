"""Tandem pairing bench: a round of 5,000 x 5,000 generated learners end to end (profiles in memory to proposed
pairs, no database), against linear_sum_assignment alone on the same cost matrix, median of 3 each, in one run.
Run alone with `python -m bench.tandem`; bench/run.py calls main() last."""

from __future__ import annotations

import random
import statistics
import sys
import time

from scipy.optimize import linear_sum_assignment

from bench.report import line
from schoolpartners.tandem.matching import (
    AGE_CAP,
    DEFAULT_WEIGHTS,
    MODES,
    SLOT_STARTS,
    Group,
    Learner,
    build_cost,
    pair_round,
    slot_code,
)

ROUNDS = 3
SIZE = 5000
SEED = 2026
# fmt: off
TAGS = (
    "football", "music", "drawing", "gaming", "dance", "reading", "films", "anime", "chess", "hockey", "swimming",
    "cooking", "travel", "animals", "photography", "theatre", "programming", "science", "history", "fashion",
    "basketball", "volleyball", "skiing", "guitar", "piano", "singing", "maths", "nature", "cars", "volunteering",
)
# fmt: on
LEVEL_SHARES = (25, 30, 25, 12, 6, 2)  # A1 .. C2: most school learners are beginners
AFTERNOON = (1, 2, 3, 6, 6, 4)  # weight of each slot start on a school day; weekends are flatter
WEEKEND = (2, 4, 4, 4, 3, 2)


def learner(rng: random.Random, learner_id: int, german: bool) -> Learner:
    """A plausible school learner: German side in Berlin learning Russian, Russian side in Moscow or Yekaterinburg
    learning German, with a few heritage speakers, learners of the other language and learners without one."""
    if german:
        speaks = rng.choices([{"de"}, {"de", "ru"}, {"de", "other"}, {"ru", "other"}], weights=(80, 12, 6, 2))[0]
        learns = rng.choices(["ru", "de", None], weights=(93, 4, 3))[0]
        zone = "Europe/Berlin"
    else:
        speaks = rng.choices([{"ru"}, {"ru", "de"}, {"ru", "other"}], weights=(86, 7, 7))[0]
        learns = rng.choices(["de", "ru", None], weights=(95, 2, 3))[0]
        zone = rng.choices(["Europe/Moscow", "Asia/Yekaterinburg"], weights=(70, 30))[0]
    slots = set()
    for _ in range(rng.randint(3, 12)):
        day = rng.randrange(7)
        start = rng.choices(SLOT_STARTS, weights=WEEKEND if day >= 5 else AFTERNOON)[0]
        slots.add(slot_code(day, start))
    modes = {mode for mode in MODES if rng.random() < (0.8, 0.5, 0.3)[MODES.index(mode)]} or {"written"}
    return Learner(
        id=learner_id,
        speaks=frozenset(speaks),
        learns=learns,
        level=rng.choices(range(6), weights=LEVEL_SHARES)[0],
        age_months=rng.randint(12 * 12, 18 * 12 + 11),
        interests=frozenset(rng.sample(TAGS, rng.randint(1, 5))),
        slots=frozenset(slots),
        zone=zone,
        modes=frozenset(modes),
    )


def sides(size: int, seed: int = SEED) -> tuple[list[Learner], list[Learner]]:
    rng = random.Random(seed)
    return (
        [learner(rng, i, german=True) for i in range(size)],
        [learner(rng, size + i, german=False) for i in range(size)],
    )


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def measure(size: int, rounds: int = ROUNDS) -> tuple[float, float, int]:
    """Median seconds of the whole round and of the solver alone on the round's own cost matrix (side B in the
    age order pair_round uses), alternating, plus the number of pairs proposed."""
    side_a, side_b = sides(size)
    a = Group.of(side_a)
    b = Group.of(sorted(side_b, key=lambda x: min(x.age_months, AGE_CAP)))
    cost = build_cost(a, b, DEFAULT_WEIGHTS)[0]
    rounds_s, solver_s = [], []
    for _ in range(rounds):
        seconds, result = timed(pair_round, side_a, side_b)
        rounds_s.append(seconds)
        solver_s.append(timed(linear_sum_assignment, cost)[0])
    return statistics.median(rounds_s), statistics.median(solver_s), len(result.pairs)


def main() -> None:
    small, small_solver, small_pairs = measure(30)
    print(
        f"bench: tandem round 30x30: {small * 1000:.1f} ms end to end, {small_solver * 1000:.2f} ms solver alone,"
        f" {small_pairs} pairs",
        file=sys.stderr,
    )
    value, baseline, pairs = measure(SIZE)
    print(
        f"bench: tandem round {SIZE}x{SIZE}: {value:.3f} s end to end, {baseline:.3f} s solver alone, {pairs} pairs",
        file=sys.stderr,
    )
    print(line(f"tandem_round_{SIZE}x{SIZE}", value, baseline, "ratio <= 1.5", "s", digits=2), flush=True)


if __name__ == "__main__":
    main()
