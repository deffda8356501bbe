"""The report of a real (small) experiment: every file written, every figure referenced, honest text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import charts
from sim.analysis.report import HEADLINE, SAVINGS_HEADLINE, in_report_units, write_report
from sim.analysis.summary import headline_for_reading, headline_table, phrase, plain_summary, ranked_points
from sim.experiment.store import ResultsWarning
from tests.analysis.conftest import SCENARIOS, sweep
from tests.experiment import test_store as store_tests
from tests.experiment.test_store import interrupted_sweep

GRID = """
seed: 4
replications: 2
baseline: {policy.pool.rule: silo}
design:
  kind: grid
  fixed: {run.warmup_steps: 1, policy.pool.rule: need}
  levers:
    policy.pool.rate: [0.1, 0.4]
    policy.ring_fence_share: [0.7, 0.2]
    policy.pool.gain_share: [false, true]
"""


@pytest.fixture(scope="module")
def report(scenarios_results: Path) -> Path:
    return write_report(scenarios_results)[0]


def test_the_report_and_its_summary_are_written_beside_the_results(report: Path) -> None:
    assert report.name == "report.html" and report.is_file()
    assert (report.parent / "summary.md").is_file()
    assert not list(report.parent.rglob(".*.tmp")), "a temporary file was left behind"


def test_every_figure_the_page_shows_exists_and_every_figure_written_is_shown(report: Path) -> None:
    html = report.read_text()
    shown = set(re.findall(r'src="(figures/[^"]+\.png)"', html))
    written = {f"figures/{p.name}" for p in (report.parent / "figures").glob("*.png")}
    assert shown == written
    expected = {"count_by_agency", "count_by_category", "acute_prevention_split", "crises_by_domain", "wellbeing",
                "paired_differences", "spread_of_runs", "cost_effectiveness", "crises_difference", "money_used_difference",
                "who_saves", "between_money_used_gbp", "between_crises_per_1000_per_year", "payback", "collaboration",
                "pool_balance", "pool_members"}  # fmt: skip
    assert {f"figures/{name}.png" for name in expected} <= shown


def test_every_interactive_figure_has_its_specification_its_svg_and_the_script_that_draws_it(report: Path) -> None:
    html = report.read_text()
    charts = re.findall(r'<div class="vega" id="chart-([^"]+)"', html)
    assert {"paired_differences", "who_saves", "payback", "crises_by_domain"} <= set(charts)
    for name in charts:
        spec = re.search(rf'<script type="application/json" id="spec-{name}">(.*?)</script>', html, re.S).group(1)
        assert json.loads(spec)["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert (report.parent / "figures" / f"{name}.svg").read_text().lstrip().startswith("<svg")
        assert f'href="figures/{name}.svg"' in html and f'href="figures/{name}.png"' in html
    bundle = report.parent / "figures" / "vega-embed.js"
    assert '<script src="figures/vega-embed.js"></script>' in html and bundle.stat().st_size > 100_000


def test_user_text_cannot_close_a_figures_script(tmp_path: Path) -> None:
    """A point named with markup reaches the specification JSON escaped, so it cannot end the script."""
    from sim.analysis.html import script_json

    text = script_json(charts.over_time(pd.DataFrame({"point": ["</script><b>x"], "step": [1], "mean": [1.0],
                                                      "ci_low": [0.5], "ci_high": [1.5]}),
                                        {"</script><b>x": "#000000"}, "t", "y").to_dict())  # fmt: skip
    assert "</script>" not in text and "<b>" not in text
    assert json.loads(text)["datasets"]  # still the same data once parsed


def test_every_table_linked_from_the_page_is_a_csv_with_rows(report: Path) -> None:
    links = set(re.findall(r'href="(tables/[^"]+\.csv)"', report.read_text()))
    assert len(links) >= 8
    for link in links:
        assert len(pd.read_csv(report.parent / link)) > 0, link


def test_the_count_table_adds_up_to_the_spend_in_the_runs_table(scenarios_results: Path, report: Path) -> None:
    count = pd.read_csv(report.parent / "tables" / "count_by_category.csv")
    runs = pd.read_parquet(scenarios_results / "runs.parquet")
    years = 6 / 4
    per_point = count.groupby("point")["gbp_per_year"].sum()
    expected = runs.groupby("point")["money_used_gbp"].mean() / years
    np.testing.assert_allclose(per_point.sort_index(), expected.sort_index(), rtol=1e-9)


def test_the_headline_compares_every_point_with_the_baseline(report: Path) -> None:
    headline = pd.read_csv(report.parent / "tables" / "headline.csv")
    assert set(headline["point"]) == {"pooled", "devolved"}
    assert set(headline["measure"]) == set(HEADLINE) | set(SAVINGS_HEADLINE)
    assert (headline["pairs"] == 3).all()


def test_the_headline_savings_are_the_baseline_minus_the_point_in_millions_a_year(
    scenarios_results: Path, report: Path
) -> None:
    headline = pd.read_csv(report.parent / "tables" / "headline.csv").set_index(["point", "measure"])
    runs = pd.read_parquet(scenarios_results / "runs.parquet").set_index(["point", "replication"])
    years = 6 / 4
    for point in ("pooled", "devolved"):
        base, other = runs.loc["silo"], runs.loc[point]
        by_hand = {
            "cashable_saving_gbp": base["money_used_gbp"] - other["money_used_gbp"],
            "non_cashable_saving_gbp": other["idle_capacity_gbp"] - base["idle_capacity_gbp"],
            "claimed_saving_gbp": other["claimed_savings_gbp"] - base["claimed_savings_gbp"],
            "savings_gap_gbp": other["claimed_savings_gbp"] - base["claimed_savings_gbp"]
            - (base["money_used_gbp"] - other["money_used_gbp"]),
            "saving_to_centre_gbp": base["net_cost_to_centre_gbp"] - other["net_cost_to_centre_gbp"],
        }
        for measure, saving in by_hand.items():
            row = headline.loc[(point, measure)]
            assert row["mean_difference"] == pytest.approx(saving.mean() / years / 1e6, rel=1e-9, abs=1e-12)
            assert row["baseline_mean"] == 0 and row["ci_low"] <= row["mean_difference"] <= row["ci_high"]
        averted = (base["total_crises"] - other["total_crises"]) / (other["money_used_gbp"] / 1e6)
        row = headline.loc[(point, "crises_averted_per_million_gbp")]
        assert row["mean_difference"] == pytest.approx(averted.mean(), rel=1e-9, abs=1e-12)


def test_the_headline_table_for_reading_has_points_as_rows_and_measures_with_units_as_columns(report: Path) -> None:
    headline = pd.read_csv(report.parent / "tables" / "headline.csv")
    shown = headline_for_reading(headline)
    assert list(shown["point"]) == ["baseline (its own levels)", *[f"{p} minus baseline" for p in ranked_points(headline)]]
    assert {"money used (£m a year)", "crises (per 1,000 residents a year)", "claimed saving (£m a year)"} <= set(shown)
    differences = shown.iloc[1:]
    for column in [c for c in shown.columns if c not in ("point", "pairs")]:
        assert differences[column].str.match(r"^[+-]?[\d.,]+(e-?\d+)? \([+-]?.+ to [+-]?.+\)( \*| †)?$").all(), column
    assert (differences["pairs"] == "3").all()
    html = report.read_text()
    assert "money used (£m a year)" in html and "points x 3 replications run" in html


def test_points_are_ranked_by_their_cashable_saving() -> None:
    headline = pd.DataFrame({"point": ["a", "b", "c"], "measure": "cashable_saving_gbp", "mean_difference": [1.0, 5.0, -2.0]})
    assert ranked_points(headline) == ["b", "a", "c"]


def test_the_summary_says_what_each_saving_means_and_gives_it_per_point_in_millions_a_year(report: Path) -> None:
    summary = (report.parent / "summary.md").read_text()
    assert "the cashable saving is less cash used than the baseline" in summary
    assert "the non-cashable saving is capacity freed but still paid for" in summary
    assert "the claimed saving is what the business cases of the point's extra prevention and packages claimed" in summary
    assert "the savings gap is the claimed saving less the cashable saving" in summary
    assert "the saving to the centre is the fall in its net cost" in summary
    assert "crises averted against the baseline per £1m of the point's money used" in summary
    for point in ("pooled", "devolved"):
        paragraph = next(line for line in summary.splitlines() if f"under {point}, " in line)
        assert "money used (all spend on services)" in paragraph
        for noun in ("a cashable saving", "a non-cashable saving", "a claimed saving", "a savings gap", "a saving to the centre"):
            amount = r"-?£[\d.,]+m a year"
            assert re.search(noun + rf" (of {amount} \(|not beyond noise \({amount}, )", paragraph), noun
        assert re.search(r"crises averted per £1m of money used", paragraph)
        assert "of 11 headline differences are beyond noise" in paragraph


def test_user_text_is_escaped_in_the_page(tmp_path: Path) -> None:
    body = GRID.replace("seed: 4", "seed: 4\ndescription: '<script>alert(1)</script>'")
    html = write_report(sweep(tmp_path, body, "escaped"))[0].read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_grid_gets_one_heatmap_per_headline_output_with_a_panel_per_third_lever(tmp_path: Path) -> None:
    report, _ = write_report(sweep(tmp_path, GRID, "grid"))
    for output in HEADLINE:
        assert (report.parent / "figures" / f"grid_{output}.png").is_file()
    means = pd.read_csv(report.parent / "tables" / "grid_means.csv")
    assert len(means) == 8 and {"policy.pool.rate", "policy.ring_fence_share", "policy.pool.gain_share"} <= set(means)


def known_difference_runs(true_difference: float, replications: int, seed: int) -> pd.DataFrame:
    """Runs of a baseline and two points: 'better' cuts crises by `true_difference`, 'same' by 0."""
    rng = np.random.default_rng(seed)
    frames = []
    shared = rng.normal(450.0, 30.0, replications)
    for point, difference in (("silo", 0.0), ("better", -true_difference), ("same", 0.0)):
        noise = rng.normal(0.0, 2.0, replications) if point != "silo" else 0.0
        values = {measure: np.full(replications, 1.0) for measure in HEADLINE}
        values["crises_per_1000_per_year"] = shared + difference + noise
        frames.append(pd.DataFrame({"point": point, "replication": range(replications), **values}))
    return pd.concat(frames, ignore_index=True)


def test_a_known_difference_is_recovered_and_called_distinguishable_and_no_difference_is_not() -> None:
    runs = known_difference_runs(true_difference=20.0, replications=30, seed=0)
    headline = headline_table(runs, "silo", HEADLINE).set_index(["point", "measure"])
    better = headline.loc[("better", "crises_per_1000_per_year")]
    assert better["ci_low"] < -20.0 < better["ci_high"]
    assert better["distinguishable"]
    assert not headline.loc[("same", "crises_per_1000_per_year"), "distinguishable"]
    rows = headline.reset_index().set_index("point")
    crises = rows[rows["measure"] == "crises_per_1000_per_year"]
    assert re.match(r"crises fall by (19|20)\.\d per 1,000 people a year \(4%; 95% CI", phrase(crises.loc["better"]))
    assert phrase(crises.loc["same"]).startswith("crises: no difference beyond noise")


def test_the_plain_summary_says_what_was_compared_and_what_is_noise(scenarios_results: Path) -> None:
    from sim.experiment.store import load_results

    results = load_results(scenarios_results)
    runs = in_report_units(results.runs, years=1.5)
    headline = headline_table(runs, "silo", HEADLINE)
    text = " ".join(plain_summary(results.manifest, runs, "silo", headline, 1.5))
    assert "3 design points" in text and "each run 3 times" in text and "1,000 simulated citizens" in text
    assert "baseline 'silo'" in text
    for point in ("pooled", "devolved"):
        beyond = int(headline[headline["point"] == point]["distinguishable"].sum())
        assert f"under {point}, " in text and f"{beyond} of 5 headline differences are beyond noise" in text


def test_money_is_reported_in_millions_per_year_and_shares_in_points() -> None:
    runs = pd.DataFrame({"money_used_gbp": [20e6], "cashable_saving_gbp": [4e6], "final_deficit_gbp": [3e6],
                         "final_reserves_gbp": [8e6], "acute_share": [0.25], "need_related_acute_share": [0.5],
                         "prevention_share": [0.1], "crises_per_million_gbp": [12.0],
                         "crises_averted_per_million_gbp": [1.5], "param:x_gbp": [5.0]})  # fmt: skip
    scaled = in_report_units(runs, years=2.0).iloc[0]
    assert scaled["money_used_gbp"] == 10.0 and scaled["cashable_saving_gbp"] == 2.0
    assert scaled["final_deficit_gbp"] == 3.0 and scaled["final_reserves_gbp"] == 8.0  # held at the end: not per year
    assert scaled["acute_share"] == 25.0 and scaled["need_related_acute_share"] == 50.0 and scaled["param:x_gbp"] == 5.0
    assert scaled["crises_per_million_gbp"] == 12.0 and scaled["crises_averted_per_million_gbp"] == 1.5  # rates


SALTELLI = """
seed: 6
replications: 1
design:
  kind: saltelli
  samples: 4
  fixed: {run.warmup_steps: 1, policy.pool.rule: need, policy.pool.rate: 0.3}
  uncertainties:
    domains.health.prevention_effect: {low: 0.05, high: 0.3}
    policy.pool.package_effect: {low: 0.05, high: 0.3}
    learning.rate: {low: 0.02, high: 0.3}
