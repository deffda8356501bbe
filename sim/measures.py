"""The names of the measures a run records per step (the `measure` column of steps.parquet; docs/results.md).

Kept apart from the recorder (sim/model/outputs.py) and free of imports, so that checking an
experiment file's `outputs` against them needs neither the model wing nor Mesa, numpy or pandas.
"""

MEASURES = (
    "spend_gbp", "mean_need", "crises", "wellbeing", "priority_weighted_wellbeing", "need_gini",
    "unmet_statutory_demand_gbp", "deficit_gbp", "collaboration", "pool_balance_gbp", "pool_members",
    "pool_packages", "demand_gbp", "capacity_gbp", "utilisation", "idle_capacity_gbp", "budget_gbp",
    "fixed_base_cut_gbp", "reserves_gbp", "owed_to_centre_gbp", "section_114",
    "people_in_crisis", "prevention_treated", "prevention_declined", "waiting", "wait_quarters",
    "crises_while_waiting", "gave_up_waiting", "pool_declined", "claimed_savings_gbp", "estimated_savings_gbp", "target_missed",
    "deadweight_treated", "deadweight", "concentration", "need_top_5pct_share", "families_with_multiple_problems",
    "family_cost_ratio", "multiple_problem_cost_share", "cost_top_share",
)  # fmt: skip
