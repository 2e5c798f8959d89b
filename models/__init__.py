"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

from models.access import InviteCode
from models.base import Base
from models.kpi import Entry, Evaluation, Evidence, Period, ProductType, Target
from models.notices import Notice, NoticeDelivery
from models.ops import (
    AuditLog,
    FlowState,
    InboundUpdate,
    ReminderLog,
    SchedulerLease,
    SendPace,
)
from models.org import Cadre, Delegation, Discipline, JobPosition, OrgUnit, RoleGrant
from models.training import TrainingRecord, TrainingRequirement

__all__ = [
    "AuditLog",
    "Base",
    "Cadre",
    "Delegation",
    "Discipline",
    "Entry",
    "Evaluation",
    "Evidence",
    "FlowState",
    "InboundUpdate",
    "InviteCode",
    "JobPosition",
    "Notice",
    "NoticeDelivery",
    "OrgUnit",
    "Period",
    "ProductType",
    "ReminderLog",
    "RoleGrant",
    "SchedulerLease",
    "SendPace",
    "Target",
    "TrainingRecord",
    "TrainingRequirement",
]
