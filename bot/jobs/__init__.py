"""Scheduled and background work: reminders, digests, the notices' outbox, the scheduler
lease. Wired only from bot.app (the composition root), which hands each job the screens it
sends: nothing here imports `handlers`."""
