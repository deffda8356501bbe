"""The wrong-pocket matrix: when agency A spends £1 more on prevention, how much does agency B save?

Read from a `wrong_pocket` experiment (docs/experiments.md): the unchanged place (the baseline)
and one point per spender A in which A gets extra prevention money
(`agencies.<A>.extra_prevention_gbp_per_year`), every point run with the same seeds. Within
replication r, the point and the baseline face the same citizens and shocks, so their
difference is the effect of A's extra prevention. Over the recorded steps of one pair:

    extra spend of A    = A's spend in category `prevention` at A's point − at the baseline
    saving of B ≠ A     = B's spend on services at the baseline − at A's point
    saving of A itself  = the same, leaving out its category `prevention` (that is the extra spend)

Spend on services is every `spend_gbp` category but `pool_contribution`, a transfer to the pool
whose own spending is counted under `pool` (the count's rule, `sim/analysis/count.py`): the
fixed base, crisis response (acute capacity, variable and spot cost, capacity premium),
decommissioning, demand-led benefits, prevention, assessments and duplicated assessments, and for
the pool its packages, their assessments and governance. So a saving is cash, the saver's
cashable saving: less variable cost or premium, capacity decommissioned, or fewer benefits (paid
from the centre's AME, so that fall lands with the centre). Capacity freed but still paid for
saves nothing here. A saver's own prevention counts because it can change too: an agency whose
savings lift it out of deficit resumes flexible prevention (ODD 7.6), and spends part of its
saving on it. On the diagonal the spender's saving is net of the assessments its extra
prevention needs, which it pays from flexible money: the return it sees in its own accounts.
So the savings of a row add up to the fall in the place's money used plus the extra spend:
`all agencies` − 1 is the net return per £1 to the place. The extra spend is what A actually
spent, not the grant (`grant_gbp`): part of the grant sizes the assessments (ODD 7.6), part can
stay in its pocket when a domain's prevention window runs dry, and A's flexible prevention can
change.

Per spender and saver: `savings_per_gbp` = mean saving / mean extra spend over the pairs (a
ratio of means), with a 95% percentile interval from a paired bootstrap over replications
(`BOOTSTRAP_RESAMPLES` resamples with a fixed seed, the same resampled pairs for every saver of a
spender). With few replications a percentile interval is too narrow; it needs two pairs at
least. Two more savers summarise a spender's row: `all agencies` (the whole place, the pool
included if it spends: the return on A's prevention to the place) and `elsewhere` (everyone but
A: the part of that return that lands in other pockets).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.analysis.paired import BOOTSTRAP_SEED, CONFIDENCE, bootstrap_means
from sim.analysis.sections import FigureItem, Section, TableItem
from sim.analysis.style import agency_colour, new_figure
from sim.experiment.store import ExperimentResults
from sim.model.agencies import STEPS_PER_YEAR
from sim.model.ledger import POOL
from sim.scenario.loading import ScenarioError

ALL_AGENCIES = "all agencies"
ELSEWHERE = "elsewhere"
TRANSFERS = ("pool_contribution",)
EXTRA_PREVENTION = "extra_prevention_gbp_per_year"
BOOTSTRAP_RESAMPLES = 2000
COLOUR_MAP = "BrBG"  # diverging and colour-blind safe (ColorBrewer); brown = costs, blue-green = savings
COLUMNS = [
    "spender", "saver", "pairs", "grant_gbp", "extra_spend_gbp", "saving_gbp", "savings_per_gbp", "ci_low", "ci_high",
]  # fmt: skip


def spenders_by_point(design: pd.DataFrame, source: str = "design.parquet") -> tuple[str, dict[str, tuple[str, float]]]:
    """(baseline point, {point: (spender, extra GBP per year)}) from the design table's overrides.

    The spender of a point is the agency whose `extra_prevention_gbp_per_year` differs from the
    baseline's; a point that changes several is not a wrong-pocket point and is refused.
    """
    baselines = design.loc[design["baseline"].astype(bool), "point"].tolist()
    if len(baselines) != 1:
        raise ScenarioError(source, [("baseline", "a wrong-pocket analysis needs exactly one baseline point")])
    columns = {
        c.removeprefix("param:agencies.").removesuffix(f".{EXTRA_PREVENTION}"): c
        for c in design.columns
        if c.startswith("param:agencies.") and c.endswith(f".{EXTRA_PREVENTION}")
    }
    amounts = (
        design.set_index("point")[list(columns.values())]
        .map(lambda v: 0.0 if pd.isna(v) else float(json.loads(v)))
        .set_axis(list(columns), axis="columns")
    )
    spenders = {}
    for point, row in (amounts - amounts.loc[baselines[0]]).iterrows():
        changed = row[row != 0.0]
        if point == baselines[0] or changed.empty:
            continue
        if len(changed) > 1:
            raise ScenarioError(
                source, [(str(point), f"changes the extra prevention of several agencies ({list(changed.index)})")]
            )
        spenders[str(point)] = (str(changed.index[0]), float(changed.iloc[0]))
    if not spenders:
        raise ScenarioError(
            source, [("", "no point gives an agency extra prevention money: not a wrong_pocket experiment")]
        )
    return baselines[0], spenders


def run_totals(results: ExperimentResults) -> pd.DataFrame:
    """Per run (point, replication) and agency: spend in category prevention, and all its other spend."""
    spend = results.steps[results.steps["measure"] == "spend_gbp"]
    if spend.empty:
        raise ScenarioError(str(results.folder), [("outputs", "no spend_gbp in steps.parquet: add it to outputs")])
    spend = spend[~spend["category"].isin(TRANSFERS)]
    kind = np.where(spend["category"] == "prevention", "prevention", "other")
    totals = spend.assign(kind=kind).pivot_table(
        index=["point_id", "replication", "agency"], columns="kind", values="value", aggfunc="sum", fill_value=0.0
    )
    totals = totals.reindex(columns=["prevention", "other"], fill_value=0.0).reset_index()
    points = results.runs[["point_id", "point"]].drop_duplicates()
    return totals.merge(points, on="point_id")


def saver_order(spenders: list[str], agencies: list[str]) -> list[str]:
    """Spenders in design order, then any other account that spends (the pool last)."""
    others = sorted(a for a in agencies if a not in spenders and a != POOL)
    return [*spenders, *others, *([POOL] if POOL in agencies else [])]


def bootstrap_interval(extra: np.ndarray, savings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of mean(saving) / mean(extra) for each row of `savings`, pairs resampled."""
    n = extra.size
    if n < 2:
        nan = np.full(savings.shape[0], np.nan)
        return nan, nan
    means = bootstrap_means(np.vstack([extra, savings]), BOOTSTRAP_RESAMPLES, np.random.default_rng(BOOTSTRAP_SEED))
    extra_means, saving_means = means[0], means[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(extra_means > 0, saving_means / extra_means, np.nan)
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.nanpercentile(ratios, [tail, 100 - tail], axis=1)
    return low, high


def wrong_pocket_matrix(results: ExperimentResults) -> pd.DataFrame:
    """Tidy table, one row per spender and saver: how much the saver saves per £1 the spender
    spends on extra prevention, paired by replication with the baseline (module docstring)."""
    baseline, spenders = spenders_by_point(results.design, str(Path(results.folder) / "design.parquet"))
    totals = run_totals(results)
    years = results.steps["step"].max() / STEPS_PER_YEAR
    wide = totals.pivot_table(
        index=["point", "replication"], columns="agency", values=["prevention", "other"], fill_value=0.0
    )
    savers = saver_order([s for s, _ in spenders.values()], sorted(totals["agency"].unique()))
    wide = wide.reindex(columns=pd.MultiIndex.from_product([["prevention", "other"], savers]), fill_value=0.0)
    base = wide.loc[baseline]
    rows = []
    for point, (spender, amount) in spenders.items():
        if point not in wide.index.get_level_values("point"):
            continue
        treated = wide.loc[point]
        pairs = treated.index.intersection(base.index)
        extra = (treated.loc[pairs, ("prevention", spender)] - base.loc[pairs, ("prevention", spender)]).to_numpy()
        fall = base.loc[pairs] - treated.loc[pairs]
        saved = fall["prevention"][savers] + fall["other"][savers]
        saved[spender] = fall[("other", spender)]
        saved[ELSEWHERE] = saved.drop(columns=spender).sum(axis=1)
        saved[ALL_AGENCIES] = saved[savers].sum(axis=1)
        low, high = bootstrap_interval(extra, saved.to_numpy().T)
        mean_extra = float(extra.mean()) if extra.size else np.nan
        for index, saver in enumerate(saved.columns):
            mean_saving = float(saved[saver].mean()) if extra.size else np.nan
            rows.append({
                "spender": spender, "saver": saver, "pairs": int(extra.size), "grant_gbp": amount * years,
                "extra_spend_gbp": mean_extra, "saving_gbp": mean_saving,
                "savings_per_gbp": mean_saving / mean_extra if mean_extra > 0 else np.nan,
                "ci_low": low[index], "ci_high": high[index],
            })  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def wrong_pocket_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """£ saved per £1 as a wide table: spenders as rows; savers, `elsewhere` and `all agencies` as columns."""
    order = list(dict.fromkeys(matrix["saver"]))
    table = matrix.pivot(index="spender", columns="saver", values="savings_per_gbp")
    return table.reindex(index=list(dict.fromkeys(matrix["spender"])), columns=order)


def pounds(ratio: float) -> str:
    """£ per £1 to two decimals, with no "-0.00"."""
    return f"{round(ratio, 2) + 0.0:.2f}"


def plot_wrong_pocket(matrix: pd.DataFrame) -> Figure:
    """Heatmap of £ saved per £1 of extra prevention: spenders (rows) by savers (columns), the
    whole place last; each cell annotated with its value and 95% interval, own pockets outlined."""
    table = wrong_pocket_table(matrix).drop(columns=ELSEWHERE, errors="ignore")
    low = matrix.pivot(index="spender", columns="saver", values="ci_low").reindex_like(table)
    high = matrix.pivot(index="spender", columns="saver", values="ci_high").reindex_like(table)
    values = table.to_numpy(dtype=float)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    norm = Normalize(vmin=-limit, vmax=limit)  # symmetric: 0 is the neutral middle colour
    figure, axes = new_figure(1.4 + 1.15 * table.shape[1], 1.6 + 0.75 * table.shape[0], layout="constrained")
    axes.grid(False)
    image = axes.imshow(np.ma.masked_invalid(values), cmap=COLOUR_MAP, norm=norm, aspect="auto")
    colour_map = image.get_cmap()
    for row, spender in enumerate(table.index):
        for column, saver in enumerate(table.columns):
            value = values[row, column]
            if np.isfinite(value):
                interval = low.iat[row, column], high.iat[row, column]
                text = pounds(value) + (
                    f"\n[{pounds(interval[0])}, {pounds(interval[1])}]" if np.isfinite(interval).all() else ""
                )
                red, green, blue, _ = colour_map(norm(value))
                ink = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"
            else:
                text, ink = "n/a", "black"
            axes.text(column, row, text, ha="center", va="center", fontsize="small", color=ink)
            if saver == spender:  # its own pocket: the saving it sees in its own budget
                axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=1.5))
    if ALL_AGENCIES in table.columns:
        axes.axvline(table.columns.get_loc(ALL_AGENCIES) - 0.5, color="black", linewidth=1.5)
    axes.set_xticks(range(table.shape[1]), table.columns, rotation=30, ha="right")
    axes.set_yticks(range(table.shape[0]), table.index)
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        if label.get_text() != ALL_AGENCIES:
            label.set_color(agency_colour(label.get_text()))
    axes.spines[["top", "right"]].set_visible(True)
    axes.set_xlabel("saver: whose spend on services falls")
    axes.set_ylabel("spender: gets the extra prevention money")
    pairs = int(matrix["pairs"].max()) if not matrix.empty else 0
    axes.set_title(f"The wrong pocket: £ saved per £1 of extra prevention ({pairs} paired replications)")
    colourbar = figure.colorbar(image, ax=axes, shrink=0.9)
    colourbar.set_label("£ saved per £1 of extra prevention")
    return figure


