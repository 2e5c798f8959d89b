"""The dashboard's authentication: Telegram's signed initData, with vectors built the way
Telegram builds them (bot/services/webapp_auth.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.services.webapp_auth import InitDataError, sign, validate

TOKEN = "123456789:AAEexampleexampleexampleexample12345"
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
AUTH = int(NOW.timestamp()) - 60
USER = {"id": 424242, "first_name": "Lan", "language_code": "vi"}
DAY = 86400


def telegram_init_data(fields: dict[str, str], token: str = TOKEN) -> str:
    """Built independently of the module, straight from Telegram's documentation."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def genuine(**changes) -> dict[str, str]:
    fields = {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc", "auth_date": str(AUTH),
              "user": json.dumps(USER, separators=(",", ":"), ensure_ascii=False)}
    fields.update(changes)
    return fields


def test_a_genuine_init_data_gives_the_user():
    user = validate(telegram_init_data(genuine()), TOKEN, NOW, DAY)
    assert (user.id, user.first_name, user.auth_date) == (424242, "Lan", AUTH)


def test_sign_builds_what_telegram_builds():
    built = sign(USER, TOKEN, AUTH, query_id="AAHdF6IQAAAAAN0XohDhrOrc")
    assert dict(parse_qsl(built)) == dict(parse_qsl(telegram_init_data(genuine())))


@pytest.mark.parametrize("field", ["query_id", "auth_date", "user", "hash"])
def test_each_field_tampered_is_refused(field):
    fields = dict(parse_qsl(telegram_init_data(genuine())))
    fields[field] = {"query_id": "AAHdF6IQAAAAAN0XohDhrOrd",
                     "auth_date": str(AUTH + 1),
                     "user": json.dumps({**USER, "id": 1}, separators=(",", ":")),
                     "hash": "0" * 64}[field]
    with pytest.raises(InitDataError) as refused:
        validate(urlencode(fields), TOKEN, NOW, DAY)
    assert refused.value.reason == "signature"


def test_an_added_or_removed_field_is_refused():
    fields = dict(parse_qsl(telegram_init_data(genuine())))
    for changed in ({**fields, "chat_type": "private"},
                    {k: v for k, v in fields.items() if k != "query_id"}):
        with pytest.raises(InitDataError):
            validate(urlencode(changed), TOKEN, NOW, DAY)


def test_another_bots_token_is_refused():
    other = "987654321:AAFanotheranotheranotheranother99"
    with pytest.raises(InitDataError) as refused:
        validate(telegram_init_data(genuine(), other), TOKEN, NOW, DAY)
    assert refused.value.reason == "signature"


def test_stale_auth_date_is_refused_and_the_limit_is_configurable():
    old = telegram_init_data(genuine(auth_date=str(int(NOW.timestamp()) - DAY - 1)))
    with pytest.raises(InitDataError) as refused:
        validate(old, TOKEN, NOW, DAY)
    assert refused.value.reason == "stale"
    assert validate(old, TOKEN, NOW, 2 * DAY).id == 424242
    future = telegram_init_data(genuine(auth_date=str(int(NOW.timestamp()) + 3600)))
    with pytest.raises(InitDataError):
        validate(future, TOKEN, NOW, DAY)


@pytest.mark.parametrize("init_data", [None, "", "hash=", "garbage", "a=1&a=2",
                                       "x" * 10000])
def test_missing_or_malformed_is_refused(init_data):
    with pytest.raises(InitDataError):
        validate(init_data, TOKEN, NOW, DAY)


def test_signed_without_a_user_is_refused():
    fields = genuine()
    del fields["user"]
    with pytest.raises(InitDataError) as refused:
        validate(telegram_init_data(fields), TOKEN, NOW, DAY)
    assert refused.value.reason == "no_user"
