import pytest

from hub.partners.matching import (
    MERGE_THRESHOLD,
    REVIEW_THRESHOLD,
    blocking_keys,
    name_key,
    name_score,
    pair_decision,
    pair_score,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Robert Bosch GmbH", "robert bosch"),
        ("Volvo Car Aktiebolag", "volvo car"),
        ("Heineken Nederland B.V.", "heineken nederland"),
        ("Murata Manufacturing Co., Ltd.", "murata manufacturing"),
        ("Grupo Bimbo, S.A.B. de C.V.", "bimbo"),
        ("Shin-Etsu Chemical K.K.", "shin etsu chemical"),
        ("A.P. Møller - Mærsk A/S", "ap moller marsk"),
        ("Kühne + Nagel (AG & Co.) KG", "kuhne nagel"),
        ("ПАО «Северсталь»", "severstal"),
        ("ΟΛΥΜΠΙΑΚΗ ΑΕ", "olympiaki"),  # noqa: RUF001
        ("上海振华重工（集团）股份有限公司", "上海振华重工"),  # noqa: RUF001
        ("トヨタ自動車(株)", "トヨタ自動車"),
        ("PT Astra International Tbk", "astra international"),
    ],
)
def test_a_name_key_folds_script_punctuation_and_legal_forms(name, key):
    assert name_key(name).key == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Müller Maschinenbau GmbH", "Mueller Maschinenbau GmbH"),
        ("Hapag-Lloyd AG", "Hapag Lloyd AG"),
        ("Wan Hai Lines Ltd.", "Wanhai Lines Ltd"),
        ("Richter Gedeon Nyrt.", "Gedeon Richter Plc."),
        ("ООО «Деловые Линии»", "Delovye Linii LLC"),  # noqa: RUF001
        ("Acme International Trading Co.", "Acme Intl Trading Co"),
    ],
)
def test_variants_of_one_name_score_as_the_same_name(a, b):
    assert name_score(a, b) == 100


def test_a_spelling_difference_goes_to_an_officer_and_never_merges_alone():
    typo = name_score("Evergreen Marine Corp.", "Evergren Marine Corp.")
    other_family = name_score("Schmidt Spedition GmbH", "Schmitt Spedition GmbH")

    assert REVIEW_THRESHOLD <= typo < MERGE_THRESHOLD
    assert REVIEW_THRESHOLD <= other_family < MERGE_THRESHOLD
    same_address = "Am Campeon 1-15, 85579 Neubiberg"
    assert (
        pair_decision(
            pair_score(
                "Infineon Technologies AG", same_address, "Infenion Technologies AG", same_address
            )
        )
        == "review"
    )


def test_an_acronym_or_an_added_city_is_for_an_officer_to_confirm():
    assert pair_decision(name_score("International Business Machines Corp.", "IBM Corp.")) == (
        "review"
    )
    assert (
        pair_decision(
            name_score("Huawei Technologies Co., Ltd.", "Shenzhen Huawei Technologies Co Ltd")
        )
        == "review"
    )


def test_names_of_different_places_are_kept_apart():
    score = name_score("Zhejiang Sunrise Textile Co., Ltd.", "Jiangsu Sunrise Textile Co., Ltd.")

    assert pair_decision(score) == "apart"


def test_the_same_name_at_a_different_address_goes_to_an_officer():
    score = pair_score(
        "Lange Logistik GmbH",
        "Am Hafen 2, 47119 Duisburg",
        "Lange Logistik GmbH",
        "Bahnhofstraße 41, 89073 Ulm",
    )

    assert pair_decision(score) == "review"


def test_blocking_keeps_countries_apart_and_meets_word_order_and_acronyms():
    assert not blocking_keys("Siemens AG", "DE") & blocking_keys("Siemens AG", "AT")
    assert blocking_keys("Ningbo Joyson Electronic Corp.", "CN") & blocking_keys(
        "Joyson Electronic Corp. (Ningbo)", "CN"
    )
    assert blocking_keys("Bayerische Motoren Werke AG", "DE") & blocking_keys("BMW AG", "DE")


def test_names_that_are_nothing_but_a_legal_form_match_nothing():
    assert name_score("有限公司", "株式会社") == 0
    assert blocking_keys("有限公司", "CN") == set()