def is_wrong_pocket(manifest: dict) -> bool:
    return manifest["experiment"]["design"]["kind"] == "wrong_pocket"


def shown_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """The wide table for reading: `value [low, high]` in £ per £1, with each spender's extra spend."""
    cells = matrix.assign(
        cell=[
            pounds(v) + (f" [{pounds(lo)}, {pounds(hi)}]" if np.isfinite([lo, hi]).all() else "")
            if np.isfinite(v)
            else "n/a"
            for v, lo, hi in matrix[["savings_per_gbp", "ci_low", "ci_high"]].itertuples(index=False)
        ]
    )
    table = cells.pivot(index="spender", columns="saver", values="cell")
    table = table.reindex(index=list(dict.fromkeys(matrix["spender"])), columns=list(dict.fromkeys(matrix["saver"])))
    extra = matrix.drop_duplicates("spender").set_index("spender")["extra_spend_gbp"] / 1e6
    table.insert(0, "extra prevention (£m)", extra.map(lambda v: f"{v:,.1f}"))
    table.columns.name = None
    return table.reset_index()


def wrong_pocket_section(results: ExperimentResults) -> Section | None:
    """The report's wrong-pocket section (heatmap and table), for wrong_pocket experiments only."""
    if not is_wrong_pocket(results.manifest):
        return None
    matrix = wrong_pocket_matrix(results)
    intro = (
        "Each agency in turn got extra prevention money; every row compares that point with the unchanged "
        "place, replication by replication. A cell is how much the column's agency spends less on services "
        "per £1 of the row's extra prevention (its own cell leaves out that prevention); 'elsewhere' is every "
        "agency but the spender, 'all agencies' the whole place, so 'all agencies' minus 1 is the net return "
        "per £1 to the place. Intervals: 95% paired bootstrap over replications."
    )
    section = Section("The wrong pocket", intro)
    section.figures.append(FigureItem("wrong_pocket", plot_wrong_pocket(matrix), "£ saved per £1 of extra prevention"))
    section.tables.append(TableItem("wrong_pocket", "£ saved per £1 of extra prevention", matrix, shown_table(matrix)))
    section.notes.append(
        "Extra prevention is what the spender actually spent more on prevention over the run, not the grant: part "
        "of a grant sizes the assessments its interventions need, and a spender whose savings lift it out of "
        "deficit also resumes prevention from its own money."
    )
    return section
