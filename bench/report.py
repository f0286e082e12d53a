"""The one JSON line every benchmark prints."""

import json


def line(name: str, value: float, baseline: float, goal: str, unit: str = "req/s", digits: int = 1) -> str:
    """A figure, the baseline measured in the same run, their ratio and the goal."""
    return json.dumps(
        {
            "bench": name,
            "value": round(value, digits),
            "unit": unit,
            "baseline": round(baseline, digits),
            "ratio": round(value / baseline, 3),
            "goal": goal,
        }
    )