"""


def test_a_sensitivity_design_reports_indices_instead_of_per_point_figures(tmp_path: Path) -> None:
    report, headline = write_report(sweep(tmp_path, SALTELLI, "saltelli"))
    figures = {p.stem for p in (report.parent / "figures").glob("*.png")}
    assert {f"sensitivity_{output}" for output in HEADLINE} <= figures
    assert "count_by_agency" not in figures and "collaboration" not in figures
    assert set(headline["index"]) == {"ST"} and len(headline) == len(HEADLINE) + 1
    assert "Sobol variance decomposition" in (report.parent / "summary.md").read_text()


LHS = """
seed: 9
replications: 2
design:
  kind: lhs
  samples: 8
  fixed: {run.warmup_steps: 1, policy.pool.rule: need, policy.pool.rate: 0.3}
  uncertainties:
    domains.health.prevention_effect: {low: 0.05, high: 0.3}
    learning.rate: {low: 0.02, high: 0.3}
"""


def test_a_space_filling_design_reports_outputs_against_each_uncertainty(tmp_path: Path) -> None:
    report, headline = write_report(sweep(tmp_path, LHS, "lhs"))
    figures = {p.stem for p in (report.parent / "figures").glob("*.png")}
    assert {f"sample_{output}" for output in HEADLINE} <= figures and "count_by_agency" not in figures
    correlations = pd.read_csv(report.parent / "tables" / "rank_correlations.csv")
    assert len(correlations) == 2 * (len(HEADLINE) + 1)
    assert correlations["value"].between(-1, 1).all() and (correlations["n"] == 8).all()
    assert set(headline["index"]) == {"rho"}
    sample = pd.read_csv(report.parent / "tables" / "sample_outputs.csv")
    assert sample["domains.health.prevention_effect"].between(0.05, 0.3).all()  # parameter units kept
    assert "Latin hypercube exploration" in (report.parent / "summary.md").read_text()


@pytest.fixture(scope="module")
def report_without_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a grid sweep stopped after 5 of its 10 runs: the baseline, last, has none."""
    out = interrupted_sweep(tmp_path_factory.mktemp("partial"), store_tests.GRID, "grid", runs=5)
    with pytest.warns(ResultsWarning, match="partial: 5 of 10 runs"):
        return write_report(out)[0]


