"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

from models.access import InviteCode
from models.base import Base
from models.kpi import (
    AnnualList,
    Appeal,
    Entry,
    EntryAdjustment,
    Evaluation,
    Evidence,
    Feedback,
    Period,
    ProductType,
    Target,
)
from models.notices import Notice, NoticeDelivery
from models.ops import (
    AuditLog,
    ChatImport,
    DashboardView,
    FlowState,
    InboundUpdate,
    ReminderLog,
    SchedulerLease,
    SendPace,
)
from models.org import (
    AgencyRating,
    Cadre,
    Delegation,
    Discipline,
    JobPosition,
    LeaderScope,
    Leave,
    OrgUnit,
    PastRating,
    RoleGrant,
)
from models.tasks import Task, TaskEvent
from models.training import TrainingRecord, TrainingRequirement

__all__ = [
    "AgencyRating",
    "Appeal",
    "AnnualList",
    "AuditLog",
    "Base",
    "Cadre",
    "ChatImport",
    "DashboardView",
    "Delegation",
    "Discipline",
    "Entry",
    "EntryAdjustment",
    "Evaluation",
    "Evidence",
    "Feedback",
    "FlowState",
    "InboundUpdate",
    "InviteCode",
    "JobPosition",
    "LeaderScope",
    "Leave",
    "Notice",
    "NoticeDelivery",
    "OrgUnit",
    "PastRating",
    "Period",
    "ProductType",
    "ReminderLog",
    "RoleGrant",
    "SchedulerLease",
    "SendPace",
    "Target",
    "Task",
    "TaskEvent",
    "TrainingRecord",
    "TrainingRequirement",
]
