"""Multi-choice profile options kept as bit masks: cheap to filter in SQL and to score with numpy.

Never reorder or remove an entry — its position is its bit in stored masks; append new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..i18n import label


@dataclass(frozen=True)
class Options:
    items: tuple[tuple[str, object], ...]

    @property
    def keys(self) -> list[str]:
        return [key for key, _label in self.items]

    def bit(self, key: str) -> int:
        return 1 << self.keys.index(key)

    def mask(self, keys) -> int:
        return sum(self.bit(key) for key in set(keys) if key in self.keys)

    def selected(self, mask: int) -> list[str]:
        return [key for i, key in enumerate(self.keys) if mask >> i & 1]

    def labels(self, mask: int) -> list[str]:
        return [label(text) for i, (_key, text) in enumerate(self.items) if mask >> i & 1]

    def label(self, key: str) -> str:
        return label(dict(self.items)[key])

    def choices(self) -> list[tuple[str, str]]:
        return [(key, label(text)) for key, text in self.items]


LANGUAGES = Options(
    (
        ("german_foreign", _l("German as a foreign language")),
        ("russian_foreign", _l("Russian as a foreign language")),
        ("russian_heritage", _l("Russian as a heritage language")),
        ("german_heritage", _l("German as a heritage language")),
        ("english", _l("English")),
        ("other", _l("Other languages")),
    )
)
TOPICS = Options(
    (
        ("history", _l("History")),
        ("environment", _l("Environment")),
        ("culture", _l("Culture")),
        ("science", _l("Science")),
        ("sport", _l("Sport")),
        ("civic", _l("Civic engagement")),
        ("arts", _l("Arts and music")),
        ("media", _l("Media")),
        ("everyday", _l("Everyday life of young people")),
        ("economy", _l("Economy and work")),
    )
)
FORMS = Options(
    (
        ("online", _l("Online exchange")),
        ("tandem", _l("Tandem")),
        ("project", _l("Joint project")),
        ("visits", _l("Visits")),
    )
)
