import pytest

from hub.risk.conditions import (
    ConditionError,
    condition_check,
    condition_compile,
    condition_parse,
    condition_text,
)
from hub.risk.defaults import DEFAULT_RULES


def holds(text, **values):
    return condition_compile(condition_parse(text))(
        {name.replace("__", "."): value for name, value in values.items()}
    )


def test_a_comparison_is_stored_as_field_operator_and_value():
    assert condition_parse('credit.rating = "dishonest"') == {
        "field": "credit.rating",
        "op": "=",
        "value": "dishonest",
    }


def test_and_binds_tighter_than_or_and_parentheses_group():
    parsed = condition_parse(
        'credit.rating = "dishonest" or crosscheck.high >= 1 and (timeliness.hours < 0)'
    )
    assert parsed == {
        "any": [
            {"field": "credit.rating", "op": "=", "value": "dishonest"},
            {
                "all": [
                    {"field": "crosscheck.high", "op": ">=", "value": "1"},
                    {"field": "timeliness.hours", "op": "<", "value": "0"},
                ]
            },
        ]
    }


@pytest.mark.parametrize(
    "text",
    [
        'credit.aeo in ["suspended", "revoked"] and inspections.count >= 3',
        "(crosscheck.high >= 1 or crosscheck.medium >= 2) and not route.transshipped = true",
        'declaration.hs_codes starts with ["2402", "2403"]',
        'declaration.consignor_country not in ["DE", "FR"] or completeness.share < 0.25',
        'not (participation.channel = "excel" and timeliness.hours <= -1.5)',
        *[rule["condition"] for rule in DEFAULT_RULES],
    ],
)
def test_writing_a_condition_back_and_reading_it_again_gives_the_same_condition(text):
    parsed = condition_parse(text)
    assert condition_parse(condition_text(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("credit.ratings = 'x'", "no field “credit.ratings”"),
        ('credit.rating > "general"', "takes the operators"),
        ('credit.rating = "excellent"', "is one of"),
        ('inspections.count = "three"', "takes numbers"),
        ("inspections.count in 3", "takes a list in brackets"),
        ('route.transshipped = "yes"', "true or false"),
        ("declaration.hs_codes starts with 93", "takes text in quotes"),
        ("credit.rating =", "Expected a value"),
        ('credit.rating = "dishonest" credit.aeo = "none"', "join comparisons with and / or"),
        ("__import__('os').system('id')", "Cannot read"),
        ("", "Write a condition"),
        ("crosscheck.high >= 1 and (crosscheck.low >= 1", "Expected )"),
        ("((((((((((crosscheck.high >= 1))))))))))", "nests at most"),
    ],
)
def test_a_condition_that_cannot_be_stored_is_refused_saying_what_is_wrong(text, message):
    with pytest.raises(ConditionError) as refused:
        condition_parse(text)
    assert message in str(refused.value)


def test_a_stored_condition_is_checked_again_as_data():
    with pytest.raises(ConditionError):
        condition_check({"field": "credit.rating", "op": "eval", "value": "x"})
    with pytest.raises(ConditionError):
        condition_check({"all": []})
    with pytest.raises(ConditionError):
        condition_check({"field": "inspections.count", "op": ">", "value": "NaN"})


def test_numbers_compare_by_value():
    assert holds("inspections.hit_rate >= 0.25", inspections__hit_rate=0.25)
    assert not holds("inspections.hit_rate >= 0.25", inspections__hit_rate=0.2499)
    assert holds("timeliness.hours < -2", timeliness__hours=-2.5)
    assert holds("inspections.count in [3, 4]", inspections__count=4)


def test_on_a_list_field_a_comparison_holds_when_some_element_meets_it():
    codes = ["8482100000", "2402200000"]
    assert holds('declaration.hs_codes starts with ["2402", "2403"]', declaration__hs_codes=codes)
    assert holds('declaration.hs_codes = "8482100000"', declaration__hs_codes=codes)
    assert not holds('declaration.hs_codes starts with "93"', declaration__hs_codes=codes)
    assert not holds('declaration.hs_codes in ["2402200000"]', declaration__hs_codes=[])


def test_on_a_list_field_not_in_holds_when_no_element_is_in_the_list():
    assert holds(
        'declaration.origin_countries not in ["KP", "IR"]',
        declaration__origin_countries=["DE", "FR"],
    )
    assert not holds(
        'declaration.origin_countries not in ["KP", "IR"]',
        declaration__origin_countries=["DE", "IR"],
    )


def test_a_missing_value_meets_no_comparison_whatever_the_operator():
    assert not holds("completeness.share < 0.3", completeness__share=None)
    assert not holds("completeness.share >= 0.3", completeness__share=None)
    assert not holds("completeness.share != 0.3", completeness__share=None)
    assert holds("not completeness.share >= 0.3", completeness__share=None)


def test_text_with_quotes_and_backslashes_survives_being_written_back():
    parsed = condition_parse(r'declaration.office = "22\"01\\"')
    assert parsed["value"] == '22"01\\'
    assert condition_parse(condition_text(parsed)) == parsed
