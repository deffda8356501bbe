"""What a run reports: per-step measures as a tidy long table, and the per-run summary.

Per step (`steps` table, one row per step and measure): columns `step, measure, agency, domain,
category, value`, with "" where a column does not apply. Measures: `spend_gbp` (the count, by
agency x domain x category, from the ledger), `mean_need`, `crises` (at place scale),
`wellbeing`, `priority_weighted_wellbeing`, `need_gini`, `unmet_statutory_demand_gbp` (statutory
cost left unpaid: rationed), `deficit_gbp`, `collaboration`, `pool_balance_gbp`, `pool_members`,
`pool_packages`; per agency and domain `demand_gbp` (its share of the crises at full unit cost),
`capacity_gbp` (what its capacity answers at full use), `utilisation`, `idle_capacity_gbp`; per
agency `budget_gbp` (this year's, a year), `fixed_base_cut_gbp`, `reserves_gbp`,
`owed_to_centre_gbp` and `section_114` (1 in the quarter a notice is issued).

Behaviour (docs/ODD.md 7.18-7.22): `crises` counts crisis events; `people_in_crisis` per domain
the citizens in crisis (place scale). Per agency and domain `prevention_treated`,
`prevention_declined`, `waiting` (in its queue at the quarter's end), `wait_quarters` (quarters
waited, summed over those treated), `crises_while_waiting` and `gave_up_waiting` (left the queue
after `max_wait_quarters`) (place scale); `pool_declined`.
`claimed_savings_gbp` by category `prevention` or `package` (the business case's claim);
`estimated_savings_gbp` per agency (what a pool member sees); `target_missed` per agency (share
of its duty domains' indicators off target); `deadweight_treated` and `deadweight` by category
(cohorts resolved that quarter). In the last quarter of each year: `concentration` per domain by
category (`events_top_0.1pct`, `events_top_1pct`, `users_3plus_share`,
`users_3plus_event_share`, `top_9pct_users_event_share`), `need_top_5pct_share`, `cost_top_share`
by category `top_1pct` and `top_5pct` (the year's cost at full unit cost held by the costliest citizens),
`families_with_multiple_problems` (households, place scale), `family_cost_ratio` and
`multiple_problem_cost_share`.

Money spent on services is `SERVICE_CATEGORIES`; every other category is a transfer between
accounts or pockets (`TRANSFER_CATEGORIES`), never spend.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.capacity import STEPS_PER_YEAR
from sim.model.concentration import EventTally, top_share
from sim.model.households import family_year
from sim.model.ledger import SERVICES
from sim.model.targeting import NO_REFERRALS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel

GINI_BINS = 4096
CONCENTRATION = {  # category -> (statistic of a domain's year of events, its argument)
    "events_top_0.1pct": (EventTally.top_share, 0.001),
    "events_top_1pct": (EventTally.top_share, 0.01),
    "users_3plus_share": (EventTally.users_share, 3),
    "users_3plus_event_share": (EventTally.users_event_share, 3),
    "top_9pct_users_event_share": (EventTally.top_users_event_share, 0.09),
}
COLUMNS = ["step", "measure", "agency", "domain", "category", "value"]
ACUTE_CATEGORIES = ("capacity", "acute", "capacity_premium", "benefit")  # answering crises
PREVENTION_CATEGORIES = ("prevention", "pool_prevention")
WASTE_CATEGORIES = ("duplicated_assessment", "governance")
SERVICE_CATEGORIES = (
    "fixed_cost", *ACUTE_CATEGORIES, "decommissioning", *PREVENTION_CATEGORIES, "assessment", *WASTE_CATEGORIES,
)  # fmt: skip
TRANSFER_CATEGORIES = (
    "income", "ame_income", "opening_reserves", "pool_contribution", "gain_share", "returned_to_centre",
    "to_reserves", "from_reserves", "reinvested", "deficit_support", "deficit_repayment",
)  # fmt: skip

# The measures recorded together, in the order their values are given (one row per measure and domain)
DOMAIN_MEASURES = ("mean_need", "crises", "people_in_crisis")
PLACE_MEASURES = ("wellbeing", "priority_weighted_wellbeing", "need_gini")
POOL_MEASURES = ("pool_balance_gbp", "pool_members", "pool_packages")
MONEY_MEASURES = (
    "unmet_statutory_demand_gbp", "deficit_gbp", "collaboration", "budget_gbp", "fixed_base_cut_gbp",
    "reserves_gbp", "owed_to_centre_gbp", "section_114",
)  # fmt: skip
CAPACITY_MEASURES = ("demand_gbp", "capacity_gbp", "utilisation", "idle_capacity_gbp")
QUEUE_MEASURES = (
    "prevention_treated", "prevention_declined", "waiting", "wait_quarters", "crises_while_waiting", "gave_up_waiting",
)  # fmt: skip
FAMILY_MEASURES = ("families_with_multiple_problems", "family_cost_ratio", "multiple_problem_cost_share")
SUMMED_BY_CATEGORY = ("deadweight_treated", "deadweight", "claimed_savings_gbp")  # what `summarise` adds up by category

RowKey = tuple[str, str, str, str]  # measure, agency, domain, category ("" where it does not apply)
Section = tuple[tuple[str, ...], str, tuple[str, ...], str]  # measures, agency, domains, category


@cache
def gini_bins(upper: float, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Edges and mid-points of GINI_BINS equal bins over [0, upper] for values of `dtype`, in the
    precision `np.histogram` makes them for those values: made once, not every quarter."""
    edges = np.histogram_bin_edges(np.zeros(0, dtype=dtype), bins=GINI_BINS, range=(0.0, upper))
    return edges, 0.5 * (edges[:-1] + edges[1:])


