from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub.crosschecks.models import CrossCheck
from hub.crosschecks.tolerances import tolerances, tolerances_check
from tests.crosschecks.factories import changed, consignment, declaration, declare, share


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"value_relativ": "0.05"}, "no tolerance 'value_relativ'"),
        ({"value_relative": "five percent"}, "value_relative='five percent'"),
        ({"value_relative": "-0.01"}, "give a number of 0 or more"),
    ],
)
def test_a_mistyped_tolerance_stops_the_hub_saying_which(settings, override, problem):
    settings.CROSSCHECK_TOLERANCES = {**settings.CROSSCHECK_TOLERANCES, **override}

    [error] = tolerances_check(None)
    assert problem in error.msg
    with pytest.raises(ImproperlyConfigured, match=problem.replace("(", r"\(")):
        tolerances()


def test_the_tolerances_in_force_are_read_as_decimals(settings):
    settings.CROSSCHECK_TOLERANCES = {**settings.CROSSCHECK_TOLERANCES, "value_relative": "0.5"}

    assert tolerances()["value_relative"] == Decimal("0.5")
    assert tolerances_check(None) == []


@pytest.mark.django_db
def test_a_difference_within_a_widened_tolerance_is_no_finding(trader, jobs, settings):
    settings.CROSSCHECK_TOLERANCES = {**settings.CROSSCHECK_TOLERANCES, "value_relative": "0.35"}
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", changed(index=1, value=Decimal("36400.00"))))

    assert CrossCheck.objects.get().outcome == CrossCheck.Outcome.CONSISTENT
