"""Reminders, the outbox and email: planning, rendering, SMTP delivery and the worker process."""
