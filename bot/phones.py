"""Vietnamese phone numbers in any common writing -> E.164 (via `phonenumbers`)."""

from __future__ import annotations

import phonenumbers

REGION = "VN"


def normalize_phone(raw: str | None) -> str | None:
    """'0912 345 678', '+84 912…', '84912…', '0912.345.678' -> '+84912345678'.

    Returns None when the text is not a valid phone number.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    # Telegram sends contacts without '+', and rosters often write 84… the same way.
    if not text.startswith("+") and digits.startswith("84") and len(digits) >= 11:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str | None) -> str:
    """For logs: keep only the last three digits."""
    if not phone:
        return "-"
    return "*" * max(len(phone) - 3, 0) + phone[-3:]
