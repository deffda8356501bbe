"""Who contacted whom this step, and what the assessments cost.

A citizen contacted by k agencies in a step needs one assessment. Uncoordinated, each agency
assesses separately and k are paid: one is necessary and k - 1 are duplicated (waste).
Coordinated (integrated case management), one shared assessment is paid, split equally among
the k agencies. Each agency's necessary share is the sum over its contacts of 1/k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AssessmentBill:
    """What one agency owes for assessments this step, in contacts (not yet GBP)."""

    contacts: int
    necessary: float

    @property
    def duplicated(self) -> float:
        return self.contacts - self.necessary


class ContactRegister:
    """Per-agency contact masks for the current step: `[agencies, N]` booleans."""

    def __init__(self, agency_ids: list[str], n_citizens: int):
        self.index = {agency_id: row for row, agency_id in enumerate(agency_ids)}
        self.contacted = np.zeros((len(agency_ids), n_citizens), dtype=bool)

    def clear(self) -> None:
        self.contacted.fill(False)

    def record(self, agency_id: str, citizens: np.ndarray) -> None:
        """Mark `citizens` (indices or a boolean mask) as contacted by the agency."""
        row = self.contacted[self.index[agency_id]]
        if citizens.dtype == bool:
            row |= citizens
        else:
            row[citizens] = True

    def bills(self) -> dict[str, AssessmentBill]:
        """Contacts and necessary assessments per agency for this step.

        A contacted citizen's share 1/k is looked up in a table of k = 1 .. number of agencies
        rather than computed into an array over every citizen (the same values, summed in the same order).
        """
        agencies_per_citizen = self.contacted.sum(axis=0, dtype=np.uint8)
        share_by_count = np.zeros(len(self.index) + 1, dtype=np.float64)
        share_by_count[1:] = 1.0 / np.arange(1, len(self.index) + 1)
        bills = {}
        for agency_id, row in self.index.items():
            counts = agencies_per_citizen[self.contacted[row]]
            bills[agency_id] = AssessmentBill(contacts=int(counts.size), necessary=float(share_by_count[counts].sum()))
        return bills
