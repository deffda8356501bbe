"""Culture: how an agency's collaboration tendency and trust change (conditional cooperation).

Each step, for agency a with collaboration c_a:

    return      R_a = tanh((benefit_a - contribution_a) / contribution_a)   (0 if it gave nothing)
    trust       T_ab <- T_ab + trust_rate * (reciprocation_b - T_ab)  for every other member b
    reciprocity Q_a = mean_b T_ab - c_a                                  (0 outside the pool)
    target miss M_a = share of own duty domains whose indicator missed its target (targets.py)
    c_a <- clip(c_a + rate * (w_R R_a + w_Q Q_a - w_M * target_pressure * M_a) + sd * eps, 0, 1)

benefit is a's own estimate of what the pool saved it (late, noisy and attributed: savings_estimate.py)
plus net gain-share received; reciprocation_b is
what b paid in relative to what a fully collaborative b would have paid. This is the
conditional-cooperation pattern of public-goods experiments: agencies match what they believe
others give, and give more when they see a return. eps is drawn from the decisions stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel


def reciprocation(model: PlaceModel, agency: ServiceAgency) -> float | None:
    """What `agency` paid into the pool relative to its full-collaboration contribution."""
    expected = model.policy.pool.rate * agency.flexible_income
    if expected <= 0:
        return None
    return min(1.0, model.pool.contributions.get(agency.agency_id, 0.0) / expected)


def return_on_pooling(model: PlaceModel, agency: ServiceAgency) -> float:
    contribution = model.pool.contributions.get(agency.agency_id, 0.0)
    if contribution <= 0:
        return 0.0
    return float(np.tanh((model.pool.benefit_to(agency) - contribution) / contribution))


def target_miss(model: PlaceModel, agency: ServiceAgency) -> float:
    """Share of its duty domains whose national indicator missed its target (targets.py). Under
    target pressure a miss turns an agency inwards, away from the pool."""
    return model.indicators.missed_share(agency, model.steps)


def update_trust(model: PlaceModel, agency: ServiceAgency) -> None:
    rate = model.scenario.learning.trust_rate
    for other in model.agencies_by_id(model.pool.members):
        if other is agency:
            continue
        seen = reciprocation(model, other)
        if seen is None:
            continue
        current = agency.trust.get(other.agency_id, agency.config.initial_trust)
        agency.trust[other.agency_id] = current + rate * (seen - current)


def reciprocity(model: PlaceModel, agency: ServiceAgency) -> float:
    others = [m for m in model.pool.members if m != agency.agency_id]
    if agency.agency_id not in model.pool.members or not others:
        return 0.0
    believed = np.mean([agency.trust.get(m, agency.config.initial_trust) for m in others])
    return float(believed - agency.collaboration)


def learn(model: PlaceModel, agency: ServiceAgency) -> None:
    """Apply one step of the conditional-cooperation rule to one agency."""
    settings = model.scenario.learning
    update_trust(model, agency)
    drive = (
        settings.return_weight * return_on_pooling(model, agency)
        + settings.reciprocity_weight * reciprocity(model, agency)
        - settings.target_weight * model.policy.target_pressure * target_miss(model, agency)
    )
    noise = settings.exploration_sd * model.rng.standard_normal()
    agency.collaboration = min(max(float(agency.collaboration + settings.rate * drive + noise), 0.0), 1.0)
