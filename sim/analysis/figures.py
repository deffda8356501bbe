"""The report's figures, one function per figure, each from a tidy table to a matplotlib Figure.

Every figure has a title, axis labels with units (£m, per 1,000 people), and takes its colours
from sim.analysis.style: the same agency, spending category or scenario has the same colour in
every figure. Tables carry a `point` column with the design point's name.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.style import (
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    agency_colour,
    colour_for,
    millions,
    new_figure,
)

MAX_COLUMNS = 3
LABEL_WIDTH = 28  # characters per line of a point's name on an axis
XLABEL_WIDTH = 45  # characters per line of a measure's label under a panel


def panel_grid(count: int, width: float = 4.2, height: float = 3.2, **options) -> tuple[Figure, list]:
    """Small multiples: `count` panels in rows of at most MAX_COLUMNS; unused panels hidden."""
    columns = min(count, MAX_COLUMNS)
    rows = math.ceil(count / columns)
    figure, axes = new_figure(width * columns, height * rows + 0.6, nrows=rows, ncols=columns, squeeze=False, **options)
    flat = list(axes.ravel())
    for axis in flat[count:]:
        axis.set_visible(False)
    return figure, flat[:count]


def legend_below(figure: Figure, handles: list, labels: list[str]) -> None:
    figure.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False)


def count_by_agency(count: pd.DataFrame, points: list[str], domains: list[str]) -> Figure:
    """The count: for each point, spend per agency stacked by domain (£m per year)."""
    figure, axes = panel_grid(len(points), sharey=True)
    domain_colour = {d: colour_for(d, {}, domains) for d in domains}
    formatter, label = millions("Spend per year")
    for axis, point in zip(axes, points, strict=True):
        table = count[count["point"] == point].pivot_table(
            index="agency", columns="domain", values="gbp_per_year", aggfunc="sum", fill_value=0.0
        )
        bottom = np.zeros(len(table))
        for domain in [d for d in domain_colour if d in table.columns]:
            axis.bar(table.index, table[domain], bottom=bottom, color=domain_colour[domain], label=domain)
            bottom += table[domain].to_numpy()
        axis.set_title(point)
        axis.yaxis.set_major_formatter(formatter)
        axis.set_ylabel(label)
        axis.tick_params(axis="x", rotation=45)
    handles = [axes[0].bar([0], [0], color=c)[0] for c in domain_colour.values()]
    legend_below(figure, handles, list(domain_colour))
    figure.suptitle("The count: who spends what, on which domain of need")
    figure.tight_layout(rect=(0, 0.08, 1, 0.96))
    return figure


def count_by_category(count: pd.DataFrame, points: list[str]) -> Figure:
    """Spend per point stacked by category: fixed base, crisis response, benefits, prevention,
    assessment, waste (£m per year). A category without a fixed colour is still drawn, so the
    stack adds up to all money used."""
    table = count.pivot_table(index="point", columns="category", values="gbp_per_year", aggfunc="sum", fill_value=0.0)
    table = table.reindex(points)
    figure, axis = new_figure(9, 4.8)
    bottom = np.zeros(len(table))
    categories = [c for c in CATEGORY_COLOURS if c in table.columns]
    categories += sorted(c for c in table.columns if c not in CATEGORY_COLOURS)
    for category in categories:
        values = table[category].to_numpy()
        colour = colour_for(category, CATEGORY_COLOURS, categories)
        axis.bar(table.index, values, bottom=bottom, color=colour, label=CATEGORY_LABELS.get(category, category))
        bottom += values
    formatter, label = millions("Spend per year")
    axis.yaxis.set_major_formatter(formatter)
    axis.set_ylabel(label)
    axis.set_title("Where the money goes: fixed base, crisis, benefits, prevention, assessment and waste")
    axis.tick_params(axis="x", rotation=20)
    axis.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    return figure


def acute_prevention_split(split: pd.DataFrame, colours: dict[str, str]) -> Figure:
    """Acute and prevention shares of spend per point, mean over replications with 95% intervals."""
    figure, axes = new_figure(9, 4, ncols=2, sharey=True)
    for axis, share, title in zip(axes, ("acute_share", "prevention_share"), ("Acute (crisis) share", "Prevention share")):
        rows = split[split["measure"] == share]
        axis.barh(rows["point"], rows["mean"] * 100, color=[colours[p] for p in rows["point"]],
                  xerr=[(rows["mean"] - rows["ci_low"]) * 100, (rows["ci_high"] - rows["mean"]) * 100])  # fmt: skip
        axis.set_xlabel("% of all money used")
        axis.set_title(title)
    axes[0].invert_yaxis()
    figure.suptitle("The acute / prevention split")
    figure.tight_layout()
    return figure


def over_time(bands: pd.DataFrame, colours: dict[str, str], title: str, ylabel: str, panel: str | None = None) -> Figure:
    """Mean path per point with its 95% band; one panel per value of `panel` (e.g. domain)."""
    panels = list(dict.fromkeys(bands[panel])) if panel else [None]
    figure, axes = panel_grid(len(panels), sharex=True) if panel else new_figure(9, 4.5)
    axes = axes if panel else [axes]
    for axis, value in zip(axes, panels, strict=True):
        rows = bands if value is None else bands[bands[panel] == value]
        for point, colour in colours.items():
            line = rows[rows["point"] == point]
            if line.empty:
                continue
            axis.plot(line["step"], line["mean"], color=colour, label=point, linewidth=1.6)
            axis.fill_between(line["step"], line["ci_low"], line["ci_high"], color=colour, alpha=0.2, linewidth=0)
        axis.set_xlabel("Quarter")
        axis.set_ylabel(ylabel)
        if value is not None:
            axis.set_title(str(value))
    handles, labels = axes[0].get_legend_handles_labels()
    legend_below(figure, handles, labels)
    figure.suptitle(f"{title} (mean, 95% band over replications)")
    figure.tight_layout(rect=(0, 0.08, 1, 0.96))
    return figure


def paired_forest(paired: pd.DataFrame, measures: dict[str, str], colours: dict[str, str]) -> Figure:
    """Paired differences against the baseline: one panel per measure, a dot and 95% interval per point.

    A filled dot is distinguishable from noise after the Holm correction (p_holm < 0.05).
    """
    figure, axes = panel_grid(len(measures), width=4.6, height=0.45 * paired["point"].nunique() + 1.6)
    for axis, (measure, label) in zip(axes, measures.items(), strict=True):
        rows = paired[paired["measure"] == measure].reset_index(drop=True)
        for y, row in rows.iterrows():
            colour = colours[row["point"]]
            significant = row["p_holm"] < 0.05
            axis.plot([row["ci_low"], row["ci_high"]], [y, y], color=colour, linewidth=2)
            axis.plot(row["mean_difference"], y, "o", color=colour, markerfacecolor=colour if significant else "white")
        axis.axvline(0, color="black", linewidth=0.8)
        axis.set_yticks(range(len(rows)), [textwrap.fill(p, LABEL_WIDTH) for p in rows["point"]], fontsize="small")
        axis.invert_yaxis()
        axis.set_xlabel(textwrap.fill(label, XLABEL_WIDTH))
    figure.suptitle("Difference from the baseline, paired by seed (95% t interval; filled = Holm p < 0.05)")
    figure.set_layout_engine("constrained")
    return figure


def cost_effectiveness_plane(icer: pd.DataFrame, colours: dict[str, str], effect_label: str) -> Figure:
    """Each point's mean change in effect (x) and spend (y) against the baseline."""
    figure, axis = new_figure(7, 5)
    for _, row in icer.iterrows():
        axis.scatter(row["delta_effect"], row["delta_cost"], color=colours[row["point"]], s=60, label=row["point"])
    axis.axhline(0, color="black", linewidth=0.8)
    axis.axvline(0, color="black", linewidth=0.8)
    formatter, label = millions("Change in money used over the run")
    axis.yaxis.set_major_formatter(formatter)
    axis.set_ylabel(label)
    axis.set_xlabel(effect_label)
    axis.set_title("Cost-effectiveness plane (bottom right: cheaper and better)")
    axis.legend(frameon=False, fontsize="small")
    figure.tight_layout()
    return figure


