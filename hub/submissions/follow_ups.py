"""What happens after consignments are stored. Apps that act on shared data (partner linking,
matching to declarations) register a function here in their AppConfig.ready(); ingest records one
outbox job per submission that calls each of them with the new revisions' ids.

    follow_up_register(partner_link_revisions)   # def partner_link_revisions(*, revision_ids)

Each function must be idempotent: a job can run again after a failure."""

FOLLOW_UPS: list = []


def follow_up_register(function) -> None:
    if function not in FOLLOW_UPS:
        FOLLOW_UPS.append(function)


def follow_ups_run(*, revision_ids: list[int]) -> None:
    for function in FOLLOW_UPS:
        function(revision_ids=revision_ids)
