"""The baseline page: bare Flask + Jinja + SQLAlchemy listing 20 rows from a template file."""

import os

import sqlalchemy as sa
from flask import Flask, render_template

engine = sa.create_engine(os.environ.get("BASELINE_DATABASE_URL", "sqlite:///bench/.work/baseline.db"))
metadata = sa.MetaData()
items = sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(100)))


def prepare() -> None:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(items.insert(), [{"name": f"Item {n}"} for n in range(1, 21)])


def create_app() -> Flask:
    app = Flask(__name__, template_folder="templates")

    @app.route("/")
    def index():
        with engine.connect() as conn:
            rows = conn.execute(sa.select(items).order_by(items.c.id).limit(20)).all()
        return render_template("baseline.html", rows=rows)

    return app
