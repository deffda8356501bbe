"""The `placesim` command end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "total_place_pilot.yaml"
QUICK = ["--population-sample", "2000", "--set", "run.warmup_steps=2"]


def placesim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def assert_bad_input(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def extending_default(tmp_path: Path, name: str, body: str) -> Path:
    return write(tmp_path, name, f"extends: {DEFAULT}\n{body}")


def test_every_shipped_scenario_validates() -> None:
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    result = placesim("validate", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("valid") == len(files)


def test_every_shipped_experiment_validates_as_an_experiment() -> None:
    files = sorted((ROOT / "experiments").glob("*.yaml"))
    result = placesim("validate", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": experiment ") == len(files)


def test_a_bad_parameter_in_an_experiment_is_named_by_validate(tmp_path: Path) -> None:
    path = write(tmp_path, "exp.yaml", f"name: x\nbase: {DEFAULT}\ndesign: {{kind: grid, levers: {{policy.pool.ratee: [0.1]}}}}\n")
    assert_bad_input(placesim("validate", path), "exp.yaml", "policy.pool.ratee: unknown field")


def test_unknown_field_is_named_with_its_path(tmp_path: Path) -> None:
    bad = extending_default(tmp_path, "typo.yaml", "policy:\n  pool:\n    rul: need\n")
    assert_bad_input(placesim("validate", bad), "typo.yaml", "policy.pool.rul", "unknown field")


def test_out_of_range_values_are_each_listed(tmp_path: Path) -> None:
    bad = extending_default(
        tmp_path, "ranges.yaml", "policy:\n  pool:\n    rate: 3\nagencies:\n  police:\n    budget_gbp_per_year: -5\n"
    )
    assert_bad_input(placesim("validate", bad), "policy.pool.rate", "agencies.police.budget_gbp_per_year", "2 problem(s)")


def test_duties_that_do_not_sum_to_one_are_rejected(tmp_path: Path) -> None:
    bad = extending_default(tmp_path, "duties.yaml", "agencies:\n  probation:\n    statutory_duties: {offending: 0.5}\n")
    assert_bad_input(placesim("validate", bad), "statutory_duties.offending", "sum to")


def test_unknown_domain_reference_is_rejected(tmp_path: Path) -> None:
    bad = extending_default(tmp_path, "domain.yaml", "population:\n  cascades:\n    gambling: {health: 0.1}\n")
    assert_bad_input(placesim("validate", bad), "population.cascades", "gambling")


def test_broken_yaml_points_at_the_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "broken.yaml", "name: x\nplace: [unclosed\n")
    assert_bad_input(placesim("validate", bad), "broken.yaml", "not valid YAML", "line")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    assert_bad_input(placesim("validate", tmp_path / "nowhere.yaml"), "nowhere.yaml", "file not found")


def test_circular_extends_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    assert_bad_input(placesim("validate", tmp_path / "a.yaml"), "extends", "circular")


def test_one_bad_file_among_good_ones_fails_validation(tmp_path: Path) -> None:
    bad = extending_default(tmp_path, "typo.yaml", "policy:\n  ring_fence_shar: 0.2\n")
    result = placesim("validate", DEFAULT, bad)
    assert_bad_input(result, "policy.ring_fence_shar")
    assert "valid" in result.stdout


def test_run_with_bad_override_path_names_it(tmp_path: Path) -> None:
    result = placesim("run", DEFAULT, *QUICK, "--set", "policy.pool.speed=3", "--out", tmp_path / "out")
    assert_bad_input(result, "policy.pool.speed")
    assert not (tmp_path / "out").exists()


def test_run_with_out_of_range_override_is_rejected(tmp_path: Path) -> None:
    result = placesim("run", DEFAULT, *QUICK, "--set", "policy.ring_fence_share=1.5", "--out", tmp_path / "out")
    assert_bad_input(result, "policy.ring_fence_share")


def test_run_with_malformed_set_is_rejected(tmp_path: Path) -> None:
    assert_bad_input(placesim("run", DEFAULT, "--set", "no-equals-sign"), "path=value")


@pytest.fixture(scope="module")
def pooled_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "pooled"
    result = placesim(
        "run", DEFAULT, *QUICK, "--steps", "8", "--seed", "7",
        "--set", "policy.pool.rule=need", "--set", "policy.pool.rate=0.2", "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Total spend" in result.stdout
    return out


def test_run_writes_every_table(pooled_run: Path) -> None:
    names = {p.name for p in pooled_run.iterdir()}
    assert names == {"steps.parquet", "ledger.parquet", "balances.parquet", "summary.json", "manifest.json"}


def test_run_ledger_is_double_entry_with_the_documented_columns(pooled_run: Path) -> None:
    ledger = pd.read_parquet(pooled_run / "ledger.parquet")
    assert {"step", "source", "destination", "domain", "category", "amount"} <= set(ledger.columns)
    assert (ledger["amount"] > 0).all()
    assert {"income", "acute", "prevention", "assessment", "pool_contribution", "pool_prevention", "governance"} <= set(
        ledger["category"]
    )
    balances = pd.read_parquet(pooled_run / "balances.parquet")
    assert set(balances["account"]) == {"council", "nhs", "police", "fire", "probation", "jobcentre", "pool"}
    assert balances["step"].max() == 8


def test_run_steps_table_has_every_output(pooled_run: Path) -> None:
    steps = pd.read_parquet(pooled_run / "steps.parquet")
    expected = {
        "spend_gbp", "mean_need", "crises", "wellbeing", "priority_weighted_wellbeing", "need_gini",
        "unmet_statutory_demand_gbp", "deficit_gbp", "collaboration", "pool_balance_gbp", "pool_members",
        "pool_packages",
    }  # fmt: skip
    assert expected <= set(steps["measure"])
    assert list(steps.columns) == ["step", "measure", "agency", "domain", "category", "value"]


def test_run_manifest_records_provenance(pooled_run: Path) -> None:
    manifest = json.loads((pooled_run / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["scenario"]["policy"]["pool"]["rate"] == 0.2
    assert manifest["packages"]["mesa"].startswith("3.")
    summary = json.loads((pooled_run / "summary.json").read_text())
    assert summary["pool_contributions_gbp"] > 0
    assert "crises_averted_vs_silo" in summary


def test_run_with_panel_writes_the_citizen_panel_beside_its_tables(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = placesim(
        "run", DEFAULT, *QUICK, "--steps", "8", "--set", "policy.pool.rule=need", "--set", "policy.pool.rate=0.2",
        "--no-baseline", "--panel", "50", "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"Panel of 50 citizens in {out / 'panel.parquet'}" in result.stdout
    panel = pd.read_parquet(out / "panel.parquet")
    columns = ["step", "citizen", "household", "domain", "need", "crises", "treated", "package", "waiting"]
    assert list(panel.columns) == columns
    domains = json.loads((out / "manifest.json").read_text())["scenario"]["domains"]
    assert len(panel) == 8 * 50 * len(domains)
    assert sorted(panel["citizen"].unique()) == list(range(50))


def test_same_seed_gives_the_same_summary(tmp_path: Path) -> None:
    summaries = []
    for name in ("a", "b"):
        result = placesim("run", DEFAULT, *QUICK, "--steps", "4", "--seed", "3", "--no-baseline", "--out", tmp_path / name)
        assert result.returncode == 0, result.stderr
        summaries.append(json.loads((tmp_path / name / "summary.json").read_text()))
    assert summaries[0] == summaries[1]


def test_count_prints_agencies_by_domain_and_writes_csv(tmp_path: Path) -> None:
    csv = tmp_path / "count.csv"
    result = placesim("count", DEFAULT, *QUICK, "--csv", csv)
    assert result.returncode == 0, result.stderr
    for word in ("council", "nhs", "jobcentre", "children", "health", "acute"):
        assert word in result.stdout
    table = pd.read_csv(csv)
    assert list(table.columns) == ["by", "agency", "key", "gbp_per_year"]
    by_domain = table[table["by"] == "domain"]
    by_category = table[table["by"] == "category"]
    assert by_domain["gbp_per_year"].sum() == pytest.approx(by_category["gbp_per_year"].sum(), rel=1e-9)
    assert 1e9 < by_domain["gbp_per_year"].sum() < 1e10


# -- commands that never clobber a user's files ------------------------------------------------------
def test_run_refuses_a_folder_of_the_users_and_keeps_its_files(tmp_path: Path) -> None:
    thesis = tmp_path / "p" / "thesis.txt"
    thesis.parent.mkdir()
    thesis.write_text("chapter 1")
    for extra in ([], ["--force"]):
        result = placesim("run", DEFAULT, *QUICK, "--steps", "2", "--no-baseline", "--out", thesis.parent, *extra)
        assert_bad_input(result, str(thesis.parent), "thesis.txt" if extra else "--force")
    assert thesis.read_text() == "chapter 1"


def test_run_replaces_its_own_run_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ("run", DEFAULT, *QUICK, "--steps", "2", "--no-baseline", "--out", out)
    assert placesim(*args, "--seed", "1").returncode == 0
    assert_bad_input(placesim(*args, "--seed", "2"), "already exists", "--force")
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    assert placesim(*args, "--seed", "2", "--force").returncode == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_runs_that_differ_only_in_an_override_get_their_own_folders(tmp_path: Path) -> None:
    args = ("run", DEFAULT, *QUICK, "--steps", "2", "--no-baseline", "--seed", "4")
    plain = placesim(*args, cwd=tmp_path)
    rated = placesim(*args, "--set", "policy.pool.rate=0.0", "--set", "policy.target_pressure=0.1", cwd=tmp_path)
    assert plain.returncode == 0 and rated.returncode == 0, plain.stderr + rated.stderr
    folders = sorted(p.name for p in (tmp_path / "results" / "runs").iterdir())
    assert len(folders) == 2 and all(name.startswith("total_place_pilot-seed4-") for name in folders)
    assert_bad_input(placesim(*args, cwd=tmp_path), "already exists")


# -- levers that cannot act are named ------------------------------------------------------------------
def test_validate_and_run_warn_of_a_pool_rule_with_nothing_pooled(tmp_path: Path) -> None:
    path = extending_default(tmp_path, "nothing_pooled.yaml", "policy:\n  pool:\n    rule: need\n")
    validated = placesim("validate", path)
    assert validated.returncode == 0
    assert f"warning: {path}: policy.pool.rate: is 0, so rule need has nothing to allocate" in validated.stderr
    ran = placesim("run", path, *QUICK, "--steps", "2", "--no-baseline", "--out", tmp_path / "out")
    assert ran.returncode == 0 and "policy.pool.rate" in ran.stderr


def test_shipped_scenarios_set_no_lever_that_cannot_act() -> None:
    result = placesim("validate", *sorted((ROOT / "scenarios").glob("*.yaml")))
    assert result.returncode == 0 and "warning" not in result.stderr


# -- small gaps ---------------------------------------------------------------------------------------
def test_bare_placesim_prints_help() -> None:
    result = placesim()
    assert result.returncode == 0 and "usage: placesim" in result.stdout and "sweep" in result.stdout


def test_version_is_the_package_version() -> None:
    from importlib.metadata import version

    result = placesim("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"placesim {version('placesim')}"


def test_validate_counts_in_words(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", f"name: one\nbase: {DEFAULT}\nreplications: 1\ndesign: {{kind: grid, levers: {{policy.pool.rate: [0.1]}}}}\n")
    result = placesim("validate", path)
    assert result.returncode == 0, result.stderr
    assert "(1 point x 1 replication)" in result.stdout


# -- hostile and mistaken input: exit 2, the file, the field and the fix (issue 11) -------------------
NOT_A_SCENARIO = "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\napi_key: sk-live-123\n"
EXPERIMENT = f"base: {DEFAULT}\nreplications: 1\npopulation_sample: 1000\nsteps: 2\n"
GRID = "design:\n  kind: grid\n  levers:\n    policy.pool.rate: [0.1]\n"


def alias_tree(levels: int = 9, width: int = 9) -> str:
    keys = "abcdefghi"[:width]
    lines = ["a: &a {" + ",".join(f"{k}: 0" for k in keys) + "}"]
    for level in range(1, levels):
        lines.append(f"{keys[level]}: &{keys[level]} {{" + ",".join(f"{k}: *{keys[level - 1]}" for k in keys) + "}")
    return "\n".join(lines) + "\n"


BAD_FILES: dict[str, str | bytes] = {
    "latin1.yaml": f"extends: {DEFAULT}\nname: caf\xe9\n".encode("latin-1"),
    "binary.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "twice.yaml": f"extends: {DEFAULT}\npolicy:\n  ring_fence_share: 0.2\n  ring_fence_share: 0.9\n",
    "yes.yaml": f"extends: {DEFAULT}\npolicy:\n  integrated_case_management: yes\n",
    "on.yaml": f"extends: {DEFAULT}\npolicy:\n  pool:\n    gain_share: on\n",
    "inf.yaml": f"extends: {DEFAULT}\ndomains:\n  health:\n    citizen_priority: .inf\n",
    "huge_budget.yaml": f"extends: {DEFAULT}\nagencies:\n  police:\n    budget_gbp_per_year: 1.0e+308\n",
    "shadow": NOT_A_SCENARIO,
    "extends_shadow.yaml": "extends: shadow\nname: x\n",
    "alias_parent.yaml": alias_tree(),
    "alias_child.yaml": "extends: alias_parent.yaml\n" + alias_tree(),
    "one_resident.yaml": f"extends: {DEFAULT}\nplace:\n  population: 1\n",
    "nan_range.yaml": f"name: nan_range\n{EXPERIMENT}design:\n  kind: lhs\n  uncertainties:\n    learning.rate: {{low: .nan, high: 0.3}}\n",
    "bad_range.yaml": f"name: bad_range\n{EXPERIMENT}design:\n  kind: lhs\n  uncertainties:\n    learning.rate: {{low: 0.5, high: 0.3}}\n",
    "no_parameters.yaml": f"name: no_parameters\n{EXPERIMENT}design:\n  kind: grid\n",
    "repeated_grid.yaml": f"name: repeated_grid\n{EXPERIMENT}design:\n  kind: grid\n  levers:\n    policy.pool.rate: [0.1, 0.1, 0.2]\n",
    "baseline_twice.yaml": f"name: baseline_twice\n{EXPERIMENT}baseline: {{policy.pool.rule: silo}}\ndesign:\n  kind: scenarios\n"
    "  points:\n    baseline: {}\n    pooled: {set: {policy.pool.rule: need, policy.pool.rate: 0.2}}\n",
    "escape.yaml": f"name: ../../escape\n{EXPERIMENT}{GRID}",
    "absolute.yaml": f"name: /tmp/placesim-escape\n{EXPERIMENT}{GRID}",
    "oversampled.yaml": f"name: oversampled\n{EXPERIMENT.replace('1000', '100000')}{GRID}".replace(
        f"base: {DEFAULT}", "base: one_resident_pooled.yaml"
    ),
    "one_resident_pooled.yaml": f"extends: {DEFAULT}\nplace:\n  population: 50000\n",
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Every bad file above, checked by one `placesim validate` (it reports each file on its own)."""
    folder = tmp_path_factory.mktemp("bad").resolve()
    for name, content in BAD_FILES.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    checked = [name for name in BAD_FILES if name.endswith(".yaml") and name not in ("alias_parent.yaml", "one_resident_pooled.yaml")]
    result = placesim("validate", *(folder / name for name in checked), cwd=folder)
    return folder, result


