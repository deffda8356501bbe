"""Rendering a report as HTML (one page, figures beside it in figures/) and as Markdown.

The HTML is a Jinja2 template with autoescaping: scenario names and descriptions come from
users' files and must not become markup. Figures are referenced relative to the page, so the
results folder can be moved or zipped whole. An interactive figure's Vega-Lite specification is
embedded in the page as JSON (with `<`, `>` and `&` escaped, so no user text can close the
script) and drawn by vega-embed from figures/vega-embed.js; its PNG and SVG are linked beside it.
`PAGE_CSS` is the look every placesim report shares (the calibration report uses it too).
"""

from __future__ import annotations

import json
from typing import Any

import jinja2
import pandas as pd

from sim.analysis.sections import VEGA_BUNDLE, Section
from sim.analysis.summary import VERDICT_KEY, headline_for_reading, replications_run

PAGE_CSS = """
 body { font-family: system-ui, sans-serif; max-width: 1150px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
 h1 { margin-bottom: 0.2em; } .meta { color: #555; font-size: 0.9em; }
 table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
 th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
 th:first-child, td:first-child, td.text { text-align: left; }
 td.text { white-space: normal; }
 figure { margin: 1.2em 0; overflow-x: auto; } figure img { max-width: 100%; } figcaption, .note { color: #555; font-size: 0.9em; }
 .summary { background: #f4f7fb; border-left: 4px solid #0072B2; padding: 0.6em 1em; }
 .lead { font-size: 1.05em; font-weight: 600; color: #111; }
 .warning, .partial { background: #fff4e5; border-left: 4px solid #D55E00; padding: 0.6em 1em; }
 .partial { font-weight: bold; }
 .failed { color: #D55E00; font-weight: bold; } .passed { color: #009E73; font-weight: bold; }
 nav a { margin-right: 1em; } details { margin: 0.5em 0 1em; }
 .downloads a { margin-left: 0.4em; }
 table.headline td:first-child { min-width: 12em; }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>placesim report: {{ name }}{% if partial %} ({{ partial }}){% endif %}</title>
<style>{{ css }}</style>
</head>
<body>
<h1>{{ name }}</h1>
{% if partial %}<p class="partial">{{ partial }}: the sweep has not finished; this report shows the runs done so far.</p>{% endif %}
<p class="meta">{{ description }}<br>Experiment {{ experiment_file }} (hash {{ experiment_hash[:12] }}), code {{ git_commit }},
{% if partial %}{{ partial }}, not finished{% else %}{{ runs }} runs, finished {{ finished }}{% endif %}; {{ design }}.</p>
<nav>{% for section in sections %}<a href="#s{{ loop.index }}">{{ section.title }}</a>{% endfor %}</nav>
<h2>In short</h2>
{% for warning in warnings %}<p class="warning">{{ warning }}</p>{% endfor %}
{% if lead %}<p class="summary lead">{{ summary[0] }}</p>{% endif %}
<h3>Headline table</h3>
{{ headline | safe }}
{% if key %}<p class="note">{{ key }}</p>{% endif %}
<h3>{% if lead %}In detail{% else %}What was run{% endif %}</h3>
<div class="summary">{% for paragraph in (summary[1:] if lead else summary) %}<p>{{ paragraph }}</p>{% endfor %}</div>
<p class="note">Tables behind every figure are in <code>tables/</code> as CSV, at full precision. Interactive figures:
hover for values, drag to pan and scroll to zoom where the axes are continuous (double-click resets), and export PNG or
SVG from the ... menu at each figure's top right.</p>
{% for section in sections %}
<h2 id="s{{ loop.index }}">{{ section.title }}</h2>
{% if section.intro %}<p>{{ section.intro }}</p>{% endif %}
{% for figure in section.figures %}
{% if figure.interactive %}
<figure><div class="vega" id="chart-{{ figure.name }}" data-spec="spec-{{ figure.name }}"></div>
<script type="application/json" id="spec-{{ figure.name }}">{{ specs[figure.name] | safe }}</script>
<noscript><img src="figures/{{ figure.name }}.png" alt="{{ figure.caption }}"></noscript>
<figcaption>{{ figure.caption }}<span class="downloads"><a href="figures/{{ figure.name }}.png">PNG</a><a
href="figures/{{ figure.name }}.svg">SVG</a></span></figcaption></figure>
{% else %}
<figure><img src="figures/{{ figure.name }}.png" alt="{{ figure.caption }}"><figcaption>{{ figure.caption }}</figcaption></figure>
{% endif %}
{% endfor %}
{% for note in section.notes %}<p class="note">{{ note }}</p>{% endfor %}
{% for table in section.tables %}
<details><summary>{{ table.title }} (<a href="tables/{{ table.name }}.csv">CSV</a>)</summary>
{{ tables[table.name] | safe }}</details>
{% endfor %}
{% endfor %}
{% if specs %}
<script src="figures/{{ bundle }}"></script>
<script>
for (const holder of document.querySelectorAll("div.vega")) {
  const spec = JSON.parse(document.getElementById(holder.dataset.spec).textContent);
  vegaEmbed(holder, spec, {renderer: "svg", actions: {export: true, source: false, compiled: false, editor: false}})
    .catch(error => { holder.textContent = "This figure could not be drawn: " + error; console.error(error); });
}
</script>
{% endif %}
</body>
</html>
"""
ROWS_SHOWN = 60


