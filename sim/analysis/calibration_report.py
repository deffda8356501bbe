"""The HTML report of a finished calibration: what fitted, what the held-out patterns say, what
the posterior learned against the prior, and where the result came from.

It reads only the results folder (manifest.json, posterior.parquet, targets.csv, generations.csv,
the figures), so `placesim calibrate` writes it at the end and anyone can rewrite it. Jinja2 with
autoescaping: target sources and descriptions come from users' files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from sim.analysis.calibration_figures import prior_distribution, readable
from sim.analysis.html import PAGE_CSS
from sim.calibration.outputs import GENERATIONS_FILE, TARGETS_FILE, write_atomically
from sim.calibration.posterior import MANIFEST_FILE, PARAMETER_PREFIX, POSTERIOR_FILE, weighted_quantiles

REPORT_FILE = "report.html"
TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>placesim calibration: {{ name }}</title>
<style>{{ css }}
 td { white-space: nowrap; }
</style>
</head>
<body>
<h1>Calibration: {{ name }}</h1>
<p class="note">{{ description }}</p>
<h2>In short</h2>
<div class="summary">{% for line in summary %}<p>{{ line }}</p>{% endfor %}</div>

<h2 id="fit">Targets used in fitting</h2>
{{ target_table(fit) }}
<figure><img src="targets_fit.png" alt="fit targets against posterior-predictive runs"><figcaption>Each fit target's
observed band (green) against {{ draws }} posterior-predictive runs (dots; bar: 5-95%).</figcaption></figure>

<h2 id="held-out">Held-out targets (never used in fitting)</h2>
{% if held_out %}{{ target_table(held_out) }}
<figure><img src="targets_held_out.png" alt="held-out targets against posterior-predictive runs"><figcaption>Held-out
targets: computed only in the posterior-predictive runs. Passed: the runs' 5-95% interval meets the observed band.</figcaption></figure>
{% else %}<p>This calibration holds no target back: nothing validates it.</p>{% endif %}

<h2 id="posterior">What the posterior learned</h2>
<table><tr><th>parameter</th><th>applies</th><th>prior</th><th>posterior median</th><th>5-95%</th><th>shrinkage</th><th>source of the prior</th></tr>
{% for row in parameters %}<tr><td>{{ row.name }}</td><td class="text">{{ row.applies }}</td><td class="text">{{ row.prior }}</td>
<td>{{ row.median }}</td><td>{{ row.interval }}</td><td>{{ row.shrinkage }}</td><td class="text">{{ row.source }}</td></tr>{% endfor %}
</table>
<p class="note">Shrinkage: 1 - (posterior 5-95% width) / (prior 5-95% width); 0 means the patterns taught nothing about
the parameter, 1 that they pinned it.</p>
<figure><img src="posterior_marginals.png" alt="posterior marginals against priors"></figure>
<figure><img src="posterior_pairs.png" alt="posterior pairs"></figure>

<h2 id="generations">ABC-SMC generations</h2>
<table><tr><th>generation</th><th>epsilon (sds)</th><th>particles</th><th>simulations</th><th>acceptance rate</th><th>seconds</th></tr>
{% for row in generations %}<tr><td>{{ row.t }}</td><td>{{ row.epsilon }}</td><td>{{ row.particles }}</td><td>{{ row.simulations }}</td>
<td>{{ row.acceptance }}</td><td>{{ row.seconds }}</td></tr>{% endfor %}
</table>

<h2 id="provenance">Provenance</h2>
<table>{% for key, value in provenance %}<tr><td>{{ key }}</td><td class="text">{{ value }}</td></tr>{% endfor %}</table>
</body>
</html>
"""
TARGET_TABLE = """<table><tr><th>target</th><th>statistic</th><th>observed</th><th>band</th><th>model median</th>
<th>model 5-95%</th><th>verdict</th><th>median in band</th><th>source</th></tr>
{% for row in rows %}<tr><td>{{ row.target }}</td><td class="text">{{ row.statistic }}</td><td>{{ row.observed }}</td>
<td>{{ row.band }}</td><td>{{ row.median }}</td><td>{{ row.interval }}</td>
<td class="{{ 'passed' if row.within else 'failed' }}">{{ row.verdict }}</td><td>{{ row.median_within }}</td><td class="text">{{ row.source }}</td></tr>{% endfor %}
</table>"""


def count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def number(value: float) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.3g}"


def target_rows(table: pd.DataFrame, role: str) -> list[dict[str, Any]]:
    verdicts = ("within", "missed") if role == "fit" else ("passed", "failed")
    return [
        {
            "target": row.target, "statistic": row.statistic, "observed": number(row.observed),
            "band": f"{number(row.low)} to {number(row.high)}", "median": number(row.simulated_median),
            "interval": f"{number(row.simulated_p05)} to {number(row.simulated_p95)}", "within": bool(row.within),
            "verdict": verdicts[0] if bool(row.within) else verdicts[1], "source": row.source,
            "median_within": "yes" if getattr(row, "median_within", True) in (True, "True") else "no",
        }
        for row in table[table["role"] == role].itertuples()
    ]


def prior_quantiles(spec: dict[str, Any]) -> tuple[float, float]:
    """The prior's 5% and 95% quantiles."""
    distribution = prior_distribution(spec)
    return float(distribution.ppf(0.05)), float(distribution.ppf(0.95))


