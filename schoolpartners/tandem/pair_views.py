"""The pair workspace: messages, prompt of the week, session log with its balance, vocabulary, supervision."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from ..actions import FAILED, run_action, run_form_action
from ..forms import ActionForm
from ..permissions import access, refuse
from ..sqltypes import utcnow
from . import consent, pairs, prompts
from .forms import MeetingForm, MessageForm, SessionForm, WordForm
from .models import TandemPair
from .services import profiles_of
from .views import bp

LEARNED_LENGTH = 500


def get_pair_or_404(pair_id: int, need: str = "view") -> TandemPair:
    """The pair if the current user may see it (members, supervising teachers) or, need="supervise", lead it."""
    pair = pairs.load_pair(pair_id)
    user = current_user._get_current_object()
    if pair is None or not pairs.can_view(pair, user):
        abort(404)
    if need == "supervise" and not pairs.can_supervise(pair, user):
        refuse(403)
    return pair


def pair_level(pair: TandemPair) -> str:
    """The level the pair's prompts are chosen for: the lower of the partners' levels (A1 when unknown)."""
    found = [p.level.value for p in profiles_of(pair.members) if p.level is not None]
    return min(found) if found else "A1"


def render_pair(pair: TandemPair, **forms):
    user = current_user._get_current_object()
    today = date.today()
    logged = pairs.sessions(pair)
    supervising = pairs.can_supervise(pair, user)
    shown_messages = pairs.messages(pair, with_hidden=supervising)
    words = pairs.vocabulary(pair)
    # Finding #1: a partner without the tandem consent is left out for the other school (their name, messages,
    # notes and words); their own teachers see them marked.
    people = pair.users + [m.author for m in shown_messages] + [w.added_by for w in words]
    people += [note.user for s in logged for note in s.notes] + [s.logged_by for s in logged]
    hidden, lacking = consent.marks(user, people)
    if hidden:
        shown_messages = [m for m in shown_messages if m.author_id not in hidden]
        words = [w for w in words if w.added_by_id not in hidden]
    return render_template(
        "tandem/pair.html",
        pair=pair,
        shown=consent.shown_users(pair, hidden),
        hidden=hidden,
        lacking=lacking,
        messages=shown_messages,
        refusal=pairs.write_refusal(pair, user),
        supervising=supervising,
        member=pair.member(user),
        supervised=pair.round is not None,
        prompt=prompts.prompt_of_the_week(pair.id, pair_level(pair), today),
        topics=prompts.TOPICS,
        lang=str(get_locale()) if str(get_locale()) in ("de", "ru") else "de",
        sessions=logged,
        balance=pairs.balance(logged, today),
        vocabulary=words,
        message_form=forms.get("message_form") or MessageForm(),
        session_form=forms.get("session_form") or SessionForm(),
        word_form=forms.get("word_form") or WordForm(),
        learned=forms.get("learned") or {},
        meetings=pairs.upcoming_meetings(pair, utcnow()),
        zones=pairs.member_zones(pair),
        meeting_form=forms.get("meeting_form") or MeetingForm(),
    )


@bp.route("/pairs/<int:pair_id>")
@access("user")
def show_pair(pair_id: int):
    """A tandem pair's page."""
    return render_pair(get_pair_or_404(pair_id))


@bp.route("/pairs/<int:pair_id>/messages", methods=["POST"])
@access("user")
def post_message(pair_id: int):
    """Write to the partner."""
    pair = get_pair_or_404(pair_id)
    form = MessageForm()
    if form.validate_on_submit():
        message_id = run_form_action(  # the id is read before the commit, which expires the message
            form, "body", lambda: pairs.post_message(pair, current_user._get_current_object(), form.body.data).id
        )
        if message_id is not FAILED:
            return redirect(url_for("tandem.show_pair", pair_id=pair_id, _anchor=f"message-{message_id}"))
    return render_pair(pair, message_form=form), 400


@bp.route("/pairs/<int:pair_id>/sessions", methods=["POST"])
@access("user")
def log_session(pair_id: int):
    """Log a meeting of the pair."""
    pair = get_pair_or_404(pair_id)
    form = SessionForm()
    learned = {m.user_id: request.form.get(f"learned-{m.user_id}", "").strip() for m in pair.members}
    too_long = any(len(text) > LEARNED_LENGTH for text in learned.values())
    if form.validate_on_submit() and not too_long:
        data = {
            "held_on": form.held_on.data,
            "minutes_de": form.minutes_de.data,
            "minutes_ru": form.minutes_ru.data,
            "topics": form.topics.data or "",
            "learned": learned,
        }
        done = run_form_action(
            form, "held_on", lambda: pairs.log_session(pair, current_user._get_current_object(), data)
        )
        if done is not FAILED:
            flash(_("The session is logged."), "success")
            return redirect(url_for("tandem.show_pair", pair_id=pair.id, _anchor="sessions"))
    if too_long:
        form.topics.errors = [*form.topics.errors, _("What you learned can have at most 500 characters.")]
    return render_pair(pair, session_form=form, learned=learned), 400


