"""What a report is made of: sections holding figures and tables, and how they are written.

A section is built by analysis code and knows nothing of HTML or Markdown; `report.py` writes
each figure to `figures/<name>.png` and each table to `tables/<name>.csv`, atomically, and the
HTML and Markdown views only point at those files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

FIGURE_DPI = 110


@dataclass
class FigureItem:
    name: str
    figure: Figure
    caption: str


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
    """Save a figure as PNG (atomically) and free it."""
    path = folder / f"{item.name}.png"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    item.figure.savefig(temporary, dpi=FIGURE_DPI, format="png", bbox_inches="tight")
    plt.close(item.figure)
    os.replace(temporary, path)
    return path


def write_table(item: TableItem, folder: Path) -> Path:
    path = folder / f"{item.name}.csv"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    item.table.to_csv(temporary, index=False)
    os.replace(temporary, path)
    return path


def write_text(text: str, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
