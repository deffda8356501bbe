"""The scenario schema: typed, frozen, strict about unknown keys, ranges and cross-field rules."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given

from sim.scenario.schema import Scenario
from tests import builders
from tests.strategies import PROPERTY_SETTINGS, scenario_data


def error_locations(data: dict) -> list[str]:
    """Field paths pydantic reports for an invalid mapping."""
    with pytest.raises(pydantic.ValidationError) as caught:
        Scenario.model_validate(data)
    return [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]


def cross_field_message(data: dict) -> str:
    with pytest.raises(pydantic.ValidationError) as caught:
        Scenario.model_validate(data)
    return str(caught.value)


def test_tiny_scenario_is_valid():
    scenario = builders.scenario()
    assert scenario.domain_names == ["x", "y"]
    assert scenario.agency_ids == ["a", "b"]


@given(scenario_data())
@PROPERTY_SETTINGS
def test_drawn_scenarios_are_valid(data):
    Scenario.model_validate(data)


def test_scenario_is_frozen(tiny_scenario):
    with pytest.raises(pydantic.ValidationError):
        tiny_scenario.policy.pool.rate = 0.5


def test_unknown_top_level_key_is_rejected():
    data = builders.scenario_data()
    data["polcy"] = {}
    assert error_locations(data) == ["polcy"]


def test_unknown_nested_key_is_rejected_with_its_field_path():
    data = builders.scenario_data()
    data["policy"]["pool"]["rat"] = 0.3
    data["agencies"]["a"]["colaboration"] = 0.3
    assert sorted(error_locations(data)) == ["agencies.a.colaboration", "policy.pool.rat"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("domains.x.recovery", 1.5),
        ("domains.x.acute_effect", -0.1),
        ("domains.x.initial_mean", 1.0),
        ("domains.x.noise_sd", -0.01),
        ("agencies.a.budget_gbp_per_year", -1.0),
        ("agencies.a.collaboration", 1.01),
        ("policy.ring_fence_share", 2.0),
        ("policy.settlement_years", 0),
        ("policy.pool.rate", -0.5),
        ("run.steps", 0),
        ("run.population_sample", 5),
        ("population.copula_correlation", 1.0),
    ],
)
def test_value_out_of_range_is_rejected_at_its_path(path, value):
    data = builders.scenario_data()
    builders.set_path(data, path, value)
    assert error_locations(data) == [path]


def test_unknown_pool_rule_is_rejected():
    data = builders.scenario_data()
    data["policy"]["pool"]["rule"] = "lottery"
    assert error_locations(data) == ["policy.pool.rule"]


def test_prevention_window_must_not_be_empty():
    data = builders.scenario_data()
    data["domains"]["x"]["prevention_threshold"] = 0.6
    assert error_locations(data) == ["domains.x"]


def test_duties_not_summing_to_one_are_rejected_naming_the_domain():
    data = builders.scenario_data()
    data["agencies"]["b"]["statutory_duties"] = {"x": 0.2}
    message = cross_field_message(data)
    assert "agencies.*.statutory_duties.x" in message
    assert "sum to 1.2" in message
    assert "statutory_duties.y" not in message


def test_domain_nobody_answers_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["a"]["statutory_duties"] = {"x": 1.0}
    assert "agencies.*.statutory_duties.y: responsibility shares sum to 0" in cross_field_message(data)


def test_duties_split_between_agencies_are_accepted():
    data = builders.scenario_data()
    data["agencies"]["a"]["statutory_duties"] = {"x": 0.3, "y": 1.0}
    data["agencies"]["b"]["statutory_duties"] = {"x": 0.7}
    assert Scenario.model_validate(data).agencies["b"].statutory_duties == {"x": 0.7}


def test_unknown_domain_in_statutory_duties_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["b"]["statutory_duties"] = {"nowhere": 0.0}
    assert "agencies.b.statutory_duties: unknown domain 'nowhere'" in cross_field_message(data)


def test_unknown_domain_in_cascades_is_rejected():
    data = builders.scenario_data(cascades={"x": {"z": 0.1}})
    assert "population.cascades: unknown domain 'z'" in cross_field_message(data)


def test_unknown_domain_in_ring_fenced_lines_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["a"]["ring_fenced_lines"] = {"prevention": {"z": 1.0}}
    message = cross_field_message(data)
    assert "agencies.a" in message and "ring_fenced_lines.prevention.z" in message


def test_a_ring_fenced_line_outside_the_agencys_duties_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["b"]["ring_fenced_lines"] = {"acute": {"x": 1.0}}  # b holds no duty in x
    message = cross_field_message(data)
    assert "agencies.b" in message and "no statutory duty in 'x'" in message


def test_unknown_ring_fenced_use_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["a"]["ring_fenced_lines"] = {"buildings": {"x": 1.0}}
    assert error_locations(data) == ["agencies.a.ring_fenced_lines.buildings.[key]"]


def test_ring_fenced_lines_with_no_weight_are_rejected():
    data = builders.scenario_data()
    data["agencies"]["a"]["ring_fenced_lines"] = {"acute": {"x": 0.0}}
    assert error_locations(data) == ["agencies.a"]


def test_unknown_pool_member_is_rejected():
    data = builders.scenario_data()
    data["policy"]["pool"]["members"] = ["a", "c"]
    assert "policy.pool.members: unknown agency 'c'" in cross_field_message(data)


def test_pool_members_default_to_every_agency(tiny_scenario):
    assert tiny_scenario.pool_members == ["a", "b"]
    named = builders.scenario({"policy.pool.members": ["b"]})
    assert named.pool_members == ["b"]


def test_extra_prevention_grant_defaults_to_none(tiny_scenario):
    assert tiny_scenario.agencies["a"].extra_prevention_gbp_per_year == 0.0


def test_extra_prevention_grant_to_an_agency_without_duties_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["b"]["extra_prevention_gbp_per_year"] = 1000.0  # b holds no duty
    message = cross_field_message(data)
    assert "agencies.b" in message and "extra_prevention_gbp_per_year" in message and "could never be spent" in message


def test_negative_extra_prevention_grant_is_rejected():
    data = builders.scenario_data()
    data["agencies"]["a"]["extra_prevention_gbp_per_year"] = -1.0
    assert error_locations(data) == ["agencies.a.extra_prevention_gbp_per_year"]


# -- finite numbers and upper bounds (issue 11, finding 8) -------------------------------------
FLOAT_FIELDS = [
    "domains.x.initial_mean", "domains.x.initial_concentration", "domains.x.drift", "domains.x.recovery",
    "domains.x.noise_sd", "domains.x.unit_cost_gbp", "domains.x.prevention_cost_gbp", "domains.x.citizen_priority",
    "agencies.a.budget_gbp_per_year", "agencies.a.assessment_cost_gbp", "agencies.a.collaboration",
    "agencies.a.extra_prevention_gbp_per_year", "policy.ring_fence_share", "policy.prevention_payback_years",
    "policy.budget_growth", "policy.pool.rate", "policy.pool.package_cost_gbp", "learning.rate",
    "learning.return_weight", "learning.exploration_sd", "population.copula_correlation",
]  # fmt: skip


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "inf", "nan", "1e309"])
@pytest.mark.parametrize("path", FLOAT_FIELDS)
def test_a_number_that_is_not_finite_is_rejected_at_its_path(path, value):
    """A string such as "1e309" is parsed by pydantic to infinity: it must be refused too."""
    data = builders.scenario_data()
    builders.set_path(data, path, value)
    with pytest.raises(pydantic.ValidationError) as caught:
        Scenario.model_validate(data)
    assert [".".join(map(str, e["loc"])) for e in caught.value.errors()] == [path]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("agencies.a.budget_gbp_per_year", 1e308),  # two of these overflowed the ledger's sum
        ("agencies.a.extra_prevention_gbp_per_year", 1e14),
        ("domains.x.unit_cost_gbp", 1e308),
        ("domains.x.prevention_cost_gbp", 1e8),
        ("agencies.a.assessment_cost_gbp", 1e8),
        ("policy.pool.package_cost_gbp", 1e8),
        ("policy.pool.assessment_cost_gbp", 1e8),
        ("domains.x.citizen_priority", 1e308),
        ("domains.x.initial_concentration", 1e7),
        ("domains.x.noise_sd", 1.5),
        ("population.cascades.x.y", 2.0),
        ("learning.return_weight", 1e7),
        ("learning.exploration_sd", 1.5),
        ("policy.prevention_payback_years", 1000.0),
        ("place.population", 10**400),
    ],
)
def test_a_number_beyond_its_upper_bound_is_rejected_at_its_path(path, value):
    data = builders.scenario_data(cascades={"x": {"y": 0.1}})
    builders.set_path(data, path, value)
    assert error_locations(data) == [path]


def test_the_upper_bounds_themselves_are_accepted():
    from sim.scenario.schema import MAX_GBP_PER_YEAR, MAX_POPULATION, MAX_UNIT_COST_GBP, MAX_WEIGHT

    data = builders.scenario_data()
    for path, value in {
        "agencies.a.budget_gbp_per_year": MAX_GBP_PER_YEAR,
        "agencies.b.budget_gbp_per_year": MAX_GBP_PER_YEAR,
        "domains.x.unit_cost_gbp": MAX_UNIT_COST_GBP,
        "domains.y.citizen_priority": MAX_WEIGHT,
        "place.population": MAX_POPULATION,
    }.items():
        builders.set_path(data, path, value)
    scenario = Scenario.model_validate(data)
    assert scenario.agencies["a"].budget_gbp_per_year + scenario.agencies["b"].budget_gbp_per_year == 2 * MAX_GBP_PER_YEAR


@pytest.mark.parametrize("value", ["yes", "on", "true", 1, 0])
@pytest.mark.parametrize("path", ["policy.pool.gain_share", "policy.integrated_case_management"])
def test_a_boolean_is_true_or_false_only(path, value):
    """A quoted "yes" (or 1) passes the YAML reader; pydantic's lax mode would read it as true."""
    data = builders.scenario_data()
    builders.set_path(data, path, value)
    assert error_locations(data) == [path]
    builders.set_path(data, path, True)
    Scenario.model_validate(data)