def fine_histogram(values: np.ndarray, upper: float) -> np.ndarray:
    """`np.histogram(values, GINI_BINS, range=(0, upper))[0]` for upper > 0: the same arithmetic as
    its path for equal bins (values outside the range left out, the same corrections at the edges),
    without the set-up that is most of its cost for a few thousand values."""
    upper = float(upper)
    if not upper > 0:
        raise ValueError(f"the histogram's range must be (0, upper) with upper > 0, not (0, {upper})")
    edges, _ = gini_bins(upper, values.dtype)
    keep = (values >= 0.0) & (values <= upper)
    if not keep.all():
        values = values[keep]
    values = values.astype(edges.dtype, copy=False)
    bins = (values / np.float64(upper) * GINI_BINS).astype(np.intp)
    bins[bins == GINI_BINS] -= 1  # the upper edge belongs to the last bin
    bins[values < edges[bins]] -= 1  # the division can land one bin off near an edge
    bins[(values >= edges[bins + 1]) & (bins != GINI_BINS - 1)] += 1
    return np.bincount(bins, minlength=GINI_BINS)


def gini_of_nonnegative(values: np.ndarray, upper: float) -> float:
    """Gini coefficient of values in [0, upper] from a fine histogram: O(N), no sort; each value
    counts at its bin's mid-point, so the error is of the order of the bin (upper / GINI_BINS)
    against the mean."""
    counts = fine_histogram(values, upper)
    totals = counts * gini_bins(float(upper), values.dtype)[1]
    total = totals.sum()
    if total <= 0:
        return 0.0
    cum_people = np.concatenate([[0.0], np.cumsum(counts) / counts.sum()])
    cum_need = np.concatenate([[0.0], np.cumsum(totals) / total])
    area = np.sum((cum_people[1:] - cum_people[:-1]) * (cum_need[1:] + cum_need[:-1])) / 2.0
    return float(1.0 - 2.0 * area)


@dataclass(frozen=True)
class QuarterHeadline:
    """The quarter just stepped, in one line: what `PlaceModel` shows as attributes and Mesa's
    DataCollector reads. Place scale: crises in residents, money in GBP."""

    crises: float  # crisis count, all domains
    spend_gbp: float  # paid to services by every agency and the pool (the count's spend)
    wellbeing: float  # 1 - mean need over citizens and domains
    mean_collaboration: float  # over agencies
    pool_balance_gbp: float
    pooled_gbp: float  # contributions paid into the pool this quarter
    deficits_gbp: float  # carried forward, all agencies