def problems_of(bad_files: tuple[Path, subprocess.CompletedProcess[str]], name: str) -> list[str]:
    """The problem lines `validate` printed for one file, without the leading '  - '."""
    folder, result = bad_files
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    blocks = result.stderr.split("error: ")
    [block] = [b for b in blocks if b.startswith(f"{folder / name}: ")]
    return [line.removeprefix("  - ") for line in block.splitlines()[1:]]


def test_validate_of_many_bad_files_reports_each_and_no_traceback(bad_files) -> None:
    folder, result = bad_files
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_file_that_is_not_utf8_is_named(bad_files) -> None:
    position = len(f"extends: {DEFAULT}\nname: caf".encode())
    assert problems_of(bad_files, "latin1.yaml") == [
        f"(top level): is not UTF-8 text (byte 0xe9 at position {position}); save it as UTF-8"
    ]


def test_a_binary_file_is_named(bad_files) -> None:
    assert problems_of(bad_files, "binary.yaml") == ["(top level): is a binary file, not YAML text; check the path"]


def test_a_key_written_twice_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "twice.yaml") == [
        "policy.ring_fence_share: line 4, column 3: 'ring_fence_share' is written twice (first on line 3); YAML would "
        "keep only the last one, silently: remove one of them"
    ]


@pytest.mark.parametrize(
    ("name", "field", "spelling"),
    [("yes.yaml", "policy.integrated_case_management", "yes"), ("on.yaml", "policy.pool.gain_share", "on")],
)
def test_yes_and_on_are_not_booleans(bad_files, name: str, field: str, spelling: str) -> None:
    [problem] = problems_of(bad_files, name)
    assert problem.startswith(f"{field}: line ")
    assert problem.endswith(f"{spelling} is read by YAML as a boolean: write true or false (or \"{spelling}\", quoted, for the text)")


