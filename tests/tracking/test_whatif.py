"""The process-delay model of the air-cargo paper (seed 002): Eq. (1) and Eq. (2) on examples
small enough to compute by hand, and the paper's findings on its example shape (15 flights,
670 cargos)."""

from decimal import Decimal

import pytest

from hub.tracking.whatif import (
    PAPER_PAYMENT_STAGE,
    RFID_CUTS,
    TACT_FLIGHT_CARGOS,
    Cargo,
    Dispatch,
    InvalidFigures,
    Process,
    Scenario,
    Stage,
    compare,
    flights_of,
    paper_example,
    paper_scenarios,
    simulate,
)


def cargo(flight, minute, items=4, delay_cost="1.00", storage_cost="2.00"):
    return Cargo(
        flight=flight,
        arrival_minute=minute,
        items=items,
        delay_cost_per_item_hour=Decimal(delay_cost),
        storage_cost_per_hour=Decimal(storage_cost),
    )


def times(outcome, what):
    """waiting or total time of each cargo at each stage, cargos in the order given."""
    return [[getattr(passage, what) for passage in cargo] for cargo in outcome.passages]


def test_eq1_gives_the_waiting_and_total_time_of_a_hand_computed_example():
    # Two stages of one team each: 10 minutes at the first, 15 at the second. Three flights of
    # one cargo each, at minutes 0 (a), 5 (b) and 30 (c). Eq. (1) per stage u:
    #   t[u,c] = max(A[u,c-1] + t[u,c-1] - A[u,c] - S[c-1,c], 0) + I[u]
    # a, stage 1: first cargo: t = I = 10; A at stage 2 = 10; stage 2: t = 15.   Total 25.
    # b, stage 1: S = 5:  max(0 + 10 - 0 - 5, 0) = 5 waiting, t = 5 + 10 = 15.
    #    stage 2: A = 15: max(10 + 15 - 15 - 5, 0) = 5 waiting, t = 5 + 15 = 20.  Total 35.
    # c, stage 1: S = 25: max(0 + 15 - 0 - 25, 0) = 0, t = 10.
    #    stage 2: A = 10: max(15 + 20 - 10 - 25, 0) = 0, t = 15.                  Total 25.
    process = Process(
        stages=(
            Stage("first", teams=1, handling_minutes=10),
            Stage("second", teams=1, handling_minutes=15),
        )
    )
    cargos = [cargo(1, 0), cargo(2, 5), cargo(3, 30)]

    outcome = simulate(process, cargos)

    assert times(outcome, "waiting") == [[0, 0], [5, 5], [0, 0]]
    assert times(outcome, "total") == [[10, 15], [15, 20], [10, 15]]
    assert outcome.mean_total == pytest.approx(85 / 3)
    # Eq. (2): each cargo costs e·N + W = 1.00 · 4 + 2.00 = 6.00 an hour, for 85 minutes in
    # all: 8.50, of which the delay 4.00 · 85/60 = 5.67 and the storage 2.00 · 85/60 = 2.83.
    assert outcome.delay_cost == Decimal("5.67")
    assert outcome.storage_cost == Decimal("2.83")
    assert outcome.inventory_cost == Decimal("8.50")


def test_the_saving_of_a_scenario_is_the_difference_of_inventory_costs():
    # The example above without the rule that a flight waits for the previous one to leave a
    # stage. One more team at the first stage: b starts there at minute 5 and leaves at 15, then
    # waits at the second stage until a leaves it at 25: 10 minutes instead of 5 + 5. The delay
    # moves downstream, b spends 35 minutes either way and nothing is saved.
    process = Process(
        stages=(
            Stage("first", teams=1, handling_minutes=10),
            Stage("second", teams=1, handling_minutes=15),
        ),
        flights_in_order=False,
    )
    cargos = [cargo(1, 0), cargo(2, 5), cargo(3, 30)]

    comparison = compare(process, cargos, [Scenario("two teams first", extra_teams={0: 1})])

    [result] = comparison.scenarios
    assert times(result.outcome, "waiting") == [[0, 0], [0, 10], [0, 0]]
    assert result.difference.inventory_saving == Decimal("0.00")
    # Cut the second stage to no time at all: every cargo saves its 15 minutes there and b its
    # 5 minutes of waiting: 50 minutes at 6.00 an hour.
    automated = compare(process, cargos, [Scenario("automated", handling_cut={1: 1.0})])
    assert automated.scenarios[0].difference.inventory_saving == Decimal("5.00")


