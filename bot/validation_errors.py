"""One Vietnamese sentence for a value pydantic refused, naming what was expected, for the
operator's configuration (environment, .env) and the policy file: pydantic's own text is an
English block of several lines."""

from __future__ import annotations

from bot.i18n import N_, _, fmt_figure

EXPECTED = {
    "missing": N_("a value is required"),
    "extra_forbidden": N_("unknown key (misspelt?)"),
    "int_parsing": N_("expected a whole number"),
    "int_type": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number"),
    "float_parsing": N_("expected a number"),
    "float_type": N_("expected a number"),
    "bool_parsing": N_("expected yes/no (true or false)"),
    "bool_type": N_("expected yes/no (true or false)"),
    "string_type": N_("expected a text"),
    "list_type": N_("expected a list"),
    "dict_type": N_("expected a group of keys"),
    "model_type": N_("expected a group of keys"),
    "date_parsing": N_("expected a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("expected a date (YYYY-MM-DD)"),
    "time_parsing": N_("expected a time (HH:MM)"),
    "url_parsing": N_("expected a web address"),
}
BOUNDS = {
    "greater_than": N_("must be greater than {limit}"),
    "greater_than_equal": N_("must be at least {limit}"),
    "less_than": N_("must be less than {limit}"),
    "less_than_equal": N_("must be at most {limit}"),
    "too_short": N_("needs at least {limit} items"),
    "too_long": N_("allows at most {limit} items"),
    "string_too_short": N_("needs at least {limit} characters"),
    "string_too_long": N_("allows at most {limit} characters"),
}
BOUND_CONTEXT = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt",
                 "less_than_equal": "le", "too_short": "min_length", "too_long": "max_length",
                 "string_too_short": "min_length", "string_too_long": "max_length"}


def describe(error: dict) -> str:
    """What was wrong with the value, in Vietnamese (our own validators' messages already
    are: they are raised through gettext)."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in EXPECTED:
        return _(EXPECTED[kind])
    if kind in BOUNDS:
        limit = context.get(BOUND_CONTEXT[kind], "?")
        if isinstance(limit, int | float) and not isinstance(limit, bool):
            limit = fmt_figure(limit)  # 1 and 0,5, the way the province writes numbers
        return _(BOUNDS[kind]).format(limit=limit)
    if kind in ("literal_error", "enum"):
        return _("expected one of: {choices}").format(choices=context.get("expected", "?"))
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _("invalid value")


def location(error: dict) -> str:
    """scoring.bands.0.min, the way the key is written in the file."""
    return ".".join(str(part) for part in error.get("loc", ()))