def opening_headline(model: PlaceModel) -> QuarterHeadline:
    """The headline before the first quarter: the state after warm-up, nothing spent, no crises counted."""
    return QuarterHeadline(
        crises=0.0,
        spend_gbp=0.0,
        wellbeing=1.0 - float(model.population.needs.mean(dtype=np.float64)),
        mean_collaboration=float(np.mean([a.collaboration for a in model.agency_list])),
        pool_balance_gbp=model.pool.balance,
        pooled_gbp=0.0,
        deficits_gbp=sum(a.deficit for a in model.agency_list),
    )


class StepRecorder:
    """Collects each quarter's measures in two flat lists, the values and each value's row key id
    (a key is measure, agency, domain, category). A group of rows looks its ids up once per run, so
    a quarter costs a few dozen list extensions, not a call and a tuple per value; `table()` makes
    the DataFrame once, ordered on integer codes."""

    def __init__(self) -> None:
        self.keys: list[RowKey] = []  # key id -> its key
        self.key_ids: dict[RowKey, int] = {}
        self.sections: dict[Section, list[int]] = {}  # a group of rows -> their key ids, in order
        self.row_keys: list[int] = []  # per row recorded: its key id
        self.values: list[float] = []  # per row recorded
        self.quarters: list[tuple[int, int]] = []  # per record: (step, its first row)

    def put(
        self,
        measures: tuple[str, ...],
        values: Sequence[float],
        agency: str = "",
        domains: tuple[str, ...] = ("",),
        category: str = "",
    ) -> None:
        """Add a row per measure and domain, `values` in that order: the first measure's domains,
        then the next measure's."""
        section = (measures, agency, domains, category)
        ids = self.sections.get(section)
        if ids is None:
            ids = self.sections[section] = [self.key_id((m, agency, d, category)) for m in measures for d in domains]
        if len(values) != len(ids):
            rows = f"{len(ids)} rows of {measures} x {domains} ({agency or 'the place'})"
            raise ValueError(f"{len(values)} values for the {rows}")
        self.row_keys.extend(ids)
        self.values.extend(map(float, values))  # as float() would: a value that is not a number fails here

    def key_id(self, key: RowKey) -> int:
        """The id of a row key, a new one the first time it is seen."""
        found = self.key_ids.get(key)
        if found is None:
            found = self.key_ids[key] = len(self.keys)
            self.keys.append(key)
        return found

    @property
    def rows(self) -> list[tuple[int, str, str, str, str, float]]:
        """Every row recorded so far as (step, measure, agency, domain, category, value), a step's
        rows together in the order recorded (the app reads the latest quarter's)."""
        keys, row_keys, values = self.keys, self.row_keys, self.values
        ends = [first for _, first in self.quarters[1:]] + [len(values)]
        return [
            (step, *keys[row_keys[row]], values[row])
            for (step, first), end in zip(self.quarters, ends)
            for row in range(first, end)
        ]

    def record(self, model: PlaceModel) -> QuarterHeadline:
        """Add this quarter's rows; return its headline."""
        step = model.steps
        self.quarters.append((step, len(self.values)))
        population = model.population
        weight = population.weight
        needs = population.needs
        domains = tuple(model.scenario.domains)
        mean_need = needs.mean(axis=1, dtype=np.float64)
        counts, people = model.crises.counts, model.crises.people
        crises = [counts[domain] * weight for domain in domains]
        in_crisis = [people[domain] * weight for domain in domains]
        self.put(DOMAIN_MEASURES, [*mean_need.tolist(), *crises, *in_crisis], domains=domains)
        wellbeing = 1.0 - float(mean_need.mean())
        priority = model.pool.priority
        priority_weighted = 1.0 - float(priority @ mean_need) / max(priority.sum(), 1e-12)
        gini = gini_of_nonnegative(needs.sum(axis=0, dtype=np.float32), float(needs.shape[0]))
        self.put(PLACE_MEASURES, (wellbeing, priority_weighted, gini))
        deficits = collaboration = 0.0
        for agency in model.agency_list:
            deficits += self.record_money(step, agency)
            collaboration += agency.collaboration
        pool = model.pool
        members = sum(1 for v in pool.contributions.values() if v > 0)
        self.put(POOL_MEASURES, (pool.balance, members, pool.packages * weight))
        self.record_behaviour(step, model)
        if step % STEPS_PER_YEAR == 0:
            self.record_year(model)
        return QuarterHeadline(
            crises=sum(counts.values()) * weight,
            spend_gbp=model.ledger.paid_to_services_this_step_gbp,
            wellbeing=wellbeing,
            mean_collaboration=collaboration / max(len(model.agency_list), 1),
            pool_balance_gbp=pool.balance,
            pooled_gbp=sum(pool.contributions.values()),
            deficits_gbp=deficits,
        )

    def record_behaviour(self, step: int, model: PlaceModel) -> None:
        """Targeting, queues, claims, members' estimates, targets and deadweight this quarter."""
        weight = model.population.weight
        pool = model.pool
        for agency in model.agency_list:
            agency_id, services = agency.agency_id, agency.prevention_services
            if services:
                treated, declined, waiting, waited, missed, gave_up = [], [], [], [], [], []
                for domain, service in services.items():
                    referrals = agency.referrals.get(domain, NO_REFERRALS)
                    treated.append(referrals.treated.size * weight)
                    declined.append(referrals.declined * weight)
                    waiting.append(service.waiting * weight)
                    waited.append(float(referrals.waited_quarters.sum()) * weight)
                    missed.append(referrals.crises_while_waiting * weight)
                    gave_up.append(referrals.left_queue_unserved * weight)
                values = treated + declined + waiting + waited + missed + gave_up
                self.put(QUEUE_MEASURES, values, agency_id, tuple(services))
            judged = (pool.observed_savings.estimate(agency), model.indicators.missed_share(agency, step))
            self.put(("estimated_savings_gbp", "target_missed"), judged, agency_id)
        self.put(("pool_declined",), (pool.offers_declined * weight,))
        self.put(("claimed_savings_gbp",), (model.claimed_prevention_gbp,), category="prevention")
        self.put(("claimed_savings_gbp",), (pool.claimed_gbp,), category="package")
        resolved = model.counterfactuals.take_resolved()
        for source in ("prevention", "package"):
            counted = (resolved.treated.get(source, 0) * weight, resolved.deadweight.get(source, 0) * weight)
            self.put(("deadweight_treated", "deadweight"), counted, category=source)

    def record_year(self, model: PlaceModel) -> None:
        """The year's concentration of events and need, and its families with multiple problems."""
        population = model.population
        domains = tuple(model.scenario.domains)
        tallies = [EventTally(population.events_this_year[row]) for row in range(len(domains))]
        for category, (statistic, argument) in CONCENTRATION.items():
            shares = [statistic(tally, argument) for tally in tallies]
            self.put(("concentration",), shares, domains=domains, category=category)
        self.put(("need_top_5pct_share",), (top_share(population.needs.sum(axis=0, dtype=np.float64), 0.05),))
        self.put(("cost_top_share",), (top_share(population.cost_this_year, 0.01),), category="top_1pct")
        self.put(("cost_top_share",), (top_share(population.cost_this_year, 0.05),), category="top_5pct")
        settings = model.scenario.population.households
        problem_domains = settings.multiple_problems_domains if settings is not None else 3
        families = family_year(population.household, population.events_this_year, population.cost_this_year, problem_domains)
        households = families.multiple_problem_households * population.weight
        self.put(FAMILY_MEASURES, (households, families.family_cost_ratio, families.multiple_problem_cost_share))

    def record_money(self, step: int, agency: ServiceAgency) -> float:
        """One agency's money this quarter: its rule's state, and its capacity against demand.
        Returns its deficit (GBP), for the headline."""
        agency_id, purse, deficit = agency.agency_id, agency.purse, agency.deficit
        state = (
            agency.unmet_statutory_demand, deficit, agency.collaboration, agency.budget_gbp_per_year,
            agency.fixed_base_cut_gbp, purse.reserves_gbp, purse.owed_to_centre_gbp,
            float(purse.year.section_114_step == step),
        )  # fmt: skip
        self.put(MONEY_MEASURES, state, agency_id)
        lines = agency.capacity
        if lines:
            bills = agency.crisis_bills
            demand, capacity, idle = [], [], []
            for domain, line in lines.items():
                bill = bills.get(domain)
                demand.append(line.demand_history[-1] if bill is not None else 0.0)
                capacity.append(line.capacity_gbp)
                idle.append(bill.idle if bill is not None else line.fixed_cost_gbp)
            utilisation = [d / c if c > 0 else 0.0 for d, c in zip(demand, capacity)]
            self.put(CAPACITY_MEASURES, demand + capacity + utilisation + idle, agency_id, tuple(lines))
        if agency.config.demand_led:
            led = tuple(agency.config.demand_led)
            self.put(("demand_gbp",), [model_demand(agency, domain) for domain in led], agency_id, led)
        return deficit

    def table(self, flows: pd.DataFrame) -> pd.DataFrame:
        """The tidy steps table, with the count (spend by agency x domain x category) from the
        ledger, ordered by step, measure, agency, domain and category (rows alike kept in the
        order recorded, the recorder's before the count's)."""
        spend = SpendRows(flows)
        recorded = np.asarray(self.row_keys, dtype=np.intp)
        names_of_keys = list(zip(*self.keys)) if self.keys else [()] * 4  # per column: each key's name
        firsts = [first for _, first in self.quarters] + [len(self.values)]
        recorded_steps = np.repeat(np.array([step for step, _ in self.quarters], dtype=np.int64), np.diff(firsts))
        step = np.concatenate([recorded_steps, spend.step])
        value = np.concatenate([np.asarray(self.values, dtype=np.float64), spend.value])
        order_key = step - (int(step.min()) if step.size else 0)
        columns = []
        for key_names, (spend_names, spend_codes) in zip(names_of_keys, spend.columns()):
            names = sorted(set(key_names) | set(spend_names))
            rank = {name: i for i, name in enumerate(names)}
            codes = np.concatenate(
                [
                    np.array([rank[name] for name in key_names], dtype=np.int64)[recorded],
                    np.array([rank[name] for name in spend_names], dtype=np.int64)[spend_codes],
                ]
            )
            order_key = order_key * len(names) + codes
            columns.append((names, codes))
        order = np.argsort(order_key, kind="stable")  # stable: rows alike keep their order
        text = {column: pd.Index(names).take(codes[order]).array for column, (names, codes) in zip(COLUMNS[1:], columns)}
        return pd.DataFrame({"step": step[order], **text, "value": value[order]})