def test_a_cargo_goes_to_the_team_that_comes_free_first():
    process = Process(stages=(Stage("check", teams=2, handling_minutes=10),))

    outcome = simulate(process, [cargo(1, 0), cargo(1, 0), cargo(1, 0)])

    assert sorted(wait for [wait] in times(outcome, "waiting")) == [0, 0, 10]
    assert sorted(passage.team for [passage] in outcome.passages) == [0, 0, 1]


def test_a_flight_waits_until_the_previous_flight_has_left_the_stage():
    # Two teams of 10 minutes; flight 1 brings three cargos at minute 0, flight 2 one at minute 1.
    # The third cargo of flight 1 keeps a team until minute 20: under the terminal's rule the
    # cargo of flight 2 waits for it although the other team is free at minute 10.
    stages = (Stage("check", teams=2, handling_minutes=10),)
    cargos = [cargo(1, 0), cargo(1, 0), cargo(1, 0), cargo(2, 1)]

    in_order = simulate(Process(stages=stages, flights_in_order=True), cargos)
    free_for_all = simulate(Process(stages=stages, flights_in_order=False), cargos)

    assert in_order.passages[3][0].waiting == 19
    assert free_for_all.passages[3][0].waiting == 9


def test_priority_dispatching_takes_the_cargo_with_the_highest_delay_cost_first():
    # One team of 10 minutes and one flight of three cargos whose delay costs 1, 5 and 3 an
    # hour: by priority they wait 20, 0 and 10 minutes, a delay cost of
    # (1·30 + 5·10 + 3·20) / 60 = 2.33, the least any order gives.
    process = Process(stages=(Stage("payment", teams=1, handling_minutes=10),))
    cargos = [cargo(1, 0, items=1, delay_cost=cost, storage_cost="0") for cost in "153"]

    first_come = compare(process, cargos, [Scenario("priority", dispatch=Dispatch.PRIORITY)])

    [priority] = first_come.scenarios
    assert [wait for [wait] in times(priority.outcome, "waiting")] == [20, 0, 10]
    assert priority.outcome.delay_cost == Decimal("2.33")
    assert first_come.baseline.delay_cost >= priority.outcome.delay_cost


def test_the_same_seed_gives_the_same_outcome_and_another_seed_another():
    process, cargos = paper_example(seed=7)

    first, again = simulate(process, cargos, seed=7), simulate(process, cargos, seed=7)
    other = simulate(process, cargos, seed=8)

    assert first.passages == again.passages
    assert first.inventory_cost == again.inventory_cost
    assert other.passages != first.passages


def test_scenarios_share_the_baselines_handling_times():
    process, cargos = paper_example()

    comparison = compare(
        process, cargos, [Scenario("priority", dispatch=Dispatch.PRIORITY), *paper_scenarios()[:1]]
    )

    for result in comparison.scenarios:
        assert [stage.mean_handling for stage in result.outcome.stages] == pytest.approx(
            [stage.mean_handling for stage in comparison.baseline.stages]
        )


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ({"teams": 0, "handling_minutes": 5}, "at least one team"),
        ({"teams": 2, "handling_minutes": -1}, "cannot be negative"),
        ({"teams": 2, "handling_minutes": 5, "spread_minutes": -1}, "cannot be negative"),
    ],
)
def test_figures_the_model_cannot_run_on_are_refused_with_the_reason(stage, message):
    with pytest.raises(InvalidFigures, match=message):
        Stage("payment", **stage)


def test_a_scenario_naming_a_stage_the_process_lacks_is_refused():
    process = Process(stages=(Stage("check", teams=1, handling_minutes=5),))

    with pytest.raises(InvalidFigures, match="no stage 3"):
        simulate(process, [cargo(1, 0)], scenario=Scenario("more", extra_teams={2: 1}))


# --- The paper's example: 15 flights of Table 1, 670 cargos --------------------------------


