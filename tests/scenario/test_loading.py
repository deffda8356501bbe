"""Reading scenario files: errors for people, `extends:`, dotted overrides and the scenario hash."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from sim.scenario import ScenarioError, Scenario, load_scenario, parse_assignment, scenario_hash, with_overrides
from sim.scenario.loading import MAX_FILE_BYTES
from tests import builders


def write(path: Path, data: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    return write(tmp_path / "tiny.yaml", builders.scenario_data())


def problems_of(path: Path, **kwargs) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, **kwargs)
    assert caught.value.source == str(path)
    return caught.value.problems


# -- reading and validation ------------------------------------------------------------------
def test_default_scenario_loads(default_scenario_path):
    scenario = load_scenario(default_scenario_path)
    assert isinstance(scenario, Scenario)
    assert len(scenario.domains) == 7
    assert scenario.policy.pool.rule.value == "silo"


def test_unknown_key_in_file_names_the_file_and_the_field_path(tmp_path):
    data = builders.scenario_data()
    data["domains"]["x"]["recovry"] = 0.2
    path = write(tmp_path / "typo.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [(field, message)] = caught.value.problems
    assert field == "domains.x.recovry"
    assert message.startswith("unknown field")
    assert str(path) in str(caught.value)
    assert "domains.x.recovry" in str(caught.value)


def test_out_of_range_value_names_the_field_path(tmp_path):
    data = builders.scenario_data()
    data["policy"]["ring_fence_share"] = 1.5
    [(path, message)] = problems_of(write(tmp_path / "range.yaml", data))
    assert path == "policy.ring_fence_share"
    assert "less than or equal to 1" in message


def test_every_problem_in_a_file_is_reported(tmp_path):
    data = builders.scenario_data()
    data["domains"]["x"]["recovery"] = 2.0
    data["agencies"]["a"]["collaboration"] = -1.0
    paths = [path for path, _ in problems_of(write(tmp_path / "two.yaml", data))]
    assert sorted(paths) == ["agencies.a.collaboration", "domains.x.recovery"]


def test_cross_field_problems_are_reported_one_per_path_with_whole_messages(tmp_path):
    data = builders.scenario_data()
    data["agencies"]["b"]["statutory_duties"] = {"x": 0.5}
    data["policy"]["pool"]["members"] = ["c"]
    problems = dict(problems_of(write(tmp_path / "cross.yaml", data)))
    assert set(problems) == {"agencies.*.statutory_duties.x", "policy.pool.members"}
    assert problems["agencies.*.statutory_duties.x"].startswith("responsibility shares sum to 1.5")
    assert "must sum to 1" in problems["agencies.*.statutory_duties.x"]
    assert problems["policy.pool.members"].startswith("unknown agency 'c'")


def test_invalid_yaml_points_at_the_line(tmp_path):
    path = write(tmp_path / "broken.yaml", "name: broken\nplace: [unclosed\n")
    [(field, message)] = problems_of(path)
    assert field == ""
    assert "not valid YAML" in message
    assert "line" in message


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path):
    [(_, message)] = problems_of(write(tmp_path / "list.yaml", "- a\n- b\n"))
    assert "mapping" in message


def test_missing_file_is_a_scenario_error(tmp_path):
    [(_, message)] = problems_of(tmp_path / "absent.yaml")
    assert "file not found" in message


def test_a_folder_is_named_as_a_folder(tmp_path):
    assert problems_of(tmp_path) == [("", "is a folder, not a file; give the path of a YAML file")]


def test_a_file_that_is_not_utf8_is_a_scenario_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert problems_of(path) == [("", "is not UTF-8 text (byte 0xe9 at position 9); save it as UTF-8")]


def test_a_binary_file_is_a_scenario_error(tmp_path):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert problems_of(path) == [("", "is a binary file, not YAML text; check the path")]


def test_an_oversized_file_is_refused_without_being_read_whole(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("description: " + "x" * MAX_FILE_BYTES + "\n")
    [(_, message)] = problems_of(path)
    assert message.startswith(f"is larger than {MAX_FILE_BYTES:,} bytes")


def test_a_key_written_twice_is_refused_with_its_field_and_line(tmp_path):
    path = write(tmp_path / "twice.yaml", yaml.safe_dump(builders.scenario_data(), sort_keys=False) + "name: again\n")
    [(field, message)] = problems_of(path)
    assert field == "name"
    assert "'name' is written twice (first on line 1)" in message


def test_yes_as_a_boolean_is_refused_with_its_field(tmp_path):
    text = yaml.safe_dump(builders.scenario_data(), sort_keys=False).replace("gain_share: false", "gain_share: yes")
    text = text if "gain_share: yes" in text else text.replace("pool:\n", "pool:\n    gain_share: yes\n", 1)
    [(field, message)] = problems_of(write(tmp_path / "yes.yaml", text))
    assert field == "policy.pool.gain_share"
    assert "yes is read by YAML as a boolean: write true or false" in message


def test_an_infinite_number_in_a_file_is_refused_with_its_field(tmp_path):
    text = yaml.safe_dump(builders.scenario_data(), sort_keys=False).replace("citizen_priority: 1.0", "citizen_priority: .inf", 1)
    [(field, message)] = problems_of(write(tmp_path / "inf.yaml", text))
    assert field == "domains.x.citizen_priority"
    assert ".inf is not a finite number" in message


# -- extends ---------------------------------------------------------------------------------
def test_extends_inherits_every_field_of_the_parent(tmp_path):
    write(tmp_path / "base.yaml", builders.scenario_data())
    child = write(tmp_path / "child.yaml", {"extends": "base.yaml", "name": "child"})
    scenario = load_scenario(child)
    assert scenario.name == "child"
    parent = load_scenario(tmp_path / "base.yaml")
    assert scenario.model_dump(exclude={"name"}) == parent.model_dump(exclude={"name"})


def test_extends_overrides_nested_fields_and_keeps_their_siblings(tmp_path):
    write(tmp_path / "base.yaml", builders.scenario_data())
    child = write(
        tmp_path / "child.yaml",
        {"extends": "base.yaml", "policy": {"pool": {"rule": "need", "rate": 0.4}}, "domains": {"y": {"drift": 0.01}}},
    )
    scenario = load_scenario(child)
    assert scenario.policy.pool.rule.value == "need"
    assert scenario.policy.pool.rate == 0.4
    assert scenario.policy.pool.governance_share == 0.0  # sibling kept from the parent
    assert scenario.policy.ring_fence_share == 0.0
    assert scenario.domains["y"].drift == 0.01
    assert scenario.domains["y"].recovery == 0.1
    assert scenario.domains["x"].drift == 0.0


def test_extends_replaces_lists_and_scalars_rather_than_merging(tmp_path):
    base = builders.scenario_data()
    base["policy"]["pool"]["members"] = ["a", "b"]
    write(tmp_path / "base.yaml", base)
    child = write(tmp_path / "child.yaml", {"extends": "base.yaml", "policy": {"pool": {"members": ["b"]}}})
    assert load_scenario(child).policy.pool.members == ["b"]


def test_extends_follows_a_chain_relative_to_each_file(tmp_path):
    write(tmp_path / "bases" / "root.yaml", builders.scenario_data())
    write(tmp_path / "bases" / "middle.yaml", {"extends": "root.yaml", "policy": {"target_pressure": 0.5}})
    leaf = write(tmp_path / "place" / "leaf.yaml", {"extends": "../bases/middle.yaml", "name": "leaf"})
    scenario = load_scenario(leaf)
    assert (scenario.name, scenario.policy.target_pressure) == ("leaf", 0.5)


def test_a_file_read_again_inherits_again(tmp_path):
    """Files are parsed once per process (sim/scenario/yaml_reading.py); each reader gets its own copy."""
    write(tmp_path / "base.yaml", builders.scenario_data())
    child = write(
        tmp_path / "child.yaml", {"extends": "base.yaml", "name": "child", "policy": {"target_pressure": 0.5}}
    )
    assert load_scenario(child, overrides={"policy.pool.rate": 0.4}).policy.pool.rate == 0.4
    again = load_scenario(child)
    assert (again.name, again.policy.target_pressure, again.policy.pool.rate) == ("child", 0.5, 0.0)


def test_a_file_changed_on_disk_is_read_afresh(tmp_path):
    path = write(tmp_path / "place.yaml", builders.scenario_data())
    assert load_scenario(path).policy.target_pressure == 0.0
    write(path, {**builders.scenario_data(), "policy": {**builders.scenario_data()["policy"], "target_pressure": 0.5}})
    assert load_scenario(path).policy.target_pressure == 0.5


def test_circular_extends_is_rejected(tmp_path):
    write(tmp_path / "one.yaml", {"extends": "two.yaml", "name": "one"})
    write(tmp_path / "two.yaml", {"extends": "one.yaml", "name": "two"})
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "one.yaml")
    [(path, message)] = caught.value.problems
    assert path == "extends"
    assert "circular inheritance (one.yaml -> two.yaml -> one.yaml)" in message


def test_a_file_extending_itself_is_rejected(tmp_path):
    path = write(tmp_path / "self.yaml", {"extends": "self.yaml"})
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(path)


def test_extends_of_a_missing_parent_names_it(tmp_path):
    path = write(tmp_path / "orphan.yaml", {"extends": "nowhere.yaml", "name": "orphan"})
    [(field, message)] = problems_of(path)
    assert field == "extends"
    assert "'nowhere.yaml' not found" in message


def test_extends_must_be_a_path(tmp_path):
    path = write(tmp_path / "odd.yaml", {"extends": 3})
    [(field, _)] = problems_of(path)
    assert field == "extends"


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail, instead of hanging, if the block takes longer than `seconds`."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def alias_tree(levels: int = 9, width: int = 9) -> str:
    """`levels` mappings of `width` keys, each key an alias of the level below: width**levels leaves."""
    keys = "abcdefghi"[:width]
    lines = ["a: &a {" + ",".join(f"{k}: 0" for k in keys) + "}"]
    for level in range(1, levels):
        below, name = keys[level - 1], keys[level]
        lines.append(f"{name}: &{name} {{" + ",".join(f"{k}: *{below}" for k in keys) + "}")
    return "\n".join(lines) + "\n"


def test_a_parent_and_child_sharing_an_alias_tree_are_refused_at_once(tmp_path):
    """Finding 6: both files hold the same 9x9 alias tree (387 million leaves), so the merge would
    walk it whole; the pair is about a kilobyte."""
    write(tmp_path / "parent.yaml", alias_tree())
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\n" + alias_tree())
    assert (tmp_path / "parent.yaml").stat().st_size + child.stat().st_size < 1300
    with deadline(5.0), pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    [(field, message)] = caught.value.problems
    assert caught.value.source == str(child.resolve())
    assert field == ""
    assert message.startswith("line 3, column 11: YAML aliases (*name) are not allowed")  # the first alias


NOT_A_SCENARIO = "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\napi_key: sk-live-123\n"


def test_extends_of_a_file_that_is_not_a_scenario_says_so_without_its_content(tmp_path):
    """Finding 12: `extends: /etc/shadow` printed every line of the file as an unknown field."""
    secret = write(tmp_path / "shadow", NOT_A_SCENARIO)
    child = write(tmp_path / "child.yaml", f"extends: {secret}\nname: child\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert caught.value.problems == [
        ("extends", f"{str(secret)!r} is not a scenario file: none of its top-level keys is a scenario field "
                    "(name, place, domains, agencies, policy, ...); check the path"),
    ]  # fmt: skip
    assert caught.value.source == str(child.resolve())
    for fragment in ("root:", "daemon", "20228", "api_key", "sk-live"):
        assert fragment not in str(caught.value)


def test_a_scenario_path_to_a_file_that_is_not_a_scenario_says_so_without_its_content(tmp_path):
    secret = write(tmp_path / "credentials.yaml", NOT_A_SCENARIO)
    [(field, message)] = problems_of(secret.resolve())
    assert field == ""
    assert message.startswith("is not a scenario file: none of its top-level keys is a scenario field")
    assert "api_key" not in message and "root" not in message


def test_a_scenario_with_a_typo_still_names_the_unknown_field(tmp_path):
    data = builders.scenario_data()
    data["polcy"] = data.pop("policy")
    problems = dict(problems_of(write(tmp_path / "typo.yaml", data)))
    assert problems["polcy"].startswith("unknown field")


def test_an_experiment_file_given_as_a_scenario_is_named_as_one(tmp_path):
    path = write(tmp_path / "exp.yaml", {"name": "e", "base": "tiny.yaml", "design": {"kind": "grid"}})
    assert problems_of(path.resolve()) == [
        ("", "is an experiment file, not a scenario: run it with `placesim sweep`; check the path")
    ]


# -- overrides -------------------------------------------------------------------------------
def test_dotted_overrides_set_nested_fields(tiny_file):
    scenario = load_scenario(
        tiny_file, overrides={"policy.pool.rate": 0.3, "agencies.a.collaboration": 0.9, "run.steps": 12}
    )
    assert scenario.policy.pool.rate == 0.3
    assert scenario.agencies["a"].collaboration == 0.9
    assert scenario.run.steps == 12


def test_keyword_overrides_use_double_underscore_for_the_dot(tiny_file):
    scenario = load_scenario(tiny_file, policy__pool__rate=0.3, policy__pool__rule="need")
    assert scenario.policy.pool.rate == 0.3
    assert scenario.policy.pool.rule.value == "need"


def test_keyword_overrides_win_over_the_mapping(tiny_file):
    scenario = load_scenario(tiny_file, overrides={"policy.pool.rate": 0.1}, policy__pool__rate=0.7)
    assert scenario.policy.pool.rate == 0.7


def test_overrides_leave_the_file_unchanged(tiny_file):
    load_scenario(tiny_file, overrides={"policy.pool.rate": 0.3})
    assert load_scenario(tiny_file).policy.pool.rate == 0.0


def test_override_can_reach_a_section_the_file_leaves_at_its_defaults(tmp_path):
    data = builders.scenario_data()
    del data["learning"]
    del data["policy"]["pool"]
    path = write(tmp_path / "sparse.yaml", data)
    scenario = load_scenario(path, overrides={"learning.rate": 0.3, "policy.pool.rate": 0.2})
    assert scenario.learning.rate == 0.3
    assert scenario.policy.pool.rate == 0.2
    assert scenario.policy.pool.governance_share == 0.05


def test_override_of_a_missing_parent_names_the_path(tiny_file):
    problems = problems_of(tiny_file, overrides={"polcy.pool.rate": 0.3, "agencies.polce.collaboration": 0.1})
    assert [path for path, _ in problems] == ["polcy.pool.rate", "agencies.polce.collaboration"]
    assert "'polcy' does not exist" in problems[0][1]
    assert "'agencies.polce' does not exist" in problems[1][1]


def test_override_of_an_unknown_leaf_names_the_path(tiny_file):
    assert problems_of(tiny_file, policy__pool__rat=0.3)[0][0] == "policy.pool.rat"


def test_override_through_a_scalar_names_the_path(tiny_file):
    [(path, message)] = problems_of(tiny_file, overrides={"policy.ring_fence_share.value": 0.3})
    assert path == "policy.ring_fence_share.value"
    assert "not a mapping" in message


def test_override_with_a_bad_value_names_the_path(tiny_file):
    [(path, _)] = problems_of(tiny_file, overrides={"policy.pool.rate": 3.0})
    assert path == "policy.pool.rate"


def test_with_overrides_builds_a_new_scenario_and_leaves_the_old_one(tiny_scenario):
    changed = with_overrides(tiny_scenario, {"policy.pool.rule": "need", "agencies.b.collaboration": 0.8})
    assert changed.policy.pool.rule.value == "need"
    assert changed.agencies["b"].collaboration == 0.8
    assert tiny_scenario.policy.pool.rule.value == "silo"
    assert tiny_scenario.agencies["b"].collaboration == 0.5


def test_with_overrides_validates_again(tiny_scenario):
    with pytest.raises(ScenarioError) as caught:
        with_overrides(tiny_scenario, {"agencies.a.statutory_duties.x": 0.5})
    assert caught.value.problems[0][0] == "agencies.*.statutory_duties.x"


def test_parse_assignment_reads_the_value_as_yaml():
    assert parse_assignment("policy.pool.rate=0.3") == ("policy.pool.rate", 0.3)
    assert parse_assignment("policy.pool.gain_share=true") == ("policy.pool.gain_share", True)
    assert parse_assignment("policy.pool.rule=need") == ("policy.pool.rule", "need")


def test_parse_assignment_without_equals_is_a_scenario_error():
    with pytest.raises(ScenarioError):
        parse_assignment("policy.pool.rate")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("policy.pool.rate=[unclosed", "the value '[unclosed' cannot be read: expected ',' or ']'"),
        ("policy.pool.rate={a: 1", "the value '{a: 1' cannot be read: expected ',' or '}'"),
        ("policy.pool.rule=: x", "the value ': x' cannot be read:"),
        ("policy.pool.gain_share=yes", "the value 'yes' cannot be read: yes is read by YAML as a boolean"),
        ("domains.health.citizen_priority=.inf", "the value '.inf' cannot be read: .inf is not a finite number"),
        ("policy.pool.members=*all", "the value '*all' cannot be read: YAML aliases (*name) are not allowed"),
    ],
)
def test_parse_assignment_with_a_value_yaml_cannot_read_names_the_path(text, expected):
    with pytest.raises(ScenarioError) as caught:
        parse_assignment(text)
    [(path, message)] = caught.value.problems
    assert caught.value.source == "--set"
    assert path == text.partition("=")[0]
    assert message.startswith(expected), message


# -- hash ------------------------------------------------------------------------------------
def test_scenario_hash_is_stable_across_loads(default_scenario_path):
    first = scenario_hash(load_scenario(default_scenario_path))
    assert first == scenario_hash(load_scenario(default_scenario_path))
    assert len(first) == 64


def test_scenario_hash_ignores_how_a_value_was_reached(tmp_path, tiny_file):
    child = write(tmp_path / "child.yaml", {"extends": "tiny.yaml", "policy": {"pool": {"rate": 0.3}}})
    assert scenario_hash(load_scenario(child)) == scenario_hash(load_scenario(tiny_file, policy__pool__rate=0.3))


@pytest.mark.parametrize(
    "overrides",
    [
        {"policy.pool.rate": 1e-9},
        {"agencies.b.collaboration": 0.51},
        {"run.seed": 8},
        {"domains.y.citizen_priority": 1.5},
        {"name": "tiny2"},
    ],
)
def test_scenario_hash_changes_when_any_field_changes(tiny_scenario, overrides):
    assert scenario_hash(with_overrides(tiny_scenario, overrides)) != scenario_hash(tiny_scenario)


def test_scenario_hash_tells_apart_scenarios_listing_domains_in_another_order():
    """The order of domains decides which random draws each gets: another order, another run."""
    data = builders.scenario_data()
    data["domains"]["y"]["initial_mean"] = 0.4
    reordered = {**data, "domains": {"y": data["domains"]["y"], "x": data["domains"]["x"]}}
    assert scenario_hash(Scenario.model_validate(data)) != scenario_hash(Scenario.model_validate(reordered))
