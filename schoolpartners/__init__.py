"""schoolpartners: German and Russian schools working together."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from config import Config

from . import cli, errors, i18n, inputs, logs, markup, routing, security, templating
from .accounts import bp as accounts_bp
from .accounts.loader import init_login
from .cities import bp as cities_bp
from .classes import bp as classes_bp
from .database import configure_engine
from .extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from .main import bp as main_bp
from .moderation import bp as moderation_bp
from .notifications import bp as notifications_bp
from .partnerships import bp as partnerships_bp
from .projects import bp as projects_bp
from .schools import bp as schools_bp
from .showcase import bp as showcase_bp
from .submissions import bp as submissions_bp
from .tandem import bp as tandem_bp

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type | str = Config) -> Flask:
    """Build the application: configuration, extensions, blueprints; nothing else.

    `config_class` may be a class or the name of one in config.py ("DevConfig"), for the CLI and gunicorn.
    """
    if isinstance(config_class, str):
        config_class = getattr(config_module, config_class)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    check = getattr(config_class, "check", None)
    if check:
        check()
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops > 0:
        # Behind that many reverse proxies the client's address, scheme and host come from their X-Forwarded-*
        # headers (trusted only that many hops deep); the per-IP limits then count real clients.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    init_login(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)  # before CSRF, so a refused form is answered in the requested language
    inputs.init_app(app)  # before CSRF too: NUL bytes, invalid UTF-8 and JSON bodies get their own 400
    csrf.init_app(app)
    limiter.init_app(app)
    # Login failures are counted through limiter.limiter in the login view; no view has a decorator
    # limit, so the check Flask-Limiter runs before every request would only cost time.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    bootstrap.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    routing.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    markup.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    cli.init_app(app)

    blueprints = (
        main_bp,
        accounts_bp,
        cities_bp,
        notifications_bp,
        schools_bp,
        partnerships_bp,
        classes_bp,
        projects_bp,
        submissions_bp,
        showcase_bp,
        moderation_bp,
        tandem_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