@bp.route("/pairs/<int:pair_id>/vocabulary", methods=["POST"])
@access("user")
def add_word(pair_id: int):
    """Add a word to the pair's shared list."""
    pair = get_pair_or_404(pair_id)
    form = WordForm()
    if form.validate_on_submit():
        data = {"word": form.word.data, "translation": form.translation.data, "example": form.example.data or ""}
        done = run_form_action(form, "word", lambda: pairs.add_word(pair, current_user._get_current_object(), data))
        if done is not FAILED:
            flash(_("The word is on your list."), "success")
            return redirect(url_for("tandem.show_pair", pair_id=pair.id, _anchor="vocabulary"))
    return render_pair(pair, word_form=form), 400


@bp.route("/pairs/<int:pair_id>/meetings", methods=["POST"])
@access("user")
def plan_meeting(pair_id: int):
    """Plan a call or meeting; the time is entered in the viewer's zone and stored as one instant."""
    pair = get_pair_or_404(pair_id)
    form = MeetingForm()
    if form.validate_on_submit():
        local = datetime.combine(form.day.data, form.time.data, tzinfo=ZoneInfo(str(get_timezone())))
        done = run_form_action(
            form,
            "day",
            lambda: pairs.plan_meeting(
                pair,
                current_user._get_current_object(),
                local.astimezone(UTC),
                form.minutes.data,
                form.place.data or "",
            ),
        )
        if done is not FAILED:
            flash(_("The meeting is planned. Your partner has been told."), "success")
            return redirect(url_for("tandem.show_pair", pair_id=pair.id, _anchor="meetings"))
    return render_pair(pair, meeting_form=form), 400


@bp.route("/pairs/<int:pair_id>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@access("user")
def cancel_meeting(pair_id: int, meeting_id: int):
    """Call off a planned meeting."""
    return _pair_action(
        get_pair_or_404(pair_id), lambda p, u: pairs.cancel_meeting(p, u, meeting_id), _("The meeting is called off.")
    )


@bp.route("/pairs/<int:pair_id>/vocabulary.csv")
@access("user")
def export_vocabulary(pair_id: int):
    """The shared vocabulary list as a CSV file."""
    pair = get_pair_or_404(pair_id)
    header = [_("Word"), _("Translation"), _("Example sentence"), _("Added by")]
    words = pairs.vocabulary(pair)
    hidden = consent.hidden(current_user._get_current_object(), pair.users + [w.added_by for w in words])
    body = pairs.vocabulary_csv([w for w in words if w.added_by_id not in hidden], header)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="tandem-{pair.id}-vocabulary.csv"'},
    )


def _pair_action(pair: TandemPair, action, success: str, home: bool = False):
    if not ActionForm().validate_on_submit():
        refuse(400)
    run_action(lambda: action(pair, current_user._get_current_object()), success)
    return redirect(url_for("tandem.home") if home else url_for("tandem.show_pair", pair_id=pair.id))


@bp.route("/pairs/<int:pair_id>/pause", methods=["POST"])
@access("staff")
def pause_pair(pair_id: int):
    """A supervising teacher pauses the pair."""
    return _pair_action(
        get_pair_or_404(pair_id, "supervise"), lambda p, u: pairs.set_paused(p, u, True), _("The tandem is paused.")
    )


@bp.route("/pairs/<int:pair_id>/resume", methods=["POST"])
@access("staff")
def resume_pair(pair_id: int):
    """A supervising teacher lets a paused pair go on."""
    return _pair_action(
        get_pair_or_404(pair_id, "supervise"), lambda p, u: pairs.set_paused(p, u, False), _("The tandem goes on.")
    )


@bp.route("/pairs/<int:pair_id>/end", methods=["POST"])
@access("staff")
def end_pair(pair_id: int):
    """A supervising teacher ends the pair."""
    return _pair_action(get_pair_or_404(pair_id, "supervise"), pairs.end_pair, _("The tandem has ended."))


@bp.route("/pairs/<int:pair_id>/leave", methods=["POST"])
@access("user")
def leave_pair(pair_id: int):
    """A partner asks to leave the pair (the teachers decide; adults leave at once)."""
    pair = get_pair_or_404(pair_id)
    if pair.member(current_user) is None:
        abort(404)
    success = (
        _("Your teachers know that you would like to leave this tandem.") if pair.round else _("The tandem has ended.")
    )
    return _pair_action(pair, pairs.request_leave, success, home=pair.round is None)


bp.add_app_template_global(pairs.zone_times, "tandem_zone_times")