def test_an_infinite_number_in_a_file_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "inf.yaml") == [
        "domains.health.citizen_priority: line 4, column 23: .inf is not a finite number: every number in a scenario "
        "or experiment must be finite (docs/scenarios.md gives each field's range)"
    ]


def test_a_budget_whose_sum_would_overflow_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "huge_budget.yaml") == [
        "agencies.police.budget_gbp_per_year: Input should be less than or equal to 10000000000000"
    ]


def test_extends_of_a_file_that_is_not_a_scenario_does_not_echo_it(bad_files) -> None:
    folder, result = bad_files
    assert problems_of(bad_files, "extends_shadow.yaml") == [
        f"extends: '{folder / 'shadow'}' is not a scenario file: none of its top-level keys is a scenario field "
        "(name, place, domains, agencies, policy, ...); check the path"
    ]
    for fragment in ("root:", "daemon", "20228", "api_key", "sk-live"):
        assert fragment not in result.stderr


def test_a_pair_sharing_an_alias_tree_is_refused_at_once(bad_files) -> None:
    assert problems_of(bad_files, "alias_child.yaml") == [
        "(top level): line 3, column 11: YAML aliases (*name) are not allowed in scenario and experiment files: "
        "write the value out in full, so that every field can be read where it stands"
    ]


