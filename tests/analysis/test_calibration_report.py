"""The figures and report of a calibration's results folder (sim/analysis/calibration_figures.py,
sim/analysis/calibration_report.py), on a folder made by hand so each number is known."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from sim.analysis.calibration_figures import prior_density, readable, write_calibration_figures
from sim.analysis.calibration_report import write_calibration_report
from sim.calibration.posterior import weighted_quantiles

PARAMETERS = {
    "domains.*.prevention_effect": {"prior": "log_uniform", "low": 0.25, "high": 2.0, "applies": "multiply",
                                    "source": "assumption"},
    "population.copula_correlation": {"prior": "uniform", "low": 0.4, "high": 0.85, "applies": "set", "source": "assumption"},
    "learning.rate": {"prior": "normal", "mean": 0.1, "sd": 0.05, "low": 0.0, "high": 0.3, "applies": "set",
                      "source": "a <script>alert(1)</script> source"},
}
TARGETS = {  # name: (role, observed, sd, predictive centre)
    "health_rate": ("fit", 0.03, 0.005, 0.031),
    "acute_share": ("fit", 0.89, 0.03, 0.90),
    "cost_top_5pct": ("fit", 0.50, 0.05, 0.70),
    "prolific_offenders": ("held_out", 0.52, 0.05, 0.51),
    "full_reform_crises": ("held_out", 0.0, 0.015, -0.10),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    posterior = pd.DataFrame({
        "param:domains.*.prevention_effect": rng.uniform(0.5, 1.0, 100),
        "param:population.copula_correlation": rng.uniform(0.6, 0.7, 100),
        "param:learning.rate": rng.uniform(0.05, 0.15, 100),
        "weight": np.full(100, 0.01),
    })
    posterior.to_parquet(tmp_path / "posterior.parquet")
    predictive = pd.DataFrame({"draw": range(20), "seed": range(20)})
    rows = []
    for name, (role, observed, sd, centre) in TARGETS.items():
        predictive[name] = rng.normal(centre, sd / 4, 20)
        low, high = observed - 2 * sd, observed + 2 * sd
        p05, median, p95 = np.quantile(predictive[name], [0.05, 0.5, 0.95])
        rows.append({"target": name, "role": role, "statistic": "s", "observed": observed, "low": low, "high": high,
                     "simulated_median": median, "simulated_p05": p05, "simulated_p95": p95,
                     "within": bool(p05 <= high and p95 >= low), "source": f"[{name}_row]"})
    predictive.to_parquet(tmp_path / "predictive.parquet")
    pd.DataFrame(rows).to_csv(tmp_path / "targets.csv", index=False)
    pd.DataFrame({"t": [0, 1], "epsilon": [9.0, 4.0], "particles": [100, 100], "simulations": [200, 400],
                  "seconds": [10.0, 20.0], "acceptance_rate": [0.5, 0.25]}).to_csv(tmp_path / "generations.csv", index=False)
    manifest = {
        "status": "complete", "calibration_file": "../place.yaml", "calibration_hash": "abc", "scenario": "s.yaml",
        "scenario_hash": "def", "description": "A test place", "population_sample": 500, "simulations": 600,
        "generations": 2, "wall_seconds": 30.0, "final_epsilon": 4.0, "predictive_draws": 20, "versions": {"placesim": "0"},
        "parameters": PARAMETERS,
        "targets": {name: {"statistic": "s", "domain": None, "agency": None, "regime": None, "observed": observed,
                           "sd": sd, "band": None, "source": f"[{name}_row]", "role": role}
                    for name, (role, observed, sd, _) in TARGETS.items()},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_every_figure_is_a_real_image(folder: Path) -> None:
    written = write_calibration_figures(folder)
    assert [p.name for p in written] == ["posterior_marginals.png", "posterior_pairs.png", "targets_fit.png",
                                         "targets_held_out.png"]
    for path in written:
        assert matplotlib.image.imread(path).shape[0] > 200
    assert not list(folder.glob(".*tmp*"))  # nothing half-written left behind


def test_the_report_keeps_fit_and_held_out_targets_apart_and_names_the_failure(folder: Path) -> None:
    write_calibration_figures(folder)
    html = write_calibration_report(folder).read_text()
    fit_part = html[html.index('id="fit"'):html.index('id="held-out"')]
    held_out_part = html[html.index('id="held-out"'):html.index('id="posterior"')]
    assert "prolific_offenders" not in fit_part and "full_reform_crises" not in fit_part
    assert "prolific_offenders" in held_out_part and "passed" in held_out_part
    assert '<td class="failed">failed</td>' in held_out_part
    assert '<td class="failed">missed</td>' in fit_part  # cost_top_5pct
    assert "1 of 2 held-out targets passed; failed: full_reform_crises." in html
    assert "2 of 3 fit targets are within" in html


def test_user_text_is_escaped(folder: Path) -> None:
    html = write_calibration_report(folder).read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_weighted_quantiles_follow_the_weights() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantiles(values, np.array([0.25, 0.25, 0.25, 0.25]), [0.5]).tolist() == [2.0]
    assert weighted_quantiles(values, np.array([0.0, 0.0, 0.1, 0.9]), [0.05, 0.5]).tolist() == [3.0, 4.0]
    assert weighted_quantiles(values, np.array([1.0, 1.0, 1.0, 1.0]), [1.0]).tolist() == [4.0]


def test_prior_densities_integrate_to_one_over_their_support() -> None:
    for spec in PARAMETERS.values():
        grid = np.linspace(spec["low"], spec["high"], 20001)
        assert np.trapezoid(prior_density(spec, grid), grid) == pytest.approx(1.0, abs=2e-3)


def test_wildcard_names_read_as_every_domain() -> None:
    assert readable("domains.*.prevention_effect") == "prevention_effect, every domain"
    assert readable("population.households.correlation") == "households.correlation"