def describe_prior(spec: dict[str, Any]) -> str:
    if spec["prior"] == "normal":
        bounds = "" if spec.get("low") is None else f" on [{number(spec['low'])}, {number(spec['high'])}]"
        return f"normal({number(spec['mean'])}, {number(spec['sd'])}){bounds}"
    if spec["prior"] == "beta":
        return f"beta({number(spec['alpha'])}, {number(spec['beta'])}) on [{number(spec['low'])}, {number(spec['high'])}]"
    return f"{spec['prior'].replace('_', '-')} [{number(spec['low'])}, {number(spec['high'])}]"


def parameter_rows(manifest: dict[str, Any], posterior: pd.DataFrame) -> list[dict[str, str]]:
    weights = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for name, spec in manifest["parameters"].items():
        values = posterior[PARAMETER_PREFIX + name].to_numpy(dtype=float)
        p05, median, p95 = weighted_quantiles(values, weights, [0.05, 0.5, 0.95])
        prior_low, prior_high = prior_quantiles(spec)
        rows.append({
            "name": readable(name), "applies": spec.get("applies", "set"), "prior": describe_prior(spec),
            "median": number(median), "interval": f"{number(p05)} to {number(p95)}",
            "shrinkage": number(1 - (p95 - p05) / (prior_high - prior_low)), "source": spec["source"],
        })
    return rows


def summary(manifest: dict[str, Any], targets: pd.DataFrame) -> list[str]:
    fit, held_out = targets[targets["role"] == "fit"], targets[targets["role"] == "held_out"]
    lines = [
        f"{int(fit['within'].sum())} of {len(fit)} fit targets are within their observed band in the "
        f"posterior-predictive runs ({manifest.get('predictive_draws', '?')} draws); "
        + (f"missed: {', '.join(fit.loc[~fit['within'], 'target'])}." if (~fit["within"]).any() else "none missed."),
    ]
    if "median_within" in targets:
        outside = targets.loc[~targets["median_within"].astype(bool), "target"].tolist()
        if outside:
            lines.append(f"The predictive median lies outside the observed band for {', '.join(outside)}: "
                         "within means only that the 5-95% interval reaches the band.")
    if len(held_out):
        failed = held_out.loc[~held_out["within"].astype(bool), "target"].tolist()
        lines.append(f"{len(held_out) - len(failed)} of {len(held_out)} held-out targets passed"
                     + (f"; failed: {', '.join(failed)}." if failed else "."))
    lines.append(f"{count(manifest.get('simulations'))} simulations in {manifest.get('generations', '?')} generations at "
                 f"{count(manifest.get('population_sample'))} citizens each; final epsilon "
                 f"{number(manifest.get('final_epsilon', float('nan')))} observational sds.")
    return lines


def write_calibration_report(folder: Path) -> Path:
    """Write `report.html` into a results folder (whole or not at all) and return its path."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    posterior = pd.read_parquet(folder / POSTERIOR_FILE)
    targets = pd.read_csv(folder / TARGETS_FILE, keep_default_na=False, na_values=[""])
    targets["within"] = targets["within"].astype(bool)
    generations = pd.read_csv(folder / GENERATIONS_FILE)
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    table = environment.from_string(TARGET_TABLE)
    versions = ", ".join(f"{k} {v}" for k, v in manifest.get("versions", {}).items())
    provenance = [
        ("calibration file", manifest.get("calibration_file", "")),
        ("calibration hash", manifest.get("calibration_hash", "")),
        ("scenario", f"{manifest.get('scenario', '')} (hash {manifest.get('scenario_hash', '')[:12]})"),
        ("simulations", manifest.get("simulations", "")),
        ("citizens per simulation", manifest.get("population_sample", "")),
        ("predictive runs", f"{manifest.get('predictive_draws', '')} at {manifest.get('predictive_population_sample', '')} citizens, seed {manifest.get('predictive_seed', '')}"),
        ("ABC-SMC wall time", f"{manifest.get('wall_seconds', 0) / 60:.1f} minutes"),
        ("seeds", manifest.get("seeds", "")),
        ("versions", versions),
        ("written", manifest.get("updated", "")),
    ]
    html = environment.from_string(TEMPLATE).render(
        css=PAGE_CSS,
        name=Path(manifest.get("calibration_file", folder.name)).stem,
        description=manifest.get("description", ""),
        summary=summary(manifest, targets),
        fit=target_rows(targets, "fit"),
        held_out=target_rows(targets, "held_out"),
        target_table=lambda rows: jinja2.utils.markupsafe.Markup(table.render(rows=rows)),
        draws=manifest.get("predictive_draws", ""),
        parameters=parameter_rows(manifest, posterior),
        generations=[{"t": int(r.t), "epsilon": number(r.epsilon), "particles": int(r.particles),
                      "simulations": int(r.simulations), "acceptance": f"{r.acceptance_rate:.0%}",
                      "seconds": f"{r.seconds:.0f}"} for r in generations.itertuples()],
        provenance=provenance,
    )
    path = folder / REPORT_FILE
    write_atomically(path, lambda temporary: temporary.write_text(html))
    return path
