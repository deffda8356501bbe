"""The `placesim` command end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
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
