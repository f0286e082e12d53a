"""Budgets for attempts where guessing or flooding is possible: passwords, second factors, emails sent.

A budget is a limit from the configuration (a string such as "10 per 15 minutes"), a scope and a key. They are
counted in the limiter's shared storage, so gunicorn workers count together. When that storage fails the count
goes on in this process's memory: the limits still hold (per worker) instead of failing open or locking everyone
out.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, NamedTuple

from flask import current_app, g, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from ..extensions import limiter
from ..logs import log_event
from .models import fold

if TYPE_CHECKING:
    from .models import User


class Budget(NamedTuple):
    """One counter: the config setting with its limit, a scope (what is counted) and whose attempts."""

    setting: str
    scope: str
    key: str


def client_ip() -> str:
    """The client's address (the real one behind a proxy once ProxyFix is configured)."""
    return request.remote_addr or "?"


def account_key(user: User | None, typed: str) -> str:
    """Key an account's budget on the account itself, so a username and an email share one budget; a name
    without an account is keyed on its folded form. The two kinds of key can't collide."""
    return f"id:{user.id}" if user is not None else f"name:{fold(typed)}"


def login_budgets(user: User | None, typed: str = "") -> tuple[Budget, Budget]:
    """Guesses at a password (login, current-password checks): per account and per client address."""
    return (
        Budget("LOGIN_LIMIT_PER_ACCOUNT", "login-account", account_key(user, typed)),
        Budget("LOGIN_LIMIT_PER_IP", "login-ip", client_ip()),
    )


def mail_budgets(address: str) -> tuple[Budget, Budget]:
    """Emails a client may ask the site to send (reset, registration, confirmation): per address from this
    client, and per client. Used up, the client is told so."""
    ip = client_ip()
    return (
        # The IP first: it holds no "|", so no address can make two keys collide.
        Budget("MAIL_LIMIT_PER_ADDRESS", "mail-address-ip", f"{ip}|{fold(address)}"),
        Budget("MAIL_LIMIT_PER_IP", "mail-ip", ip),
    )


def mail_address_budget(address: str) -> Budget:
    """All emails to one address, whoever asks. Used up, nothing more is sent but the answer stays the same:
    otherwise anyone could block a chosen person's password reset, and the refusal would tell them so."""
    return Budget("MAIL_LIMIT_PER_ADDRESS_TOTAL", "mail-address", fold(address))


class Mail(enum.Enum):
    """What to do with an email a client asked for."""

    SEND = "send"
    SKIP = "skip"  # the address's total is used up: answer as if sent, send nothing
    REFUSE = "refuse"  # this client's budgets are used up: tell them (429)


def take_mail(address: str) -> Mail:
    """Count an email to `address` asked for by this client against its budgets and the address's total."""
    if not take(*mail_budgets(address)):
        return Mail.REFUSE
    return Mail.SEND if take(mail_address_budget(address)) else Mail.SKIP


def _fallback() -> RateLimiter:
    strategy = current_app.extensions.get("sp_throttle_fallback")
    if strategy is None:
        strategy = current_app.extensions["sp_throttle_fallback"] = MovingWindowRateLimiter(MemoryStorage())
    return strategy


def _run(method: str, budget: Budget) -> bool:
    item = parse(current_app.config[budget.setting])
    try:
        return getattr(limiter.limiter, method)(item, budget.scope, budget.key)
    except Exception as exc:  # noqa: BLE001 - any storage failure (Redis down, timeouts) falls back
        if not g.get("throttle_degraded"):  # once per request, not once per budget
            g.throttle_degraded = True
            log_event("throttle_storage_failed", error=type(exc).__name__)
            current_app.logger.warning("rate-limit storage failed (%s): counting in this worker's memory", exc)
        return getattr(_fallback(), method)(item, budget.scope, budget.key)


def exhausted(*budgets: Budget) -> bool:
    """True when any of the budgets is used up (counts nothing)."""
    return not all(_run("test", budget) for budget in budgets)


def spend(*budgets: Budget) -> None:
    """Count one attempt against each budget (after a failure, or for each email sent)."""
    for budget in budgets:
        _run("hit", budget)


def take(*budgets: Budget) -> bool:
    """Spend one attempt if every budget has room; False (and nothing counted) when one is used up.

    The hit itself decides (the storage counts and compares in one step), so requests racing past the test
    can't together take more than the budget holds; in such a race an earlier budget may count one too many."""
    if exhausted(*budgets):
        return False
    return all(_run("hit", budget) for budget in budgets)
