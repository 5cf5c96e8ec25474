"""The tolerances of matching and cross-checking, from settings.CROSSCHECK_TOLERANCES (which the
environment overrides, see docs/crosschecks.md). A difference within its tolerance is not a
finding; officers read the values in force on a page of their own."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class Kind:
    FRACTION = "fraction"  # shown as a percentage
    FACTOR = "factor"
    HOURS = "hours"
    DAYS = "days"
    SCORE = "score"  # name likeness, 0 to 100


@dataclass(frozen=True)
class Tolerance:
    key: str
    kind: str
    label: str
    meaning: str


TOLERANCES = [
    Tolerance(
        "quantity_relative",
        Kind.FRACTION,
        _("Quantity"),
        _(
            "How far the declared quantity of an item may be from the shared lines' total, "
            "once both are in the same unit."
        ),
    ),
    Tolerance(
        "net_weight_relative",
        Kind.FRACTION,
        _("Net weight"),
        _("How far the declared net weight may be from the shared lines' total net weight."),
    ),
    Tolerance(
        "value_relative",
        Kind.FRACTION,
        _("Value"),
        _(
            "How far the declared value may be from the shared lines' value, converted into "
            "the declaration's currency with the daily rate of the declaration day and brought "
            "to the declaration's trade terms with its stated freight and insurance."
        ),
    ),
    Tolerance(
        "freight_insurance_margin",
        Kind.FRACTION,
        _("Freight and insurance margin"),
        _(
            "Added to the value tolerance when the trade terms of the two sides differ and the "
            "declaration does not state the freight or insurance that separates them."
        ),
    ),
    Tolerance(
        "payment_relative",
        Kind.FRACTION,
        _("Bank payments"),
        _(
            "How much the bank payments for the declaration's invoice may exceed the declared "
            "value before it is a finding."
        ),
    ),
    Tolerance(
        "high_severity_factor",
        Kind.FACTOR,
        _("High severity"),
        _("A difference beyond this many times its tolerance is of high severity."),
    ),
    Tolerance(
        "late_sharing_grace_hours",
        Kind.HOURS,
        _("Late sharing"),
        _(
            "How long after the estimated arrival, or after the declaration was lodged, the "
            "data may first be shared before it counts as shared late."
        ),
    ),
    Tolerance(
        "consignor_similarity",
        Kind.SCORE,
        _("Consignor likeness"),
        _(
            "How alike (0 to 100, legal forms and spelling folded) the declared consignor's "
            "name must be to a partner the consignee registered in the same country."
        ),
    ),
    Tolerance(
        "exchange_rate_max_age_days",
        Kind.DAYS,
        _("Exchange rate age"),
        _(
            "The oldest daily rate used when the declaration day has none; without a rate the "
            "values are not compared and the cross-check says so."
        ),
    ),
    Tolerance(
        "match_window_days",
        Kind.DAYS,
        _("Matching window"),
        _(
            "Without a shared identifier, a consignment is matched only if it arrives within "
            "this many days of the declaration."
        ),
    ),
    Tolerance(
        "match_seller_similarity",
        Kind.SCORE,
        _("Matching: seller likeness"),
        _(
            "Without a shared identifier, how alike (0 to 100) the consignment's seller must be "
            "to the declared consignor."
        ),
    ),
    Tolerance(
        "match_value_relative",
        Kind.FRACTION,
        _("Matching: value likeness"),
        _(
            "Without a shared identifier, how far the consignment's total value may be from the "
            "declared total."
        ),
    ),
    Tolerance(
        "container_window_days",
        Kind.DAYS,
        _("Container window"),
        _(
            "Containers are reused: a container number matches only consignments arriving "
            "within this many days of the declaration."
        ),
    ),
]
TOLERANCE_KEYS = {tolerance.key for tolerance in TOLERANCES}


def _parsed(configured: dict) -> tuple[dict[str, Decimal], list[str]]:
    values, problems = {}, []
    for key in sorted(set(configured) - TOLERANCE_KEYS):
        problems.append(
            f"CROSSCHECK_TOLERANCES has no tolerance {key!r}; the known ones are "
            f"{', '.join(sorted(TOLERANCE_KEYS))}."
        )
    for key in sorted(TOLERANCE_KEYS):
        try:
            value = Decimal(str(configured[key]).strip())
        except KeyError:
            problems.append(f"CROSSCHECK_TOLERANCES lacks {key!r}.")
            continue
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            problems.append(
                f"CROSSCHECK_TOLERANCES {key}={configured[key]!r}: give a number of 0 or more."
            )
            continue
        values[key] = value
    return values, problems


def tolerances() -> dict[str, Decimal]:
    """The tolerances in force, by key."""
    values, problems = _parsed(settings.CROSSCHECK_TOLERANCES)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
    return values


@register()
def tolerances_check(app_configs, **kwargs):
    """A mistyped tolerance stops the hub at start-up, not the first cross-check."""
    _values, problems = _parsed(settings.CROSSCHECK_TOLERANCES)
    return [Error(problem, id="crosschecks.E001") for problem in problems]


def tolerance_display(key: str, value: Decimal) -> str:
    """A tolerance as officers read it: 3 %, 48 hours, 90 of 100."""
    kind = next(tolerance.kind for tolerance in TOLERANCES if tolerance.key == key)
    if kind == Kind.FRACTION:
        return f"{(value * 100).normalize():f} %"
    if kind == Kind.HOURS:
        return _("%(count)s hours") % {"count": f"{value.normalize():f}"}
    if kind == Kind.DAYS:
        return _("%(count)s days") % {"count": f"{value.normalize():f}"}
    if kind == Kind.SCORE:
        return _("%(score)s of 100") % {"score": f"{value.normalize():f}"}
    return _("%(factor)s times") % {"factor": f"{value.normalize():f}"}
