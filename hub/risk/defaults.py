"""The rule set the hub starts with (version 1): written as officers write rules, so that it passes
the same checks as theirs. docs/risk.md explains each choice."""

GOODS_TYPES = (
    '["quantity", "net_weight", "origin", "hs_heading", "unmatched_item", "undeclared_goods"]'
)
VALUE_TYPES = '["value", "payment"]'

DEFAULT_SETTINGS = {
    "green_below": "30",
    "red_from": "60",
    "random_rates": {"green": "0.02", "blue": "0.02", "yellow": "0.02", "red": "0.02"},
    "expected_shares": {"green": "0.60", "blue": "0.05", "yellow": "0.25", "red": "0.10"},
}

DEFAULT_RULES = [
    {
        "key": "goods-differ-sharply",
        "name": "Goods differ sharply from the shared data",
        "condition": f"crosscheck.high_types in {GOODS_TYPES}",
        "floor": "red",
        "rationale": "What the declaration says of the goods (quantity, weight, origin, "
        "classification, items without shared lines) differs from the importer's own shared "
        "data by more than three times the tolerance: only looking at the goods settles which "
        "is true.",
    },
    {
        "key": "value-differs-sharply",
        "name": "Value differs sharply from the invoice or payments",
        "condition": f"crosscheck.high_types in {VALUE_TYPES}",
        "floor": "yellow",
        "rationale": "The declared value differs from the shared invoice or the bank payments by "
        "more than three times the tolerance: the valuation documents must explain it before "
        "release.",
    },
    {
        "key": "goods-differ",
        "name": "Goods differ from the shared data",
        "condition": f"crosscheck.medium_types in {GOODS_TYPES}",
        "floor": "yellow",
        "rationale": "The goods differ from the importer's shared data beyond the tolerance: "
        "the documents must explain the difference.",
    },
    {
        "key": "value-differs",
        "name": "Value differs from the invoice or payments",
        "condition": f"crosscheck.medium_types in {VALUE_TYPES}",
        "floor": "blue",
        "rationale": "The declared value differs from the shared invoice or the payments beyond "
        "the tolerance: the goods may go, and the valuation is audited after clearance.",
    },
    {
        "key": "dishonest-enterprise",
        "name": "Dishonest enterprise",
        "condition": 'credit.rating = "dishonest"',
        "floor": "red",
        "rationale": "China Customs' credit system rates the consignee a dishonest enterprise: "
        "its goods are inspected.",
    },
    {
        "key": "aeo-withdrawn",
        "name": "AEO status suspended or revoked",
        "condition": 'credit.aeo in ["suspended", "revoked"]',
        "floor": "yellow",
        "rationale": "The consignee's AEO certification was suspended or revoked: its "
        "declarations get document checks until it is restored.",
    },
    {
        "key": "frequent-differences",
        "name": "Frequent differences from its own shared data",
        "condition": "consistency.rate >= 0.3 and consistency.checked >= 5",
        "floor": "yellow",
        "rationale": "The enterprise's recent declarations often differ from the data it shares: "
        "a consistent one is not enough to release without documents until its record improves.",
    },
    {
        "key": "unrated-without-record",
        "name": "Unrated enterprise without a record of checks",
        "condition": 'consistency.checked < 5 and credit.rating = "unrated"',
        "floor": "yellow",
        "rationale": "The customs credit system has not rated the enterprise, and fewer than five "
        "of its declarations of the last year were checked against its shared data: nothing "
        "vouches for it yet, so its goods are not released without documents.",
    },
    {
        "key": "inspections-keep-finding",
        "name": "Inspections keep finding something",
        "condition": "inspections.hit_rate >= 0.25 and inspections.count >= 4",
        "floor": "yellow",
        "rationale": "At least a quarter of this enterprise's inspections in the last two years "
        "found a discrepancy or ended in a seizure.",
    },
    {
        "key": "recent-seizure",
        "name": "Seizure in the last two years",
        "condition": "inspections.seizures >= 1",
        "weight": "20",
        "rationale": "Goods of this enterprise were seized in the last two years.",
    },
    {
        "key": "sharer-without-data",
        "name": "Participant without shared data for this declaration",
        "condition": 'participation.agreement = "active" and crosscheck.outcome = "no_shared_data"',
        "weight": "15",
        "rationale": "The importer shares data with customs, but none matches this declaration: "
        "the cross-check that earns the low-risk lane could not be made.",
    },
    {
        "key": "partner-seizure",
        "name": "A partner was involved in a seizure",
        "condition": "partners.entity_seizures >= 1",
        "weight": "15",
        "rationale": "A company named in this supply chain was involved in a seizure in the last "
        "two years, with this importer or another.",
    },
    {
        "key": "arms",
        "name": "Arms and ammunition",
        "condition": 'declaration.hs_codes starts with "93"',
        "floor": "red",
        "rationale": "Arms and ammunition (HS chapter 93) need an import licence and are examined.",
    },
    {
        "key": "solid-waste",
        "name": "Solid waste",
        "condition": 'declaration.hs_codes starts with ["3915", "4707"]',
        "floor": "red",
        "rationale": "Waste plastics and recovered paper are solid waste, which China has "
        "prohibited importing since 2021.",
    },
    {
        "key": "tobacco",
        "name": "Tobacco products",
        "condition": 'declaration.hs_codes starts with ["2402", "2403"]',
        "weight": "10",
        "rationale": "Tobacco products carry high duties and are often smuggled.",
    },
    {
        "key": "transshipment",
        "name": "Consigned from a third country",
        "condition": "route.transshipped = true",
        "weight": "5",
        "rationale": "The goods originate in one country but are consigned from another: "
        "transshipment can disguise the origin, to escape anti-dumping duties for instance.",
    },
]
