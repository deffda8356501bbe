"""Levers that are set but cannot act: a pool rule with nothing pooled, a pooling rate or gain-share
with no pool. A run with one is valid but almost certainly not what was meant (it reports no pooling
effect), so `placesim validate` and `placesim run` warn, naming the field and the fix, and
`sim.run` raises an `InertLeverWarning`.
"""

from __future__ import annotations

from sim.scenario.schema import PoolRule, Scenario


class InertLeverWarning(UserWarning):
    """A scenario sets a lever that cannot change anything in it."""


def inert_levers(scenario: Scenario) -> list[tuple[str, str]]:
    """(field path, what is wrong and the fix) for every lever that cannot act in `scenario`."""
    pool = scenario.policy.pool
    found: list[tuple[str, str]] = []
    if pool.rule is PoolRule.silo:
        if pool.rate > 0:
            found.append(("policy.pool.rate", f"{pool.rate:g} pools nothing under rule silo; set policy.pool.rule"))
        if pool.gain_share:
            found.append(("policy.pool.gain_share", "shares nothing under rule silo (no pool); set policy.pool.rule"))
        return found
    if pool.rate == 0:
        found.append(
            ("policy.pool.rate", f"is 0, so rule {pool.rule.value} has nothing to allocate; set a rate, e.g. 0.2")
        )
    if not scenario.pool_members:
        found.append(("policy.pool.members", f"is empty, so rule {pool.rule.value} has no one to pool; name members"))
    return found
