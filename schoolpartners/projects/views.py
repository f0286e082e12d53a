"""Project pages: list, create from a template, confirm, revise, milestones, status."""

from __future__ import annotations

from flask import Blueprint

from . import models  # noqa: F401  the tables belong to the app from here on

bp = Blueprint("projects", __name__)
