"""Rendering a report as HTML (one page, figures beside it in figures/) and as Markdown.

The HTML is a Jinja2 template with autoescaping: scenario names and descriptions come from
users' files and must not become markup. Figures are referenced relative to the page, so the
results folder can be moved or zipped whole.
"""

from __future__ import annotations

from typing import Any

import jinja2
import pandas as pd

from sim.analysis.sections import Section
from sim.analysis.summary import headline_for_reading

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>placesim report: {{ name }}{% if partial %} ({{ partial }}){% endif %}</title>
<style>
 body { font-family: system-ui, sans-serif; max-width: 1150px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
 h1 { margin-bottom: 0.2em; } .meta { color: #555; font-size: 0.9em; }
 table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
 th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
 th:first-child, td:first-child { text-align: left; }
 figure { margin: 1.2em 0; } figure img { max-width: 100%; } figcaption { color: #444; font-size: 0.9em; }
 .summary { background: #f4f7fb; border-left: 4px solid #0072B2; padding: 0.6em 1em; }
 .note { color: #555; font-size: 0.9em; } nav a { margin-right: 1em; }
 details { margin: 0.5em 0 1em; }
 .partial { background: #fff4e5; border-left: 4px solid #D55E00; padding: 0.6em 1em; font-weight: bold; }
</style>
</head>
<body>
<h1>{{ name }}</h1>
{% if partial %}<p class="partial">{{ partial }}: the sweep has not finished; this report shows the runs done so far.</p>{% endif %}
<p class="meta">{{ description }}<br>Experiment {{ experiment_file }} (hash {{ experiment_hash[:12] }}), code {{ git_commit }},
{% if partial %}{{ partial }}, not finished{% else %}{{ runs }} runs, finished {{ finished }}{% endif %}.</p>
<nav>{% for section in sections %}<a href="#s{{ loop.index }}">{{ section.title }}</a>{% endfor %}</nav>
<h2>In short</h2>
<div class="summary">{% for paragraph in summary %}<p>{{ paragraph }}</p>{% endfor %}</div>
<h3>Headline table</h3>
{{ headline | safe }}
<p class="note">Tables behind every figure are in <code>tables/</code> as CSV, at full precision.</p>
{% for section in sections %}
<h2 id="s{{ loop.index }}">{{ section.title }}</h2>
{% if section.intro %}<p>{{ section.intro }}</p>{% endif %}
{% for figure in section.figures %}
<figure><img src="figures/{{ figure.name }}.png" alt="{{ figure.caption }}"><figcaption>{{ figure.caption }}</figcaption></figure>
{% endfor %}
{% for note in section.notes %}<p class="note">{{ note }}</p>{% endfor %}
{% for table in section.tables %}
<details><summary>{{ table.title }} (<a href="tables/{{ table.name }}.csv">CSV</a>)</summary>
{{ tables[table.name] | safe }}</details>
{% endfor %}
{% endfor %}
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


def render_html(
    manifest: dict[str, Any], summary: list[str], headline: pd.DataFrame, sections: list[Section], partial: str | None = None
) -> str:
    """The page; `partial` ('partial: 5 of 14 runs') marks the report of an unfinished sweep at its top."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    tables = {t.name: frame_html(t.display) for s in sections for t in s.tables}
    return environment.from_string(TEMPLATE).render(
        name=manifest["experiment"]["name"],
        description=manifest["experiment"].get("description", ""),
        experiment_file=manifest.get("experiment_file", ""),
        experiment_hash=manifest.get("experiment_hash", ""),
        git_commit=(manifest.get("git_commit") or "unknown")[:12],
        runs=manifest.get("runs", ""),
        finished=manifest.get("finished", "unknown"),
        partial=partial,
        summary=summary,
        headline=frame_html(headline_for_reading(headline)),
        sections=sections,
        tables=tables,
    )


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cells(values: list) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    return "\n".join([cells(list(frame.columns)), cells(["---"] * frame.shape[1]), *map(cells, frame.to_numpy().tolist())])


def render_markdown(
    manifest: dict[str, Any], summary: list[str], headline: pd.DataFrame, sections: list[Section], partial: str | None = None
) -> str:
    title = manifest["experiment"]["name"] + (f" ({partial})" if partial else "")
    lines = [f"# {title}", "", *[p + "\n" for p in summary], "## Headline table", ""]
    lines.append(markdown_table(headline_for_reading(headline)))
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        lines += [f"![{f.caption}](figures/{f.name}.png)" for f in section.figures]
        lines += [f"Table: [tables/{t.name}.csv](tables/{t.name}.csv)" for t in section.tables]
    return "\n".join(lines) + "\n"
