"""Cities and the German–Russian city partnerships (twin-city links) between them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import current_locale, label
from ..sqltypes import UTCDateTime, utcnow


class Country(enum.Enum):
    DE = "DE"
    RU = "RU"

    @property
    def label(self) -> str:
        return label(COUNTRY_LABELS[self])


COUNTRY_LABELS = {Country.DE: _l("Germany"), Country.RU: _l("Russia")}
DEFAULT_ZONES = {Country.DE: "Europe/Berlin", Country.RU: "Europe/Moscow"}


class LinkStatus(enum.Enum):
    active = "active"
    suspended = "suspended"
    unknown = "unknown"

    @property
    def label(self) -> str:
        return label(LINK_STATUS_LABELS[self])


LINK_STATUS_LABELS = {
    LinkStatus.active: _l("active"),
    LinkStatus.suspended: _l("suspended"),
    LinkStatus.unknown: _l("status unknown"),
}


class City(db.Model):
    __table_args__ = (sa.UniqueConstraint("country", "name_de", name="uq_city_country_name_de"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[Country] = mapped_column(sa.Enum(Country, native_enum=False, length=2))
    name_de: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    region_de: Mapped[str | None] = mapped_column(sa.String(160))
    region_ru: Mapped[str | None] = mapped_column(sa.String(160))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))

    def name(self, locale: str | None = None) -> str:
        """The city's name in the viewer's language."""
        locale = locale or current_locale()
        return {"ru": self.name_ru, "en": self.name_en}.get(locale, self.name_de)

    def region(self, locale: str | None = None) -> str:
        locale = locale or current_locale()
        if locale == "ru":
            return self.region_ru or self.region_de or ""
        return self.region_de or ""

    def place(self, locale: str | None = None) -> str:
        """ "City, region" — or just the city where the region is the city itself (Hamburg, Moscow)."""
        locale = locale or current_locale()
        name, region = self.name(locale), self.region(locale)
        return name if not region or region.startswith(name) else f"{name}, {region}"

    @property
    def zone(self) -> str:
        """The city's IANA zone; where the data leaves it open, the country's usual one."""
        return self.timezone or DEFAULT_ZONES[self.country]

    def __repr__(self) -> str:
        return f"<City {self.name_de}>"


class TwinCityLink(db.Model):
    __table_args__ = (sa.UniqueConstraint("german_city_id", "russian_city_id", name="uq_twin_city_link_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    german_city_id: Mapped[int] = mapped_column(sa.ForeignKey("city.id"), index=True)
    russian_city_id: Mapped[int] = mapped_column(sa.ForeignKey("city.id"), index=True)
    since: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[LinkStatus] = mapped_column(
        sa.Enum(LinkStatus, native_enum=False, length=12), default=LinkStatus.unknown
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    german_city: Mapped[City] = relationship(foreign_keys=[german_city_id])
    russian_city: Mapped[City] = relationship(foreign_keys=[russian_city_id])

    @property
    def sources(self) -> list[str]:
        return [s.strip() for s in self.source.split(" ; ") if s.strip()]

    def set_status(self, status: LinkStatus, by_user_id: int) -> None:
        self.status = status
        self.status_changed_at = utcnow()
        self.status_changed_by_id = by_user_id
