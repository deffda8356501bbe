"""What a report is made of: sections holding figures and tables, and how they are written.

A section is built by analysis code and knows nothing of HTML or Markdown; `report.py` writes
each figure to `figures/<name>.png` and each table to `tables/<name>.csv`, atomically, and the
HTML and Markdown views only point at those files. A figure is either a matplotlib Figure
(static) or an Altair chart (interactive in report.html): an Altair chart is also rendered to
PNG (at twice the screen's resolution, for papers) and SVG by vl-convert, offline, so every
figure has a static file whatever the reader's browser does. report.html loads Vega, Vega-Lite
and vega-embed from `figures/vega-embed.js`, a bundle vl-convert writes: no CDN, so a report
opens offline and the folder can be moved or zipped whole.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

FIGURE_DPI = 110
PNG_SCALE = 2  # an interactive figure's PNG at twice its screen size
VEGA_BUNDLE = "vega-embed.js"
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])  # e.g. "6.4", as vl-convert names it


@dataclass
class FigureItem:
    name: str
    figure: Figure | alt.TopLevelMixin
    caption: str

    @property
    def interactive(self) -> bool:
        return not isinstance(self.figure, Figure)

    @functools.cached_property
    def spec(self) -> dict:
        """An interactive figure's Vega-Lite specification, validated once (it is used twice:
        rendered to files, and embedded in the page)."""
        return self.figure.to_dict()


@dataclass
class TableItem:
    name: str
    title: str
    table: pd.DataFrame
    shown: pd.DataFrame | None = None  # formatted for reading; the CSV keeps full precision

    @property
    def display(self) -> pd.DataFrame:
        return self.table if self.shown is None else self.shown


@dataclass
class Section:
    title: str
    intro: str = ""
    figures: list[FigureItem] = field(default_factory=list)
    tables: list[TableItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_figure(item: FigureItem, folder: Path) -> Path:
    """Save a figure as PNG (and an interactive one as SVG too), atomically; free a matplotlib one."""
    path = folder / f"{item.name}.png"
    if item.interactive:
        import vl_convert

        svg = vl_convert.vegalite_to_svg(item.spec, vl_version=VEGA_LITE_VERSION)
        write_text(svg, path.with_suffix(".svg"))
        write_bytes(vl_convert.svg_to_png(svg, scale=PNG_SCALE), path)  # from the SVG: laid out once
        return path
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    item.figure.savefig(temporary, dpi=FIGURE_DPI, format="png", bbox_inches="tight")
    plt.close(item.figure)
    os.replace(temporary, path)
    return path


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (about 0.9 MB), built once a process (2 s),
    headed by the line `bundle_header` names it by."""
    import vl_convert

    return bundle_header() + "\n" + vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)


def bundle_header() -> str:
    import vl_convert

    return f"// vega-embed with Vega-Lite {VEGA_LITE_VERSION}, bundled by vl-convert {vl_convert.__version__}"


def write_vega_bundle(folder: Path) -> Path:
    """The script report.html's interactive figures need, beside them; a bundle already there
    from the same vl-convert and Vega-Lite is kept (a report redone does not rebuild it)."""
    path = folder / VEGA_BUNDLE
    if path.is_file():
        with path.open() as existing:
            if existing.readline().rstrip("\n") == bundle_header():
                return path
    write_text(vega_bundle(), path)
    return path


def write_table(item: TableItem, folder: Path) -> Path:
    path = folder / f"{item.name}.csv"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    item.table.to_csv(temporary, index=False)
    os.replace(temporary, path)
    return path


def write_text(text: str, path: Path) -> None:
    write_bytes(text.encode(), path)


def write_bytes(data: bytes, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
