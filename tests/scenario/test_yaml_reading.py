"""Strict YAML: what PyYAML's YAML 1.1 would read silently as something else is refused where it stands."""

from __future__ import annotations

import pytest
import yaml

from sim.scenario.yaml_reading import MAX_NESTING, describe, parse_yaml


def refusal(text: str) -> tuple[str, str]:
    """(field path, message) of the text's refusal."""
    with pytest.raises(yaml.YAMLError) as caught:
        parse_yaml(text)
    return getattr(caught.value, "field_path", ""), describe(caught.value)


def test_plain_yaml_reads_as_usual():
    text = "name: x\nrate: 0.3\nsteps: 40\nbig: 700.0e+6\non_time: true\noff_peak: False\nmembers: [a, b]\nn: 1_000\n"
    assert parse_yaml(text) == {
        "name": "x", "rate": 0.3, "steps": 40, "big": 7e8, "on_time": True, "off_peak": False,
        "members": ["a", "b"], "n": 1000,
    }  # fmt: skip


def test_a_value_changed_by_its_reader_is_not_what_the_next_reader_gets():
    text = "policy:\n  pool: {rate: 0.3}\nmembers: [a, b]\n"
    first = parse_yaml(text)
    first["policy"]["pool"]["rate"] = 0.9
    first["members"].append("c")
    assert parse_yaml(text) == {"policy": {"pool": {"rate": 0.3}}, "members": ["a", "b"]}


def test_a_key_written_twice_is_refused_at_the_second():
    path, message = refusal("policy:\n  ring_fence_share: 0.7\n  ring_fence_share: 0.2\n")
    assert path == "policy.ring_fence_share"
    assert message.startswith("line 3, column 3: 'ring_fence_share' is written twice (first on line 2)")


def test_a_repeated_key_that_is_not_an_identifier_is_not_echoed():
    _, message = refusal("root:*:20228:0:99999:7::: \nroot:*:20228:0:99999:7::: \n")
    assert "root" not in message and "a key is written twice" in message


@pytest.mark.parametrize("spelling", ["yes", "no", "on", "off", "Yes", "ON", "Off"])
def test_yaml_1_1_booleans_other_than_true_and_false_are_refused(spelling):
    path, message = refusal(f"policy:\n  pool:\n    gain_share: {spelling}\n")
    assert path == "policy.pool.gain_share"
    assert f"{spelling} is read by YAML as a boolean: write true or false" in message


def test_a_quoted_yes_is_text():
    assert parse_yaml('answer: "yes"') == {"answer": "yes"}


@pytest.mark.parametrize("number", [".inf", "-.inf", ".Inf", ".nan", ".NaN", "1.0e+400"])
def test_numbers_that_are_not_finite_are_refused(number):
    path, message = refusal(f"domains:\n  health:\n    citizen_priority: {number}\n")
    assert path == "domains.health.citizen_priority"
    assert message == (
        f"line 3, column 23: {number} is not a finite number: every number in a scenario or experiment "
        "must be finite (docs/scenarios.md gives each field's range)"
    )


def test_a_non_finite_number_in_a_list_is_refused_with_its_position():
    path, message = refusal("design:\n  levers:\n    policy.pool.rate: [0.1, .nan]\n")
    assert path == "design.levers.policy.pool.rate.1"
    assert ".nan is not a finite number" in message


def test_legacy_octal_and_base_60_numbers_are_refused():
    assert "010 is read by YAML as an octal number (8)" in refusal("place:\n  population: 010\n")[1]
    assert "1:30 is read by YAML as a base-60 number" in refusal("run:\n  steps: 1:30\n")[1]


def test_an_alias_is_refused_before_anything_walks_it():
    text = "a: &a {x: 1}\nb: *a\n"
    _, message = refusal(text)
    assert message.startswith("line 2, column 4: YAML aliases (*name) are not allowed")


def test_a_billion_node_alias_tree_is_refused_at_once():
    lines = ["l0: &l0 {" + ", ".join(f"k{j}: 0" for j in range(9)) + "}"]
    lines += [f"l{i}: &l{i} {{" + ", ".join(f"k{j}: *l{i - 1}" for j in range(9)) + "}" for i in range(1, 10)]
    _, message = refusal("\n".join(lines))
    assert "line 2" in message and "aliases" in message


def test_nesting_deeper_than_any_field_is_refused_without_a_recursion_error():
    text = "a: " + "[" * 3000 + "]" * 3000
    _, message = refusal(text)
    assert f"nested more than {MAX_NESTING} levels deep" in message


def test_nesting_as_deep_as_the_limit_is_read():
    depth = MAX_NESTING - 1
    assert parse_yaml("[" * depth + "]" * depth) is not None


def test_syntax_errors_are_still_called_not_valid_yaml():
    _, message = refusal("name: x\nplace: [unclosed\n")
    assert message.startswith("not valid YAML: line 3")


def test_a_control_character_is_named_by_its_code_not_shown():
    _, message = refusal("name: a\x07b\n")
    assert message == "not valid YAML: character #x0007 at position 7 is not allowed in YAML text"