def test_a_place_smaller_than_any_sample_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "one_resident.yaml") == [
        "place.population: 1 residents is fewer than the smallest sample (10 simulated citizens); give the place at "
        "least 10 residents"
    ]


def test_an_experiment_that_simulates_more_citizens_than_residents_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "oversampled.yaml") == [
        "population_sample: 100,000 simulated citizens for a place of 50,000 residents (place.population): each must "
        "stand for at least one resident; use at most 50,000"
    ]


def test_a_nan_range_bound_is_refused(bad_files) -> None:
    [problem] = problems_of(bad_files, "nan_range.yaml")
    assert problem.startswith("design.uncertainties.learning.rate.low: line 9, column 26: .nan is not a finite number")


def test_experiment_messages_carry_no_pydantic_internals(bad_files) -> None:
    assert problems_of(bad_files, "bad_range.yaml") == ["design.uncertainties.learning.rate: high (0.3) must be above low (0.5)"]
    assert problems_of(bad_files, "no_parameters.yaml") == ["design: name at least one parameter under uncertainties or levers"]
    _, result = bad_files
    assert "function-after" not in result.stderr and "design: design:" not in result.stderr


def test_a_grid_value_listed_twice_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "repeated_grid.yaml") == [
        "design.levers.policy.pool.rate: 0.1 is listed twice, so two points with the same value would merge in the "
        "tables and comparisons: remove the repeat"
    ]