def model_demand(agency: ServiceAgency, domain: str) -> float:
    """An agency's share of a domain's demand this quarter, at full unit cost."""
    return agency.model.crises.demand_gbp[domain] * agency.duties[domain]


def group_sums(
    values: np.ndarray, groupings: np.ndarray, keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums of `values` per grouping and integer key, each the sum that
    `pd.Series(values[rows]).groupby(keys[rows]).sum()` gives for the grouping's rows alone, in
    their order: all from at most two groupby calls rather than one per grouping.
    pandas may sum a grouping whose keys come in order and whose values have no NaN by another
    method than any other (pandas 3: `np.add.reduceat`, else compensated summation), which can
    differ in the last bit; so those groupings are summed in one call and the rest in another.
    Returns (grouping, key, sum) per group, ordered by grouping and key."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    by_grouping = np.argsort(groupings, kind="stable")
    grouping, key = groupings[by_grouping].astype(np.int64), keys[by_grouping].astype(np.int64)
    value = values[by_grouping]
    low = int(key.min())
    width = int(key.max()) - low + 1
    group = grouping * width + (key - low)
    same = grouping[1:] == grouping[:-1]
    out_of_order = grouping[1:][same & (key[1:] < key[:-1])]
    apart = np.isin(grouping, np.union1d(out_of_order, grouping[np.isnan(value)]))
    found, sums = [], []
    for part in (~apart, apart):
        if part.any():
            total = pd.Series(value[part], copy=False).groupby(group[part], sort=True).sum()
            found.append(total.index.to_numpy())
            sums.append(total.to_numpy())
    group, summed = np.concatenate(found), np.concatenate(sums)
    order = np.argsort(group, kind="stable")
    group = group[order]
    return group // width, group % width + low, summed[order]


def ranked_codes(column: pd.Series | pd.api.extensions.ExtensionArray) -> tuple[np.ndarray, list[str]]:
    """Codes of a string column by the alphabetical rank of its values (-1 where missing), and the
    values in that order: groupby's order of groups, so grouping on the codes is grouping on the column."""
    codes, uniques = pd.factorize(column)
    names = list(uniques)
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names) + 1, dtype=np.int64)
    rank[order] = np.arange(len(names))
    rank[-1] = -1  # a missing value keeps its -1
    return rank[codes], [names[i] for i in order]