def test_the_report_of_an_unfinished_sweep_says_partial_in_its_header_and_summary(report_without_baseline: Path) -> None:
    html = report_without_baseline.read_text()
    assert '<p class="partial">partial: 5 of 10 runs' in html
    assert "<title>placesim report: grid (partial: 5 of 10 runs)</title>" in html
    summary = (report_without_baseline.parent / "summary.md").read_text().splitlines()
    assert summary[0] == "# grid (partial: 5 of 10 runs)"
    assert summary[2].startswith("These results are partial: 5 of 10 runs. The sweep has not finished")
    assert "baseline (0 of 2)" in summary[2] and "--resume" in summary[2]


def test_a_partial_report_without_the_baselines_runs_compares_nothing_and_says_why(report_without_baseline: Path) -> None:
    headline = pd.read_csv(report_without_baseline.parent / "tables" / "headline.csv")
    assert "mean_difference" not in headline.columns and set(headline["measure"]) == set(HEADLINE)  # no savings
    html = report_without_baseline.read_text()
    assert "No point can be compared with the baseline &#39;baseline&#39; yet: it has no runs." in html
    assert "No point has a run paired with one of the baseline &#39;baseline&#39; yet" in html


def test_a_partial_report_compares_only_the_points_paired_with_the_baseline(tmp_path: Path) -> None:
    out = interrupted_sweep(tmp_path, SCENARIOS, "regimes", runs=4)  # silo x 3, pooled x 1, devolved none
    with pytest.warns(ResultsWarning, match="partial: 4 of 9 runs"):
        report, headline = write_report(out)
    assert set(headline["point"]) == {"pooled"} and (headline["pairs"] == 1).all()
    assert set(SAVINGS_HEADLINE) <= set(headline["measure"])
    np.testing.assert_allclose(headline["point_mean"] - headline["baseline_mean"], headline["mean_difference"], rtol=1e-9)
    html = report.read_text()
    assert "Not compared, for want of a replication paired with the baseline&#39;s: devolved." in html
    assert "runs are missing at pooled (1 of 3), devolved (0 of 3)" in html


