"""Command-line tasks: data loading, demo world, mail delivery, daily jobs, translations.

Every command that writes opens its transactions inside `writes()`, so on SQLite they take the write lock up front
as write requests do, and a web request writing meanwhile cannot make them fail with "database is locked"."""

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask

from .database import writes
from .extensions import db

ROOT = Path(__file__).resolve().parent.parent


def init_app(app: Flask) -> None:
    @app.cli.command("load-twin-cities")
    def load_twin_cities_command():
        """Import the researched German–Russian city partnerships (idempotent)."""
        from .cities.services import load_twin_cities

        with writes():
            counts = load_twin_cities()
            db.session.commit()
        click.echo(
            f"{counts['rows']} rows: {counts['cities_created']} cities and "
            f"{counts['links_created']} links created, {counts['links_updated']} links updated."
        )

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo world (idempotent)."""
        from .demo import seed_demo

        with writes():
            created = seed_demo()
            db.session.commit()
        click.echo(f"Demo world ready ({created} new records).")

    @app.cli.command("seed-scale")
    @click.option("--schools", default=10_000, show_default=True, help="How many schools to add.")
    def seed_scale_command(schools):
        """Add many realistic schools (for benchmarks)."""
        from .scale import seed_scale

        with writes():
            added = seed_scale(schools)
            db.session.commit()
        click.echo(f"{added} schools added.")

    @app.cli.command("seed-project-scale")
    @click.option("--members", default=200, show_default=True, help="Members the demo project should have.")
    @click.option("--submissions", default=2000, show_default=True, help="Submissions it should have.")
    def seed_project_scale_command(members, submissions):
        """Grow the demo Hamburg – St. Petersburg project to many members and submissions (for benchmarks)."""
        from .scale import MissingDemoProject, seed_project_scale

        with writes():
            try:
                counts = seed_project_scale(members, submissions)
            except MissingDemoProject as exc:
                raise click.ClickException(str(exc)) from exc
            db.session.commit()
        click.echo(
            f"{counts['students_added']} students, {counts['stages_added']} stages and "
            f"{counts['submissions_added']} submissions added: the project has {counts['members']} members "
            f"and {counts['submissions']} submissions."
        )

    @app.cli.command("daily")
    def daily_command():
        """Run every daily job (cron: once a day), each in its own transaction; a failing job does not stop the rest."""
        from .jobs import DAILY

        failed = []
        for name, job in DAILY:
            try:
                click.echo(f"{name}: {job()}")
            except Exception:
                db.session.rollback()
                app.logger.exception("daily job %s failed", name)
                click.echo(f"{name}: failed (see the log)", err=True)
                failed.append(name)
        if failed:
            raise click.ClickException(f"failed: {', '.join(failed)}")

    @app.cli.command("expire-requests")
    def expire_requests_command():
        """Mark partnership requests older than 60 days as expired (part of `flask daily`)."""
        from .jobs import expire_requests

        click.echo(expire_requests())

    @app.cli.command("purge-archived")
    def purge_archived_command():
        """Delete student accounts archived longer than STUDENT_RETENTION_DAYS, with their data (in `flask daily`)."""
        from .jobs import purge_archived_students

        click.echo(purge_archived_students())

    @app.cli.command("clean-uploads")
    def clean_uploads_command():
        """Remove partial uploads older than a day and stored files without a record (part of `flask daily`)."""
        from .jobs import clean_uploads

        click.echo(clean_uploads())

    @app.cli.command("clean-file-metadata")
    def clean_file_metadata_command():
        """Remove names and locations from files stored before uploads were cleaned (Finding #6; idempotent)."""
        from flask_babel import force_locale

        from .submissions.file_cleaning import clean_stored_files

        with writes():  # holds SQLite's write lock while it cleans: a one-off after an upgrade
            report = clean_stored_files(app.config["UPLOAD_DIR"])
            db.session.commit()
        click.echo(
            f"{report.cleaned} files cleaned, {report.images} images already clean, "
            f"{len(report.missing)} missing, {len(report.failed)} could not be cleaned."
        )
        for stored in report.missing:
            click.echo(f"missing: file {stored.id} ({stored.storage_name})")
        with force_locale("en"):  # the reasons are the pupils' messages; the operator reads them in English
            for stored, reason in report.failed:
                click.echo(f"not cleaned, kept as it is: file {stored.id} ({stored.storage_name}): {reason}")

    @app.cli.command("send-mail")
    @click.option("--limit", default=100, show_default=True, help="Messages to try in this run.")
    def send_mail_command(limit):
        """Deliver due messages from the outbox by SMTP (cron: every minute); failures are retried later."""
        from .notifications.services import deliver_due, smtp_send

        counts = deliver_due(smtp_send, limit=limit)  # commits per mail, each transaction inside writes()
        click.echo(f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}")

    @app.cli.command("reset-mfa")
    @click.argument("email")
    def reset_mfa_command(email):
        """Clear a person's second factor (e.g. the last coordinator lost the phone); logged as a security event."""
        from .accounts.mfa import reset_by_email
        from .accounts.services import AccountError
        from .logs import log_event

        with writes():
            try:
                user = reset_by_email(email)
            except AccountError as exc:
                raise click.ClickException(str(exc)) from exc
            db.session.commit()
        log_event("mfa_reset", user_id=user.id, by="cli")
        click.echo(f"The second factor of {user.login_name} has been reset.")

    @app.cli.group()
    def translate():
        """Extract, update and compile the German and Russian catalogs."""

    def _babel(*args: str) -> None:
        result = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=False)
        if result.returncode:
            raise click.ClickException(f"pybabel {args[0]} failed")

    @translate.command("update")
    def translate_update():
        """Extract the strings and merge them into translations/de and translations/ru."""
        _babel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", "messages.pot", ".")
        _babel("update", "-i", "messages.pot", "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")

    @translate.command("compile")
    def translate_compile():
        """Compile the catalogs to .mo files."""
        _babel("compile", "-d", "translations", "--statistics")
