"""Every category of spend on services has its own colour and label, so the count draws all money used."""

from __future__ import annotations

from sim.analysis.style import CATEGORY_COLOURS, CATEGORY_LABELS
from sim.model.outputs import SERVICE_CATEGORIES


def test_every_service_category_has_a_colour_and_a_label():
    assert set(SERVICE_CATEGORIES) == set(CATEGORY_COLOURS) == set(CATEGORY_LABELS)


def test_no_two_categories_share_a_colour():
    assert len(set(CATEGORY_COLOURS.values())) == len(CATEGORY_COLOURS)