def collaboration_by_agency(bands: pd.DataFrame, points: list[str]) -> Figure:
    """Culture: each agency's collaboration tendency over time, one panel per point."""
    figure, axes = panel_grid(len(points), sharey=True)
    for axis, point in zip(axes, points, strict=True):
        rows = bands[bands["point"] == point]
        for agency, line in rows.groupby("agency"):
            colour = agency_colour(agency)
            axis.plot(line["step"], line["mean"], color=colour, label=agency)
            axis.fill_between(line["step"], line["ci_low"], line["ci_high"], color=colour, alpha=0.15, linewidth=0)
        axis.set_title(point)
        axis.set_xlabel("Quarter")
        axis.set_ylabel("Collaboration (0-1)")
        axis.set_ylim(0, 1)
    handles, labels = axes[0].get_legend_handles_labels()
    legend_below(figure, handles, labels)
    figure.suptitle("Culture: collaboration tendency per agency (mean, 95% band)")
    figure.tight_layout(rect=(0, 0.08, 1, 0.96))
    return figure


def grid_heatmaps(means: pd.DataFrame, parameters: list[str], output: str, label: str) -> Figure:
    """Mean of one output over the first two varied parameters; a panel per combination of the rest."""
    x, y, rest = parameters[0], parameters[1], parameters[2:]
    combinations = [()] if not rest else list(means.groupby(rest if len(rest) > 1 else rest[0]).groups)
    figure, axes = panel_grid(len(combinations), width=4.6, height=3.8)
    low, high = means[output].min(), means[output].max()
    for axis, combination in zip(axes, combinations, strict=True):
        key = combination if isinstance(combination, tuple) else (combination,)
        rows = means
        for name, value in zip(rest, key, strict=True):
            rows = rows[rows[name] == value]
        table = rows.pivot_table(index=y, columns=x, values=output)
        image = axis.imshow(table.to_numpy(), cmap="viridis", vmin=low, vmax=high, origin="lower", aspect="auto")
        axis.set_xticks(range(table.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns])
        axis.set_yticks(range(table.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index])
        for (row, column), value in np.ndenumerate(table.to_numpy()):
            axis.text(column, row, f"{value:,.3g}", ha="center", va="center", fontsize="small",
                      color="white" if value < (low + high) / 2 else "black")  # fmt: skip
        axis.set_xlabel(x)
        axis.set_ylabel(y)
        axis.grid(False)
        if rest:
            axis.set_title(", ".join(f"{n}={v}" for n, v in zip(rest, key, strict=True)), fontsize="small")
    figure.colorbar(image, ax=axes, label=label, shrink=0.9)
    figure.suptitle(f"{label} over the grid (mean over replications)")
    return figure


def pool_over_time(balance: pd.DataFrame, members: pd.DataFrame, colours: dict[str, str]) -> Figure:
    """Culture: pool balance (£m) and number of contributing members over time, per point."""
    figure, axes = new_figure(11, 4, ncols=2)
    for axis, bands, ylabel in ((axes[0], balance, "Pool balance (£m)"), (axes[1], members, "Members contributing")):
        scale = 1e6 if bands is balance else 1.0
        for point, colour in colours.items():
            line = bands[bands["point"] == point]
            if line.empty:
                continue
            axis.plot(line["step"], line["mean"] / scale, color=colour, label=point)
            axis.fill_between(line["step"], line["ci_low"] / scale, line["ci_high"] / scale, color=colour, alpha=0.2, linewidth=0)
        axis.set_xlabel("Quarter")
        axis.set_ylabel(ylabel)
    axes[1].legend(frameon=False, fontsize="small")
    figure.suptitle("The pool: balance and membership (mean, 95% band)")
    figure.tight_layout()
    return figure

