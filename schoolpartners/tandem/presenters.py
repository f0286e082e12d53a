"""What tandem pages show: a pair's reasons as translated chips, the weekly slot grid."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from ..i18n import label
from . import matching, services
from .choices import DAYS, interest_label, language_label, mode_label
from .models import PairingRound

MAX_INTEREST_CHIPS = 3


def chip_texts(reasons: list) -> list[str]:
    """Short texts for the matching's reasons ("beide: Fußball", "3 gemeinsame Stunden", "A2 ↔ B1")."""
    texts = []
    for reason in reasons:
        kind, values = reason.kind, reason.values
        if kind == "languages":
            texts.append(f"{language_label(values[0])} ↔ {language_label(values[1])}")
        elif kind == "levels":
            texts.append(f"{values[0]} ↔ {values[1]}")
        elif kind == "interests" and values:
            names = ", ".join(interest_label(code) for code in values[:MAX_INTEREST_CHIPS])
            texts.append(_("both: %(interests)s", interests=names))
        elif kind == "hours" and values[0]:
            texts.append(ngettext("%(num)d common hour a week", "%(num)d common hours a week", values[0]))
        elif kind == "modes" and values:
            texts.append(", ".join(mode_label(code) for code in values))
        elif kind == "age_gap":
            months = values[0]
            texts.append(
                ngettext("%(num)d month apart", "%(num)d months apart", months)
                if months < 12
                else ngettext("%(num)d year apart", "%(num)d years apart", months // 12)
            )
    return texts


def chips_for_round(pairing: PairingRound, today: date) -> dict[int, list[str]]:
    """Chips of every pair of a round, by pair id (a third partner's chips follow the pair's)."""
    # Everyone of both classes, paired or not: a published round's members are in running pairs now.
    link = pairing.class_partnership
    german, _waiting = services.class_learners(link.german_class, set(), today)
    russian, _waiting = services.class_learners(link.russian_class, set(), today)
    learners = {found.id: found for found in german + russian}
    german_ids = {found.id for found in german}
    found: dict[int, list[str]] = {}
    for pair in pairing.pairs:
        members = [learners.get(m.user_id) for m in pair.members]
        if len(members) < 2 or members[0] is None or members[1] is None:
            found[pair.id] = []
            continue
        texts = chip_texts(matching.reasons(members[0], members[1]))
        if len(members) > 2 and members[2] is not None:
            # The third member's partner is the one from the other class.
            partner = members[1] if members[2].id in german_ids else members[0]
            texts += chip_texts(matching.reasons(members[2], partner))
        found[pair.id] = list(dict.fromkeys(texts))
    return found


def slot_grid(form) -> dict:
    """Rows of the availability grid: one per two-hour block, one checkbox per weekday."""
    checked = set(form.slots.data or [])
    days = [label(day) for day in DAYS]
    rows = []
    for start in matching.SLOT_STARTS:
        name = f"{start:02d}:00–{start + 2:02d}:00"  # the same 24-hour notation in German and Russian
        cells = [(matching.slot_code(day, start), matching.slot_code(day, start) in checked) for day in range(7)]
        rows.append((name, cells))
    return {"days": days, "rows": rows}