def frame_html(frame: pd.DataFrame) -> str:
    """A table as escaped HTML, cut to its first rows (the CSV holds all)."""
    shown = frame.head(ROWS_SHOWN)
    html = shown.to_html(index=False, escape=True, border=0, float_format=lambda v: f"{v:,.4g}", na_rep="")
    if len(frame) > ROWS_SHOWN:
        html += f'<p class="note">First {ROWS_SHOWN} of {len(frame):,} rows.</p>'
    return html


def script_json(spec: dict[str, Any]) -> str:
    """A chart's specification as JSON that cannot end the script element it sits in."""
    text = json.dumps(spec, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def design_line(manifest: dict[str, Any], runs: pd.DataFrame) -> str:
    """'6 points x 5 replications (paired by seed)': the count run, whatever the description says."""
    paired = " (paired by seed with the baseline)" if manifest.get("baseline") else ""
    return f"{runs['point'].nunique()} points x {replications_run(runs)} replications run{paired}"


def render_html(
    manifest: dict[str, Any],
    summary: list[str],
    headline: pd.DataFrame,
    sections: list[Section],
    partial: str | None = None,
    warnings: list[str] | None = None,
    design: str = "",
) -> str:
    """The page; `partial` ('partial: 5 of 14 runs') marks the report of an unfinished sweep at its
    top, `warnings` (e.g. too few pairs to test) stand above the summary, `design` says what was run."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    tables = {t.name: frame_html(t.display) for s in sections for t in s.tables}
    specs = {f.name: script_json(f.spec) for s in sections for f in s.figures if f.interactive}
    compared = "mean_difference" in headline.columns
    return environment.from_string(TEMPLATE).render(
        css=PAGE_CSS,
        specs=specs,
        bundle=VEGA_BUNDLE,
        warnings=warnings or [],
        design=design,
        lead=compared,
        key=VERDICT_KEY if compared else "",
        name=manifest["experiment"]["name"],
        description=manifest["experiment"].get("description", ""),
        experiment_file=manifest.get("experiment_file", ""),
        experiment_hash=manifest.get("experiment_hash", ""),
        git_commit=(manifest.get("git_commit") or "unknown")[:12],
        runs=manifest.get("runs", ""),
        finished=manifest.get("finished", "unknown"),
        partial=partial,
        summary=summary,
        headline=frame_html(headline_for_reading(headline)).replace('<table class="dataframe">', '<table class="dataframe headline">', 1),
        sections=sections,
        tables=tables,
    )


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cells(values: list) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    return "\n".join([cells(list(frame.columns)), cells(["---"] * frame.shape[1]), *map(cells, frame.to_numpy().tolist())])


def render_markdown(
    manifest: dict[str, Any],
    summary: list[str],
    headline: pd.DataFrame,
    sections: list[Section],
    partial: str | None = None,
    warnings: list[str] | None = None,
) -> str:
    title = manifest["experiment"]["name"] + (f" ({partial})" if partial else "")
    lines = [f"# {title}", "", *[f"> {w}\n" for w in warnings or []], *[p + "\n" for p in summary], "## Headline table", ""]
    lines.append(markdown_table(headline_for_reading(headline)))
    if "mean_difference" in headline.columns:
        lines += ["", VERDICT_KEY]
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        lines += [f"![{f.caption}](figures/{f.name}.png)" for f in section.figures]
        lines += [f"Table: [tables/{t.name}.csv](tables/{t.name}.csv)" for t in section.tables]
    return "\n".join(lines) + "\n"