def test_a_point_named_like_the_added_baseline_is_refused(bad_files) -> None:
    assert problems_of(bad_files, "baseline_twice.yaml") == [
        "baseline: a mapping of overrides adds a point called 'baseline', but design.points already has one; rename "
        "that point, or compare with it by writing baseline: baseline"
    ]


@pytest.mark.parametrize("name", ["escape.yaml", "absolute.yaml"])
def test_an_experiment_name_that_is_a_path_is_refused(bad_files, name: str) -> None:
    [problem] = problems_of(bad_files, name)
    assert problem.startswith("name: must be a simple folder name (letters, digits, '.', '_' or '-'")


def test_sweep_of_an_escaping_name_writes_nothing_outside_results(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    path = write(work, "escape.yaml", f"name: ../../escape\n{EXPERIMENT}{GRID}")
    assert_bad_input(placesim("sweep", path, "--workers", "1", cwd=work), "escape.yaml", "name: must be a simple folder name")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "escape.yaml"]


def test_validate_of_a_bad_file_returns_within_seconds_even_if_it_is_a_merge_bomb(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", alias_tree())
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\n" + alias_tree())
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(child)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert_bad_input(result, "YAML aliases")


# -- option values: argparse refuses them with the option and the fix, exit 2 -------------------------
@pytest.mark.parametrize("command", ["run", "count"])
def test_a_negative_seed_is_refused(command: str) -> None:
    result = placesim(command, DEFAULT, "--seed", "-1")
    assert_bad_input(result, "argument --seed: must be a whole number >= 0, not -1")


@pytest.mark.parametrize(("command", "sample"), [("run", "1"), ("count", "9"), ("sweep", "9")])
def test_a_population_sample_below_the_schema_minimum_is_refused(command: str, sample: str) -> None:
    target = ROOT / "experiments" / "total_place.yaml" if command == "sweep" else DEFAULT
    result = placesim(command, target, "--population-sample", sample)
    assert_bad_input(
        result, f"argument --population-sample: must be at least 10 simulated citizens (as run.population_sample), not {sample}"
    )


def test_a_sample_larger_than_the_place_is_refused_before_running(tmp_path: Path) -> None:
    tiny = extending_default(tmp_path, "tiny_place.yaml", "place:\n  population: 500\n")
    result = placesim("run", tiny, "--population-sample", "1000", "--steps", "1", "--out", tmp_path / "out")
    assert_bad_input(
        result,
        f"error: {tiny}: 1 problem(s)",
        "--population-sample: 1,000 simulated citizens for a place of 500 residents (place.population): each must "
        "stand for at least one resident; use at most 500",
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("size", ["0", "-5"])
def test_a_panel_of_no_citizens_is_refused(size: str, tmp_path: Path) -> None:
    result = placesim("run", DEFAULT, "--panel", size, "--out", tmp_path / "out")
    assert_bad_input(result, f"argument --panel: must be at least 1 citizen to follow, not {size}; leave --panel out for no panel")
    assert not (tmp_path / "out").exists()


def test_a_port_outside_1_to_65535_is_refused() -> None:
    assert_bad_input(placesim("app", "--port", "70000"), "argument --port: must be a port from 1 to 65535, not 70000")


def test_dask_local_zero_is_refused_at_once() -> None:
    result = placesim("sweep", ROOT / "experiments" / "total_place.yaml", "--dask", "local:0")
    assert_bad_input(result, "argument --dask: local:N needs N >= 1 worker processes, not '0'; e.g. --dask local:2")


def test_a_set_value_yaml_cannot_read_is_named(tmp_path: Path) -> None:
    result = placesim("run", DEFAULT, "--set", "policy.pool.rate=[unclosed", "--out", tmp_path / "out")
    assert_bad_input(
        result,
        "error: --set: 1 problem(s)",
        "policy.pool.rate: the value '[unclosed' cannot be read: expected ',' or ']', but got '<stream end>'; "
        "quote text, e.g. --set 'policy.pool.rate=\"...\"'",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "domains.health.citizen_priority: the value '.inf' cannot be read: .inf is not a finite number"),
        ("inf", "domains.health.citizen_priority: Input should be a finite number"),
        ("1e309", "domains.health.citizen_priority: Input should be a finite number"),
    ],
)
def test_a_non_finite_override_is_refused_and_no_run_is_written(tmp_path: Path, value: str, message: str) -> None:
    """Finding 8: `--set ...citizen_priority=.inf` ran, with NaN in steps.parquet and Infinity in manifest.json."""
    result = placesim("run", DEFAULT, *QUICK, "--steps", "1", "--no-baseline",
                      "--set", f"domains.health.citizen_priority={value}", "--out", tmp_path / "out")  # fmt: skip
    assert_bad_input(result, message)
    assert not (tmp_path / "out").exists()