@pytest.fixture(scope="module")
def paper():
    process, cargos = paper_example()
    return compare(process, cargos, paper_scenarios())


def scenario(paper, name):
    return next(result for result in paper.scenarios if result.outcome.scenario == name)


def test_the_example_has_the_papers_shape():
    process, cargos = paper_example()

    assert len({cargo.flight for cargo in cargos}) == 15
    assert len(cargos) == sum(TACT_FLIGHT_CARGOS) == 670
    assert process.stages[PAPER_PAYMENT_STAGE].name == "Duty and storage-charge payment"


def test_cargos_of_later_flights_wait_longer_and_take_longer_to_clear(paper):
    flights = paper.baseline.flights
    waiting = [flight.mean_waiting for flight in flights]
    clearance = [flight.mean_total for flight in flights]

    assert waiting.index(min(waiting)) == 0
    assert waiting.index(max(waiting)) == 14
    assert sum(waiting[10:]) > 2 * sum(waiting[:5])
    assert sum(clearance[10:]) > 2 * sum(clearance[:5])
    assert flights[-1].waiting_share > flights[0].waiting_share


def test_the_understaffed_payment_stage_takes_most_of_the_clearance_time_in_waiting(paper):
    payment = paper.baseline.stages[PAPER_PAYMENT_STAGE]

    assert paper.baseline.bottleneck == payment
    # The paper: over 60 % of the total clearance time is waiting for the payment stage.
    assert payment.waiting_share > 0.6
    others = [stage for stage in paper.baseline.stages if stage is not payment]
    assert payment.mean_waiting > 5 * sum(stage.mean_waiting for stage in others)


def test_one_more_payment_team_cuts_the_waiting_and_moves_the_bottleneck(paper):
    result = scenario(paper, "One more payment team")

    assert result.outcome.mean_waiting < paper.baseline.mean_waiting / 2
    assert result.difference.stage_waiting[PAPER_PAYMENT_STAGE] < 0
    assert result.outcome.bottleneck.name != "Duty and storage-charge payment"
    assert result.difference.inventory_saving > 0


def test_automating_payment_as_rfid_and_online_payment_do_cuts_waiting_and_inventory_cost(paper):
    result = scenario(paper, "RFID and online payment")

    assert result.outcome.stages[PAPER_PAYMENT_STAGE].mean_waiting == 0
    assert result.outcome.mean_waiting < paper.baseline.mean_waiting / 4
    # The paper's RFID saved 63 % of the inventory cost.
    assert result.difference.inventory_saving > paper.baseline.inventory_cost / 2


def test_priority_dispatching_lowers_the_delay_cost_though_less_than_rfid(paper):
    priority = scenario(paper, "Priority dispatching")
    rfid = scenario(paper, "RFID and online payment")
    combined = scenario(paper, "RFID and priority dispatching")

    assert priority.outcome.delay_cost < paper.baseline.delay_cost
    assert 0 < priority.difference.inventory_saving < rfid.difference.inventory_saving
    assert combined.difference.inventory_saving > rfid.difference.inventory_saving


def test_rfid_cuts_are_the_papers_forty_percent_more_capacity_and_free_payment():
    assert 1 / (1 - RFID_CUTS[1]) == pytest.approx(1.4)
    assert RFID_CUTS[PAPER_PAYMENT_STAGE] == 1.0


def test_cargos_of_a_flight_differ_in_value_of_time_within_the_ranges_given():
    cargos = flights_of(
        [3, 2],
        minutes_between_flights=45,
        items=(2, 9),
        delay_cost_per_item_hour=(Decimal("1.00"), Decimal("4.00")),
        storage_cost_per_hour=Decimal("5.00"),
    )

    assert [(cargo.flight, cargo.arrival_minute) for cargo in cargos] == [
        (1, 0),
        (1, 0),
        (1, 0),
        (2, 45),
        (2, 45),
    ]
    assert all(2 <= cargo.items <= 9 for cargo in cargos)
    assert all(Decimal(1) <= cargo.delay_cost_per_item_hour <= 4 for cargo in cargos)
    assert len({cargo.delay_cost_per_hour for cargo in cargos}) > 1
