"""Typed PTB context: the app's services and the actor behind the current update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.policy import Policy, load_policy
from bot.services.annual import AnnualService
from bot.services.calendar import WorkCalendar
from bot.services.flows import Flow
from bot.services.identity import Actor
from bot.services.kpi import KpiService
from bot.services.rating import RatingService


@dataclass
class AppServices:
    settings: Settings
    db: Database
    clock: Clock
    policy: Policy
    calendar: WorkCalendar
    kpi: KpiService
    rating: RatingService
    annual: AnnualService

    @classmethod
    def create(cls, settings: Settings, db: Database, clock: Clock) -> AppServices:
        policy = load_policy(settings.policy_file)
        calendar = WorkCalendar(policy.calendar)
        kpi = KpiService(policy, calendar)
        return cls(settings, db, clock, policy, calendar, kpi, RatingService(kpi),
                   AnnualService(policy, calendar))


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Shared by all handler groups of one update, so the gate can set `actor` once."""

    def __init__(self, application: Application, chat_id=None, user_id=None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None
        # The chat's flow as the update began (read with the actor, for typed messages only):
        # a feature handler ends the update, so the flow router sees it unchanged.
        self.flow: Flow | None = None

    @property
    def services(self) -> AppServices:
        return self.application.bot_data["services"]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def today(self) -> date:
        """Today in the province's time zone."""
        return self.clock.now().astimezone(self.services.settings.tz).date()
