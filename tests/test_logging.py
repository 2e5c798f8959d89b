import logging

from bot.logging_setup import RedactingFilter


def test_token_and_phones_are_masked():
    flt = RedactingFilter(["123456:SECRETSECRETSECRETSECRET"])
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1,
        "POST https://api.telegram.org/bot123456:SECRETSECRETSECRETSECRET/sendMessage to %s",
        ("+84912345678",), None,
    )
    flt.filter(record)
    text = record.getMessage()
    assert "SECRET" not in text
    assert "912345" not in text and text.endswith("678")


def test_exception_text_is_redacted():
    flt = RedactingFilter(["99999:TOPSECRETTOPSECRETTOPSECRET"])
    try:
        raise RuntimeError("failed calling bot99999:TOPSECRETTOPSECRETTOPSECRET with 0912345678")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    flt.filter(record)
    assert "TOPSECRET" not in record.exc_text and "0912345678" not in record.exc_text
