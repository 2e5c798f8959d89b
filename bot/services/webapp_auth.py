"""Who opened the dashboard: Telegram's signed Mini App `initData`, checked exactly as
Telegram's Web App documentation specifies ("Validating data received via the Mini App",
core.telegram.org/bots/webapps), then mapped to the linked person.

    data_check_string = the received fields except `hash`, as `key=value` (value
                        URL-decoded), sorted by key, joined by "\\n"
    secret_key        = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash              = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))

`auth_date` older than the configured age is refused: a leaked URL or a copied header stops
working after it (CADREBOT_WEBAPP_MAX_AGE). Nothing of a refused `initData` is trusted."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity import Actor, actor_for

MAX_INIT_DATA = 8192  # Telegram's initData is well under 1 KB; anything far bigger is not it


class InitDataError(Exception):
    """`initData` refused; `reason` says why (for the log, never shown to the caller):
    "missing", "malformed", "signature", "stale", "no_user"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram account the signed data is about."""

    id: int
    first_name: str
    auth_date: int


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in sorted(fields.items()) if key != "hash")


def signature(fields: dict[str, str], bot_token: str) -> str:
    return hmac.new(secret_key(bot_token), data_check_string(fields).encode(),
                    hashlib.sha256).hexdigest()


def _fields(init_data: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a repeated key: which one was signed?
        raise InitDataError("malformed")
    return fields


def validate(init_data: str | None, bot_token: str, now: datetime,
             max_age_seconds: int) -> WebAppUser:
    """The user of a genuine, fresh `initData`; else InitDataError."""
    if not init_data:
        raise InitDataError("missing")
    if len(init_data) > MAX_INIT_DATA:
        raise InitDataError("malformed")
    fields = _fields(init_data)
    received = fields.get("hash", "")
    if not received or not hmac.compare_digest(received.lower().encode(),
                                               signature(fields, bot_token).encode()):
        raise InitDataError("signature")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InitDataError("malformed") from None
    age = now.timestamp() - auth_date
    if age > max_age_seconds or age < -60:  # a minute of clock skew into the future
        raise InitDataError("stale")
    try:
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("no_user") from None
    return WebAppUser(user_id, str(user.get("first_name", "")), auth_date)


def sign(user: dict, bot_token: str, auth_date: int, **extra: str) -> str:
    """`initData` as Telegram builds it for `user` (the sandbox's link and the tests)."""
    fields = {"auth_date": str(auth_date),
              "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")), **extra}
    fields["hash"] = signature(fields, bot_token)
    return urlencode(fields)


async def dashboard_actor(session: AsyncSession, init_data: str | None, bot_token: str,
                          now: datetime, max_age_seconds: int) -> Actor | None:
    """The linked person behind `initData` (None: a genuine account linked to nobody);
    InitDataError when the data is not genuine or too old."""
    user = validate(init_data, bot_token, now, max_age_seconds)
    return await actor_for(session, user.id, now)
