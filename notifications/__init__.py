"""Reminders, the outbox and email: rendering, delivery and the worker process.

The decisions (a reminder fires, an email is queued) are rows written by ``workflow``
(``workflow.outbox``, ``workflow.reminders``); this package turns rows into messages.

Entry points for the other areas:

- ``notifications.worker``: ``run_worker`` (``soglasie worker``), ``start_worker_thread(engine,
  settings, transport=None) -> handle`` with ``handle.stop()`` (the demo's single process),
  ``Worker`` (the jobs, callable one by one).
- ``notifications.transports``: ``register_transport(channel, factory)``; ``TransientFailure`` /
  ``PermanentFailure``; email senders ``transports.smtp.SmtpSender`` and
  ``transports.mailbox.MailboxSender`` (the demo mailbox, table ``mailbox_messages``).
- ``notifications.admin``: ``list_dead``, ``count_dead``, ``retry_dead``, ``retry_all_dead``.
- ``notifications.unsubscribe``: ``make_unsubscribe_token``, ``read_unsubscribe_token``.
- ``notifications.render`` / ``notifications.context``: templates (``templates/<lang>/``) and the
  data they are filled with.

Outbox statuses: ``pending`` (to deliver), ``sent``, ``dead`` (last error kept; admin may retry),
``held`` (waiting for the recipient's daily digest), ``digested`` (went out in a digest),
``cancelled`` (recipient turned mail off or left, or the meeting moved before delivery).
"""