def test_too_few_pairs_to_test_is_said_above_the_summary_with_the_replications_needed(report: Path) -> None:
    """3 pairs and 2 points: no Holm p can go below 0.5, so the report says so and asks for 7."""
    html, summary = report.read_text(), (report.parent / "summary.md").read_text()
    for text in (html, summary):
        assert "Too few replications to test: with 3 pairs per point" in text
        assert "raises it to 0.5" in text and "Run at least 7 replications (--replications 7)" in text
    assert html.index('class="warning"') < html.index("Headline table")


def test_a_large_difference_with_too_few_pairs_is_marked_untested_not_called_noise() -> None:
    runs = known_difference_runs(true_difference=20.0, replications=3, seed=0)
    headline = headline_table(runs, "silo", HEADLINE).set_index(["point", "measure"])
    better = headline.loc[("better", "crises_per_1000_per_year")]
    assert better["ci_high"] < 0 and better["verdict"] == "too few pairs to test" and not better["distinguishable"]
    assert phrase(better.rename(None).to_frame().T.assign(point="better", measure="crises_per_1000_per_year").iloc[0]
                  ).endswith("too few pairs for the test to confirm it")  # fmt: skip
    enough = headline_table(known_difference_runs(20.0, 30, seed=0), "silo", HEADLINE).set_index(["point", "measure"])
    assert enough.loc[("better", "crises_per_1000_per_year"), "verdict"] == "beyond noise"
    assert enough.loc[("same", "crises_per_1000_per_year"), "verdict"] == "within noise"


def test_the_summary_opens_with_the_ranked_answer_in_millions_a_year(scenarios_results: Path) -> None:
    from sim.experiment.store import load_results

    results = load_results(scenarios_results)
    runs = in_report_units(results.runs, years=1.5)
    headline = headline_table(runs, "silo", HEADLINE)
    first = plain_summary(results.manifest, runs, "silo", headline, 1.5)[0]
    ranked = ranked_points(headline)
    assert first.startswith("Saving against silo, £m a year (95% CI), biggest first: " + ranked[0])
    assert first.index(ranked[0]) < first.index(ranked[1]) and "per 1,000 residents a year" in first
