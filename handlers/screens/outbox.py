"""A notice as its recipient reads it, its acknowledgement button, and the composer's
progress line. Sent by the outbox worker (bot.jobs.outbox), which gets these functions from
the composition root, and by 🔔 Thông báo (opening a notice again, the preview)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _, fmt_number
from bot.services import notices
from models.enums import AckKind

if TYPE_CHECKING:
    from models import Notice

ACKNOWLEDGE = "nt:a:{delivery_id}"  # 🔔 Thông báo's button, until it declares it typed


def notice_text(notice: Notice) -> str:
    # stored as typed; escaped once, here, where it becomes HTML
    return _("📢 <b>Notice from the Organization Board</b>") + "\n\n" + html.escape(
        notice.text, quote=False)


def ack_markup(notice: Notice, delivery_id: int) -> InlineKeyboardMarkup | None:
    if notice.ack_kind == AckKind.ACK.value:
        label = _("✅ Received")
    elif notice.ack_kind == AckKind.REGISTER.value:
        label = _("📝 Register to attend")
    else:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        label, callback_data=ACKNOWLEDGE.format(delivery_id=delivery_id))]])


def progress_text(notice: Notice, stats: notices.Stats, done: bool) -> str:
    head = (_("✅ Notice #{id} sent.") if done else _("📣 Sending notice #{id}…")).format(
        id=notice.id)
    return head + "\n" + _("Sent {sent}/{total} · failed {failed} · blocked the bot {blocked} · "
                           "acknowledged {ack}").format(
        sent=fmt_number(stats.sent), total=fmt_number(stats.total),
        failed=fmt_number(stats.failed), blocked=fmt_number(stats.blocked),
        ack=fmt_number(stats.acknowledged))