class SpendRows:
    """Money an agency or the pool paid to services per step, by payer x domain x category, and
    each agency's pool contributions (category `pool_contribution`) so they are visible; those are
    transfers, so leave them out when adding up spend. Each column as codes into its names."""

    def __init__(self, flows: pd.DataFrame):
        columns = [ranked_codes(flows[column]) for column in ("source", "domain", "category")]
        self.names = [names for _, names in columns]
        paid = (flows["destination"] == SERVICES).to_numpy(dtype=bool)
        if "pool_contribution" in self.names[2]:
            paid = paid | (columns[2][0] == self.names[2].index("pool_contribution"))
        for codes, _ in columns:  # as groupby, leave out rows with a missing key
            paid = paid & (codes >= 0)
        step = flows["step"].to_numpy(dtype=np.int64)[paid]
        first = int(step.min()) if step.size else 0
        key = step - first  # one integer per (step, source, domain, category), ordered as they are
        for (codes, _), names in zip(columns, self.names):
            key = key * len(names) + codes[paid]
        amount = flows["amount"].to_numpy(dtype=np.float64)[paid]
        _, key, self.value = group_sums(amount, np.zeros(key.size, dtype=np.int64), key)
        self.codes: list[np.ndarray] = []
        for names in reversed(self.names):
            self.codes.insert(0, key % len(names))
            key = key // len(names)
        self.step = key + first

    def columns(self) -> list[tuple[list[str], np.ndarray]]:
        """Per column of the steps table after the step (measure, agency, domain, category): the
        names, and each row's code into them."""
        spend = (["spend_gbp"], np.zeros(self.value.size, dtype=np.int64))
        return [spend, *zip(self.names, self.codes)]