def test_run_manifest_and_summary_are_strict_json(pooled_run: Path) -> None:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in a JSON file")

    for name in ("manifest.json", "summary.json"):
        json.loads((pooled_run / name).read_text(), parse_constant=refuse)


# -- output paths: checked before the run, never a traceback -----------------------------------------
@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Path:
    """A folder in which no file can be created, for root too (sysfs), else a read-only folder."""
    if os.geteuid() != 0:
        folder = tmp_path / "read_only"
        folder.mkdir(mode=0o500)
        return folder
    folder = Path("/sys")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return folder
    pytest.skip("no folder here refuses files to root")


def test_run_out_pointing_at_a_file_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "notes.txt", "mine")
    result = placesim("run", DEFAULT, *QUICK, "--steps", "1", "--no-baseline", "--out", file)
    assert_bad_input(result, f"error: {file}: 1 problem(s)", "--out: is a file, not a folder; choose another --out")
    assert file.read_text() == "mine"


def test_run_out_under_a_file_is_refused_before_running(tmp_path: Path) -> None:
    file = write(tmp_path, "notes.txt", "mine")
    result = placesim("run", DEFAULT, *QUICK, "--steps", "1", "--no-baseline", "--out", file / "run")
    assert_bad_input(result, f"--out: is under {file}, which is a file, not a folder; choose another --out")


