"""Which assigned tasks count (issue #24): the open statuses, those whose items count in a
period, and "this product is tracked as tasks in this period" as an SQL condition. Apart
from bot/services/tasks.py so that the entry steps (bot/services/kpi.py, which tasks.py
imports) can ask it in the same statement as the entry."""

from __future__ import annotations

from sqlalchemy import exists

from models import Task
from models.enums import TaskStatus

OPEN = (TaskStatus.ASSIGNED.value, TaskStatus.DELIVERED.value, TaskStatus.RETURNED.value)
COUNTED = (*OPEN, TaskStatus.ACCEPTED.value)  # a cancelled task counts nowhere


def tracked_in_period(cadre_id, product_type_id, starts_on, ends_on):
    """"This product is tracked as tasks in this period of the cadre" (see
    bot/services/tasks.py: `tracked_products`) as an SQL condition: columns or values."""
    return exists().where(Task.cadre_id == cadre_id, Task.product_type_id == product_type_id,
                          Task.status.in_(COUNTED), Task.deadline >= starts_on,
                          Task.deadline <= ends_on)
