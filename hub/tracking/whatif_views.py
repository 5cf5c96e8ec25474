"""The what-if page: the clearance process-delay model (hub/tracking/whatif.py) run on figures a
person enters or on the hub's own stage times, a baseline against its scenarios.

The page only computes: nothing is stored, so it is a GET form whose address is the scenario."""

import re
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.forms import formset_factory
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from hub.enterprises.selectors import sees_every_enterprise
from hub.tracking import whatif
from hub.tracking.whatif_history import MINUTES_PER_DAY, stage_history_get

MAX_STAGES = 12
MAX_TEAMS = 1000
MAX_ITEMS = 1_000_000
MAX_FLIGHTS = 200
# A comparison stays under two seconds on a busy machine up to these: 5,000 cargos (a week of
# the paper's terminal) through 12 stages.
MAX_CARGOS = 5_000
MAX_MINUTES = Decimal(1_000_000)
STAGE_PREFIX = "stages"
BLANK_ROWS = 2
CHART_SERIES = 4
OPTIONAL_FIGURES = ("spread_minutes", "extra_teams", "automation_cut")

ZERO_TEAMS = _("A stage needs at least one team.")
NEGATIVE_TIME = _("A time cannot be negative.")


class StageForm(forms.Form):
    name = forms.CharField(
        label=_("Stage"), max_length=80, widget=forms.TextInput(attrs={"size": 30})
    )
    teams = forms.IntegerField(
        label=_("Teams"), min_value=1, max_value=MAX_TEAMS, error_messages={"min_value": ZERO_TEAMS}
    )
    handling_minutes = forms.DecimalField(
        label=_("Handling time (minutes)"),
        min_value=0,
        max_value=MAX_MINUTES,
        decimal_places=2,
        error_messages={"min_value": NEGATIVE_TIME},
    )
    spread_minutes = forms.DecimalField(
        label=_("Spread (minutes)"),
        min_value=0,
        max_value=MAX_MINUTES,
        decimal_places=2,
        initial=0,
        required=False,
        error_messages={"min_value": NEGATIVE_TIME},
    )
    extra_teams = forms.IntegerField(
        label=_("Teams added"),
        min_value=0,
        max_value=MAX_TEAMS,
        initial=0,
        required=False,
        error_messages={"min_value": _("Teams added cannot be negative.")},
    )
    automation_cut = forms.IntegerField(
        label=_("Handling cut by automation (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("spread_minutes") and cleaned.get("handling_minutes") == 0:
            self.add_error("spread_minutes", _("A spread needs a handling time above zero."))
        return cleaned


class BaseStageFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        filled = [form for form in self.forms if form.cleaned_data]
        if not filled:
            raise forms.ValidationError(_("Give at least one stage."))


StageFormSet = formset_factory(
    StageForm,
    formset=BaseStageFormSet,
    extra=0,
    max_num=MAX_STAGES,
    validate_max=True,
    absolute_max=MAX_STAGES + BLANK_ROWS,
)


class ArrivalsForm(forms.Form):
    cargos_per_flight = forms.CharField(
        label=_("Cargos per flight"),
        max_length=2000,
        help_text=_(
            "One number per flight (or arrival wave) in the order they arrive, separated by "
            "commas, for example 47, 39, 37."
        ),
    )
    minutes_between_flights = forms.DecimalField(
        label=_("Minutes between flights"),
        min_value=0,
        max_value=MAX_MINUTES,
        decimal_places=2,
        error_messages={"min_value": NEGATIVE_TIME},
    )
    flights_in_order = forms.BooleanField(
        label=_("A stage takes a flight's cargos only after the previous flight's have left it"),
        required=False,
    )
    items_low = forms.IntegerField(
        label=_("Items per cargo, from"), min_value=1, max_value=MAX_ITEMS
    )
    items_high = forms.IntegerField(
        label=_("Items per cargo, up to"), min_value=1, max_value=MAX_ITEMS
    )
    delay_cost_low = forms.DecimalField(
        label=_("Delay cost per item and hour, from"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    delay_cost_high = forms.DecimalField(
        label=_("Delay cost per item and hour, up to"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    storage_cost = forms.DecimalField(
        label=_("Storage cost per cargo and hour"), min_value=0, max_digits=12, decimal_places=2
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        min_value=1,
        max_value=2**31,
        help_text=_("The same seed gives the same handling times and the same cargos."),
    )

    def clean_cargos_per_flight(self):
        text = self.cleaned_data["cargos_per_flight"]
        parts = [part for part in re.split(r"[\s,;]+", text) if part]
        if not parts or not all(part.isascii() and part.isdigit() for part in parts):
            raise forms.ValidationError(
                _("Give whole numbers of cargos separated by commas, for example 47, 39, 37.")
            )
        counts = [int(part) for part in parts]
        if len(counts) > MAX_FLIGHTS:
            raise forms.ValidationError(
                _("At most %(count)d flights at once.") % {"count": MAX_FLIGHTS}
            )
        if not 0 < sum(counts) <= MAX_CARGOS:
            raise forms.ValidationError(
                _("Give between 1 and %(count)d cargos in all.") % {"count": MAX_CARGOS}
            )
        return counts

    def clean(self):
        cleaned = super().clean()
        for low, high in (("items_low", "items_high"), ("delay_cost_low", "delay_cost_high")):
            if low in cleaned and high in cleaned and cleaned[low] > cleaned[high]:
                self.add_error(high, _("The upper end cannot be below the lower end."))
        return cleaned


def _as_data(stages: list[dict], arrivals: dict) -> dict:
    """Form data for the stage rows and arrival figures given, as a submitted form carries them,
    with blank rows to add stages in. Every row may be left blank, so none is an initial form."""
    blank = {"spread_minutes": 0, "extra_teams": 0, "automation_cut": 0}
    rows = [*stages, *[blank] * min(BLANK_ROWS, MAX_STAGES + BLANK_ROWS - len(stages))]
    data = {
        f"{STAGE_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{STAGE_PREFIX}-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        data.update({f"{STAGE_PREFIX}-{index}-{key}": str(value) for key, value in row.items()})
    for key, value in arrivals.items():
        if key == "cargos_per_flight" and not isinstance(value, str):
            value = ", ".join(map(str, value))
        if value is not False:  # an unticked box is absent from a submitted form
            data[key] = "on" if value is True else str(value)
    return data


def _paper_data() -> dict:
    """The paper's TACT example, with an extra payment team and online payment as scenarios."""
    payment = whatif.PAPER_PAYMENT_STAGE
    stages = [
        {
            "name": gettext(stage.name),
            "teams": stage.teams,
            "handling_minutes": stage.handling_minutes,
            "spread_minutes": stage.spread_minutes,
            "extra_teams": 1 if index == payment else 0,
            "automation_cut": 100 if index == payment else 0,
        }
        for index, stage in enumerate(whatif.PAPER_STAGES)
    ]
    return _as_data(stages, PAPER_ARRIVALS)


PAPER_ARRIVALS = {
    "cargos_per_flight": whatif.TACT_FLIGHT_CARGOS,
    "minutes_between_flights": whatif.PAPER_MINUTES_BETWEEN_FLIGHTS,
    "flights_in_order": True,
    "items_low": 1,
    "items_high": 50,
    "delay_cost_low": "0.50",
    "delay_cost_high": "20.00",
    "storage_cost": "5.00",
    "seed": 1,
}


def _history_data(history) -> dict:
    """The history's stages with the teams they keep busy, its daily arrivals as waves a day
    apart, and the cost figures of the paper's example."""
    stages = [
        {
            "name": stage.name,
            "teams": min(stage.estimated_teams, MAX_TEAMS),
            "handling_minutes": round(stage.mean_minutes, 2),
            # A spread needs a mean above zero, also once both are rounded for the form.
            "spread_minutes": round(stage.spread_minutes, 2) if round(stage.mean_minutes, 2) else 0,
            "extra_teams": 0,
            "automation_cut": 0,
        }
        for stage in history.stages
        if stage.count
    ]
    arrivals = dict(PAPER_ARRIVALS)
    if any(history.arrivals_per_day):
        arrivals.update(
            cargos_per_flight=_latest_days_within_limit(history.arrivals_per_day),
            minutes_between_flights=MINUTES_PER_DAY,
            flights_in_order=False,
        )
    return _as_data(stages, arrivals)


def _latest_days_within_limit(arrivals_per_day: tuple[int, ...]) -> list[int]:
    """The most recent days whose arrivals the page can run on together."""
    days: list[int] = []
    for count in reversed(arrivals_per_day):
        if sum(days) + count > MAX_CARGOS:
            break
        days.insert(0, count)
    return days or [MAX_CARGOS]


def _filled(stage_forms) -> list[dict]:
    """The rows given, blank ones left out; an optional figure left empty counts as none."""
    return [
        {**form.cleaned_data, **{key: form.cleaned_data[key] or 0 for key in OPTIONAL_FIGURES}}
        for form in stage_forms
        if form.cleaned_data
    ]


def _scenarios(rows: list[dict]) -> list[whatif.Scenario]:
    """More teams and automation where the rows ask for them, priority dispatching always, and
    all of them together."""
    extra = {index: row["extra_teams"] for index, row in enumerate(rows) if row["extra_teams"]}
    cut = {
        index: row["automation_cut"] / 100
        for index, row in enumerate(rows)
        if row["automation_cut"]
    }
    priority = whatif.Dispatch.PRIORITY
    scenarios = []
    if extra:
        scenarios.append(whatif.Scenario(name=gettext("More teams"), extra_teams=extra))
    if cut:
        scenarios.append(whatif.Scenario(name=gettext("Steps automated"), handling_cut=cut))
    scenarios.append(whatif.Scenario(name=gettext("Priority dispatching"), dispatch=priority))
    if extra or cut:
        scenarios.append(
            whatif.Scenario(
                name=gettext("All together"), extra_teams=extra, handling_cut=cut, dispatch=priority
            )
        )
    return scenarios


def _run(rows: list[dict], arrivals: dict) -> whatif.Comparison:
    process = whatif.Process(
        stages=tuple(
            whatif.Stage(
                name=row["name"],
                teams=row["teams"],
                handling_minutes=float(row["handling_minutes"]),
                spread_minutes=float(row["spread_minutes"]),
            )
            for row in rows
        ),
        flights_in_order=arrivals["flights_in_order"],
    )
    cargos = whatif.flights_of(
        arrivals["cargos_per_flight"],
        minutes_between_flights=float(arrivals["minutes_between_flights"]),
        items=(arrivals["items_low"], arrivals["items_high"]),
        delay_cost_per_item_hour=(arrivals["delay_cost_low"], arrivals["delay_cost_high"]),
        storage_cost_per_hour=arrivals["storage_cost"],
        seed=arrivals["seed"],
    )
    return whatif.compare(process, cargos, _scenarios(rows), seed=arrivals["seed"])


def _duration(minutes: float) -> str:
    if minutes < 60:
        return gettext("%(minutes)s min") % {"minutes": f"{minutes:.1f}"}
    hours, rest = divmod(round(minutes), 60)
    if hours < 24:
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}
    days, hours = divmod(hours, 24)
    return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}


def _change(minutes: float) -> str:
    if round(minutes, 1) == 0:
        return "±0"
    return ("\u2212" if minutes < 0 else "+") + _duration(abs(minutes))


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _signed_percent(share: float) -> str:
    if round(share * 100, 1) == 0:
        return "±0 %"
    return ("\u2212" if share < 0 else "+") + f"{abs(share) * 100:.1f} %"


def _stage_rows(outcome: whatif.Outcome, difference: whatif.Difference | None) -> list[dict]:
    bottleneck = outcome.bottleneck
    return [
        {
            "name": gettext(stage.name),
            "teams": stage.teams,
            "mean_waiting": _duration(stage.mean_waiting),
            "median_waiting": _duration(stage.median_waiting),
            "p90_waiting": _duration(stage.p90_waiting),
            "p95_waiting": _duration(stage.p95_waiting),
            "mean_handling": _duration(stage.mean_handling),
            "mean_total": _duration(stage.mean_total),
            "waiting_share": _percent(stage.waiting_share),
            "bar": round(stage.waiting_share * 100, 1),
            "inventory_cost": stage.inventory_cost,
            "change": _change(difference.stage_waiting[index]) if difference else "",
            "is_bottleneck": stage is bottleneck and stage.mean_waiting > 0,
        }
        for index, stage in enumerate(outcome.stages)
    ]


def _summary(outcome: whatif.Outcome, result: whatif.ScenarioResult | None = None) -> dict:
    summary = {
        "name": gettext(outcome.scenario),
        "mean_waiting": _duration(outcome.mean_waiting),
        "mean_total": _duration(outcome.mean_total),
        "p90_total": _duration(outcome.p90_total),
        "waiting_share": _percent(outcome.waiting_share),
        "bottleneck": gettext(outcome.bottleneck.name) if outcome.mean_waiting > 0 else "—",
        "inventory_cost": outcome.inventory_cost,
        "stages": _stage_rows(outcome, result.difference if result else None),
    }
    if result:
        summary.update(
            total_change=_change(result.difference.mean_total),
            total_change_percent=_signed_percent(result.mean_total_change),
            inventory_saving=result.difference.inventory_saving,
        )
    return summary


def _flight_rows(outcome: whatif.Outcome) -> list[dict]:
    return [
        {
            "flight": flight.flight,
            "arrives": _duration(flight.arrival_minute) if flight.arrival_minute else "0",
            "cargos": flight.cargos,
            "mean_waiting": _duration(flight.mean_waiting),
            "mean_total": _duration(flight.mean_total),
            "waiting_share": _percent(flight.waiting_share),
            "bar": round(flight.waiting_share * 100, 1),
        }
        for flight in outcome.flights
    ]


def _charts(comparison: whatif.Comparison) -> dict:
    """Chart specifications for static/js/release_times.js: mean waiting per stage and mean
    clearance time per flight, in minutes, of the baseline and the single changes; the tables
    have the changes all together too (the script has a colour for four series)."""
    outcomes = [comparison.baseline, *(result.outcome for result in comparison.scenarios)]
    outcomes = outcomes[:CHART_SERIES]
    return {
        "waiting_chart": {
            "type": "bar",
            "labels": [gettext(stage.name) for stage in comparison.baseline.stages],
            "datasets": [
                {
                    "label": gettext(outcome.scenario),
                    "data": [round(stage.mean_waiting, 1) for stage in outcome.stages],
                }
                for outcome in outcomes
            ],
        },
        "flights_chart": {
            "type": "line",
            "labels": [flight.flight for flight in comparison.baseline.flights],
            "datasets": [
                {
                    "label": gettext(outcome.scenario),
                    "data": [round(flight.mean_total, 1) for flight in outcome.flights],
                }
                for outcome in outcomes
            ],
        },
    }


@login_required
@require_safe
def whatif_view(request):
    """Anyone signed in may run the model on figures they enter. The history it can start from
    is what the viewer may see: every declaration for customs staff, their own enterprises' for
    members, and only as aggregates."""
    history = None
    if request.GET.get("source") == "history":
        history = stage_history_get(visible_to=request.user)
        data = _paper_data() if history.is_empty else _history_data(history)
    elif f"{STAGE_PREFIX}-TOTAL_FORMS" in request.GET:
        data = request.GET
    else:
        data = _paper_data()
    stage_forms = StageFormSet(data, prefix=STAGE_PREFIX)
    arrivals = ArrivalsForm(data)
    comparison = None
    if stage_forms.is_valid() and arrivals.is_valid():
        rows = _filled(stage_forms)
        comparison = _run(rows, arrivals.cleaned_data)
        # Shown again as entered, with fresh blank rows to add a stage in.
        data = _as_data(rows, arrivals.cleaned_data)
        stage_forms, arrivals = StageFormSet(data, prefix=STAGE_PREFIX), ArrivalsForm(data)
    context = {
        "stage_forms": stage_forms,
        "arrivals": arrivals,
        "history": history,
        "history_of_all": sees_every_enterprise(request.user),
    }
    if comparison:
        context.update(
            baseline=_summary(comparison.baseline),
            scenarios=[_summary(result.outcome, result) for result in comparison.scenarios],
            flights=_flight_rows(comparison.baseline),
            **_charts(comparison),
        )
    return render(request, "tracking/whatif.html", context)