def test_run_out_somewhere_unwritable_is_refused_before_running(unwritable_folder: Path) -> None:
    result = placesim("run", DEFAULT, *QUICK, "--steps", "1", "--no-baseline", "--out", unwritable_folder / "placesim" / "run")
    assert_bad_input(result, f"--out: cannot be written: no file can be created in {unwritable_folder} (")


def test_count_csv_pointing_at_a_folder_is_refused(tmp_path: Path) -> None:
    result = placesim("count", DEFAULT, *QUICK, "--csv", tmp_path)
    assert_bad_input(result, f"--csv: is a folder; give a file name, e.g. {tmp_path / 'count.csv'}")


def test_count_csv_under_a_file_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "notes.txt", "mine")
    assert_bad_input(placesim("count", DEFAULT, *QUICK, "--csv", file / "count.csv"), f"--csv: is under {file}, which is a file")


def test_count_csv_somewhere_unwritable_is_refused(unwritable_folder: Path) -> None:
    result = placesim("count", DEFAULT, *QUICK, "--csv", unwritable_folder / "count.csv")
    assert_bad_input(result, f"--csv: cannot be written: no file can be created in {unwritable_folder} (")


def test_count_csv_never_replaces_a_file_it_did_not_write(tmp_path: Path) -> None:
    file = write(tmp_path, "thesis.csv", "chapter,words\n1,9000\n")
    result = placesim("count", DEFAULT, *QUICK, "--csv", file)
    assert_bad_input(result, "--csv: already exists and is not a count placesim wrote, so it is not replaced; choose another --csv")
    assert file.read_text() == "chapter,words\n1,9000\n"


