"""Time-driven work as rows: planning reminders and deadlines, firing them, and the what-if
timeline that lists them.

- ``plan_meeting_reminders``: the engine handler for the meeting events (reminders to the invited
  regions, proposal and report deadlines, invitation / update / cancellation emails);
  task reminders and escalations are planned by ``workflow.services.tasks``.
- ``fire_due_reminders``: one sweep batch; the worker calls it on a clock.
- ``workflow.reminders.timeline``: every planned deadline and reminder of a case or a meeting.

Pure SQLAlchemy: no scheduler, no mail transport. Rendering and delivery are ``notifications``'.
"""

from workflow.reminders.meetings import MeetingPlanner, plan_meeting_reminders
from workflow.reminders.sweep import SweepResult, fire_due_reminders

__all__ = ["MeetingPlanner", "SweepResult", "fire_due_reminders", "plan_meeting_reminders"]
