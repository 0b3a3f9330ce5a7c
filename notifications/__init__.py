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
- ``notifications.admin``: ``list_dead``, ``count_dead``, ``retry_dead``, ``retry_all_dead``,
  ``mail_health`` (since when mail has been dying, how much is being retried).
- ``notifications.cluster``: ``once_per_cluster(engine, name)``, for a scheduled job that must
  run once however many workers run it (a PostgreSQL advisory lock).
- ``notifications.unsubscribe``: ``make_unsubscribe_token``, ``read_unsubscribe_token``.
- ``notifications.render`` / ``notifications.context``: templates (``templates/<lang>/``) and the
  data they are filled with.

Outbox statuses: ``pending`` (to deliver, or retried for the retry window), ``sent``, ``dead``
(given up: last error and ``dead_at`` kept; admin may send it again),
``held`` (waiting for the recipient's daily digest), ``digested`` (went out in a digest),
``cancelled`` (recipient turned mail off or left, or the meeting moved before delivery).
"""