def pandas_sum(values: np.ndarray) -> float:
    """The sum pandas' Series.sum gives: NaN counts as 0, summed by numpy in order."""
    return float(np.nansum(values))


def pandas_mean(values: np.ndarray) -> float:
    """The mean pandas' Series.mean gives: of the values that are not NaN, NaN if there are none."""
    present = np.count_nonzero(~np.isnan(values))
    return float(np.nansum(values) / present) if present else float("nan")


class RecordedMeasures:
    """A steps table as numpy arrays and integer codes, each measure's rows found once by a stable
    sort, and the sums `summarise` reads (each measure per step; SUMMED_BY_CATEGORY per category)
    as pandas' groupby of those rows gives them: no string comparison over the table."""

    def __init__(self, steps: pd.DataFrame):
        measure, measures = pd.factorize(steps["measure"])
        domain, domains = pd.factorize(steps["domain"])
        category, categories = ranked_codes(steps["category"])
        self.measure_code = {name: i for i, name in enumerate(measures)}
        self.domain_code = {name: i for i, name in enumerate(domains)}
        self.category_code = {name: i for i, name in enumerate(categories)}
        self.domain, self.category = domain, category
        self.step = steps["step"].to_numpy()
        self.value = steps["value"].to_numpy(dtype=np.float64)
        self.last = self.step.max()
        n = len(measures)
        by_measure = np.argsort(measure, kind="stable")
        self.rows_of = np.split(by_measure, np.cumsum(np.bincount(measure, minlength=n))[:-1])
        summed = [self.measure_code[name] for name in SUMMED_BY_CATEGORY if name in self.measure_code]
        sorted_measure, sorted_value = measure[by_measure], self.value[by_measure]
        by_category = np.isin(sorted_measure, summed) & (category[by_measure] >= 0)
        grouping, key, sums = group_sums(  # groupings: each measure by step, then SUMMED_BY_CATEGORY by category
            np.concatenate([sorted_value, sorted_value[by_category]]),
            np.concatenate([sorted_measure, n + sorted_measure[by_category]]),
            np.concatenate([self.step[by_measure], category[by_measure][by_category]]),
        )
        bounds = np.searchsorted(grouping, np.arange(2 * n + 1))
        self.per_step = [sums[bounds[m] : bounds[m + 1]] for m in range(n)]
        self.per_category: dict[str, dict[str, float]] = {}
        for m in summed:
            found = slice(bounds[n + m], bounds[n + m + 1])
            self.per_category[measures[m]] = dict(zip((categories[k] for k in key[found]), sums[found].tolist()))

    def rows(self, measure: str) -> np.ndarray:
        """The measure's rows, in table order."""
        code = self.measure_code.get(measure)
        return self.rows_of[code] if code is not None else np.zeros(0, dtype=np.intp)

    def series(self, measure: str) -> np.ndarray:
        """The measure summed per step, in step order, over the steps it was recorded in."""
        code = self.measure_code.get(measure)
        return self.per_step[code] if code is not None else np.zeros(0)

    def at_last_step(self, measure: str) -> np.ndarray:
        rows = self.rows(measure)
        return self.value[rows[self.step[rows] == self.last]]

    def by_category(self, measure: str) -> dict[str, float]:
        """The measure summed per category, categories in alphabetical order."""
        return self.per_category.get(measure, {})

    def yearly_mean(self, measure: str, domain: str = "", category: str = "") -> float:
        """Mean of the measure's values for the domain and category, as np.nanmean; NaN if there are none."""
        rows = self.rows(measure)
        domain_code, category_code = self.domain_code.get(domain, -2), self.category_code.get(category, -2)
        values = self.value[rows[(self.domain[rows] == domain_code) & (self.category[rows] == category_code)]]
        return float(np.nanmean(values)) if values.size and not np.isnan(values).all() else float("nan")


