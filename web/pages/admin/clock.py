"""``/admin/clock``: the demo's simulated clock (``workflow.demo_clock``), demo mode only.

An administrator trying the demo moves time forward by an hour, a day or a week, or makes it
run faster, and watches the reminders, escalations and digests due by then arrive in the demo
mailbox at the worker's next round. Outside demo mode (``SOGLASIE_ENV`` is not ``demo``) the
pages do not exist: 404, so production has no way to move its clock.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.current import engine, settings
from web.pages.admin import bp
from workflow.demo_clock import MAX_SPEED, SimulatedClock
from workflow.errors import InvalidInput, NotFound

STEPS = {
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(days=7),
}
SPEEDS = (1, 60, 600, 3600)


def _clock() -> SimulatedClock:
    clock = engine().clock
    if settings().env != "demo" or not isinstance(clock, SimulatedClock):
        raise NotFound(_("The simulated clock exists only in the demo."))
    return clock


@bp.get("/clock")
def clock():
    simulated = _clock()
    state = simulated.state()
    return render_template(
        "admin/clock.html",
        now=simulated.now(),
        speed=state.speed if state else 1.0,
        moved=state is not None,
        speeds=SPEEDS,
        max_speed=MAX_SPEED,
    )


@bp.post("/clock/advance")
def clock_advance():
    simulated = _clock()
    step = STEPS.get(request.form.get("by", ""))
    if step is None:
        raise InvalidInput(_("Move the clock by an hour, a day or a week."))
    simulated.advance(step)
    flash(
        _(
            "The clock now shows %(now)s. What came due by then arrives in the demo mailbox "
            "at the worker's next round, within a minute.",
            now=_format(simulated.now()),
        ),
        "success",
    )
    return redirect(url_for("admin.clock"), 303)


@bp.post("/clock/speed")
def clock_speed():
    simulated = _clock()
    try:
        speed = float(request.form.get("speed", ""))
        simulated.set(speed=speed)
    except ValueError:
        raise InvalidInput(
            _("The speed is a number above 0 and at most %(max)d.", max=int(MAX_SPEED))
        ) from None
    flash(_("Time now runs %(speed)s times faster.", speed=f"{speed:g}"), "success")
    return redirect(url_for("admin.clock"), 303)


def _format(value: dt.datetime) -> str:
    from web.formatting import fdatetime

    return fdatetime(value)


@bp.context_processor
def _clock_in_the_menu():
    """The administration menu links the clock (and the mailbox names its time) in the demo."""
    clock = engine().clock
    shown = settings().env == "demo" and isinstance(clock, SimulatedClock)
    return {"demo_clock_shown": shown, "demo_clock_now": clock.now() if shown else None}