def test_count_csv_replaces_a_count_it_wrote(tmp_path: Path) -> None:
    file = write(tmp_path, "count.csv", "by,agency,key,gbp_per_year\ndomain,council,children,1.0\n")
    result = placesim("count", DEFAULT, *QUICK, "--csv", file)
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(file)) > 1


# -- Ctrl-C while the command loads -----------------------------------------------------------------
INTERRUPT_WHILE_LOADING = """
import sys

class InterruptWhileLoading:
    '''Ctrl-C, deterministically, while a module the command needs is being imported.'''

    def find_spec(self, name, path=None, target=None):
        if name == "sim.scenario.loading":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, InterruptWhileLoading())
from sim.cli import main  # what the `placesim` console script does

sys.exit(main(["validate", sys.argv[1]]))
"""


def test_ctrl_c_while_the_command_loads_its_modules_exits_130_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_LOADING, str(DEFAULT)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr == "interrupted; nothing half-written was left behind\n"


def test_ctrl_c_at_any_moment_of_start_up_exits_130_without_a_traceback() -> None:
    """A real SIGINT at several moments of `placesim validate`'s first seconds. Importing the `sim`
    package itself (sim/__init__.py) happens before any handler can run, so this holds only once
    that import is light."""
    eager = subprocess.run(
        [sys.executable, "-c", "import sim, sys; print('pandas' in sys.modules)"], cwd=ROOT, capture_output=True, text=True
    )
    if eager.stdout.strip() == "True":
        pytest.skip("sim/__init__.py imports the model eagerly, before the CLI's Ctrl-C handler exists")
    console_script = Path(sys.executable).with_name("placesim")
    for delay in (0.3, 0.6, 1.0, 1.5, 2.0, 3.0):
        process = subprocess.Popen([console_script, "validate", DEFAULT], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        if process.returncode == 0:
            continue  # it had finished
        assert process.returncode == 130, f"after {delay} s: {stderr}"
        assert stderr == "interrupted; nothing half-written was left behind\n", f"after {delay} s: {stderr}"


def test_app_refuses_a_scenario_outside_the_folder_it_is_told_to_offer(tmp_path: Path) -> None:
    result = placesim("app", DEFAULT, "--folder", tmp_path, "--port", "8799")
    assert_bad_input(result, str(DEFAULT), "the folder of scenarios to offer")


def test_the_console_shows_money_per_year_and_small_numbers_with_their_figures() -> None:
    """The sweep table once showed a ten-year total ("£33,825m") beside a report in £m a year, and
    wellbeing differences as "0.001 [0.001, 0.001]"."""
    from sim.cli import format_value

    assert format_value(33_825e6, "£m a year", years=10) == "£3,382m"
    assert format_value(-4.2e6, "£m a year", years=2) == "-£2.10m"
    assert format_value(3e6, "£m") == "£3.00m"  # money held at the end is not divided
    assert format_value(0.00123, "") == "0.00123" and format_value(-0.000456, "") == "-0.000456"