def summarise(steps: pd.DataFrame, flows: pd.DataFrame, population: int) -> dict[str, float]:
    """Per-run totals: money used and where it went, efficiency, waste, wellbeing, crises, budget
    rules, culture (docs/ODD.md 7.14 defines each)."""
    category, categories = ranked_codes(flows["category"])
    known = category >= 0
    to_services = (flows["destination"] == SERVICES).to_numpy(dtype=bool) & known
    amount = flows["amount"].to_numpy(dtype=np.float64)
    grouping, key, sums = group_sums(  # by category, grouping 0: the money paid to services, 1: every flow
        np.concatenate([amount[to_services], amount[known]]),
        np.repeat(np.array([0, 1]), [int(to_services.sum()), int(known.sum())]),
        np.concatenate([category[to_services], category[known]]),
    )
    by_category: dict[str, float] = {}  # paid to services, categories in alphabetical order
    flow_totals: dict[str, float] = {}
    for g, k, s in zip(grouping.tolist(), key.tolist(), sums.tolist()):
        (by_category if g == 0 else flow_totals)[categories[k]] = s
    total = pandas_sum(np.array(list(by_category.values()), dtype=np.float64))
    recorded = RecordedMeasures(steps)

    def category_sum(names: tuple[str, ...]) -> float:
        return pandas_sum(np.array([by_category.get(name, 0.0) for name in names], dtype=np.float64))

    def flow_sum(*names: str) -> float:
        return pandas_sum(np.array([flow_totals.get(name, 0.0) for name in names], dtype=np.float64))

    series, yearly_mean = recorded.series, recorded.yearly_mean

    def summed(measure: str) -> float:
        return pandas_sum(series(measure))

    def over_categories(measure: str) -> float:
        return pandas_sum(np.array(list(recorded.by_category(measure).values()), dtype=np.float64))

    def share(numerator: float, denominator: float) -> float:
        return numerator / denominator if denominator > 0 else float("nan")

    total_crises = summed("crises")
    treated_cohorts, deadweight = recorded.by_category("deadweight_treated"), recorded.by_category("deadweight")
    treated = summed("prevention_treated")
    declined = summed("prevention_declined")
    need_related = total - category_sum(("fixed_cost",))
    years = recorded.last / 4.0
    return {
        "money_used_gbp": total,
        "total_spend_gbp": total,
        "acute_spend_gbp": category_sum(ACUTE_CATEGORIES),
        "prevention_spend_gbp": category_sum(PREVENTION_CATEGORIES),
        "acute_share": category_sum(ACUTE_CATEGORIES) / total if total else 0.0,
        "need_related_acute_share": category_sum(ACUTE_CATEGORIES) / need_related if need_related > 0 else 0.0,
        "prevention_share": category_sum(PREVENTION_CATEGORIES) / total if total else 0.0,
        "fixed_cost_gbp": category_sum(("fixed_cost",)),
        "capacity_cost_gbp": category_sum(("capacity",)),
        "idle_capacity_gbp": summed("idle_capacity_gbp"),
        "capacity_premium_gbp": category_sum(("capacity_premium",)),
        "decommissioning_gbp": category_sum(("decommissioning",)),
        "benefit_spend_gbp": category_sum(("benefit",)),
        "demand_at_full_cost_gbp": summed("demand_gbp"),
        "assessment_gbp": category_sum(("assessment",)),
        "duplicated_assessment_gbp": category_sum(("duplicated_assessment",)),
        "governance_gbp": category_sum(("governance",)),
        "waste_gbp": category_sum(WASTE_CATEGORIES),
        "pool_contributions_gbp": flow_sum("pool_contribution"),
        "returned_to_centre_gbp": flow_sum("returned_to_centre"),
        "reinvested_gbp": flow_sum("reinvested"),
        "deficit_support_gbp": flow_sum("deficit_support"),
        "net_cost_to_centre_gbp": flow_sum("income", "ame_income", "deficit_support")
        - flow_sum("returned_to_centre", "deficit_repayment"),
        "final_reserves_gbp": pandas_sum(recorded.at_last_step("reserves_gbp")),
        "final_owed_to_centre_gbp": pandas_sum(recorded.at_last_step("owed_to_centre_gbp")),
        "section_114_count": summed("section_114"),
        "mean_wellbeing": pandas_mean(series("wellbeing")),
        "final_wellbeing": float(series("wellbeing")[-1]),
        "mean_priority_weighted_wellbeing": pandas_mean(series("priority_weighted_wellbeing")),
        "total_crises": total_crises,
        "crises_per_1000_per_year": total_crises / population * 1000 / years,
        "crises_per_million_gbp": total_crises / (total / 1e6) if total else 0.0,
        "unmet_statutory_demand_gbp": summed("unmet_statutory_demand_gbp"),
        "final_deficit_gbp": pandas_sum(recorded.at_last_step("deficit_gbp")),
        "final_mean_collaboration": pandas_mean(recorded.at_last_step("collaboration")),
        "final_need_gini": float(series("need_gini")[-1]),
        "crisis_person_quarters": summed("people_in_crisis"),
        "claimed_savings_gbp": summed("claimed_savings_gbp"),
        "package_claimed_savings_gbp": float(recorded.by_category("claimed_savings_gbp").get("package", 0.0)),
        "estimated_savings_gbp": summed("estimated_savings_gbp"),
        "deadweight_share": share(over_categories("deadweight"), over_categories("deadweight_treated")),
        "prevention_deadweight_share": share(float(deadweight.get("prevention", 0.0)), float(treated_cohorts.get("prevention", 0.0))),
        "package_deadweight_share": share(float(deadweight.get("package", 0.0)), float(treated_cohorts.get("package", 0.0))),
        "prevention_treated": treated,
        "offers_declined_share": share(declined + summed("pool_declined"), treated + declined + summed("pool_packages") + summed("pool_declined")),
        "mean_wait_quarters": share(summed("wait_quarters"), treated),
        "final_waiting": pandas_sum(recorded.at_last_step("waiting")),
        "crises_while_waiting": summed("crises_while_waiting"),
        "mean_target_missed_share": pandas_mean(recorded.value[recorded.rows("target_missed")]),
        "family_cost_ratio": yearly_mean("family_cost_ratio"),
        "families_with_multiple_problems": yearly_mean("families_with_multiple_problems"),
        "multiple_problem_cost_share": yearly_mean("multiple_problem_cost_share"),
        "need_top_5pct_share": yearly_mean("need_top_5pct_share"),
        "cost_top_1pct_share": yearly_mean("cost_top_share", category="top_1pct"),
        "cost_top_5pct_share": yearly_mean("cost_top_share", category="top_5pct"),
        "offending_top_0_1pct_event_share": yearly_mean("concentration", "offending", "events_top_0.1pct"),
        "offending_top_9pct_users_event_share": yearly_mean("concentration", "offending", "top_9pct_users_event_share"),
        "health_users_3plus_share": yearly_mean("concentration", "health", "users_3plus_share"),
        "health_users_3plus_event_share": yearly_mean("concentration", "health", "users_3plus_event_share"),
    }
