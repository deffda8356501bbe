"""The `placesim` command: validate a scenario, run it, print its count.

Bad input (a scenario file, a --set override, an option's value, an output path) prints a
`ScenarioError` naming the file, the field path and the fix, and exits 2, before any work is done.
Tracebacks are reserved for bugs.

Only light modules are imported here at the top: the model, pandas, rich and the analysis are
imported inside the commands, which `main` runs under its Ctrl-C handler, so that Ctrl-C at any
moment, even while they load in the first seconds, exits 130 with one line and no traceback. (The
`sim` package itself is imported before `main` can run, so sim/__init__.py must stay light too.)
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sim import __version__

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from sim.experiment.experiment import Experiment
    from sim.model.simulate import RunResult
    from sim.scenario import Scenario, ScenarioError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted; nothing half-written was left behind"
WIDTH_WHEN_PIPED = 160
COUNT_HEADER = "by,agency,key,gbp_per_year"
HIGHEST_PORT = 65535


@cache
def console() -> Console:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else WIDTH_WHEN_PIPED)


@cache
def errors() -> Console:
    from rich.console import Console

    return Console(stderr=True, width=None if sys.stderr.isatty() else WIDTH_WHEN_PIPED)


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def positive_int(text: str) -> int:
    value = whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def seed_number(text: str) -> int:
    """A seed is a whole number >= 0, as `run.seed` (numpy's SeedSequence takes no negative seed)."""
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {text}")
    return value


def population_sample(text: str) -> int:
    """At least the schema's minimum of `run.population_sample`, as in a scenario file."""
    from sim.scenario.schema import MIN_POPULATION_SAMPLE

    value = whole_number(text)
    if value < MIN_POPULATION_SAMPLE:
        raise argparse.ArgumentTypeError(
            f"must be at least {MIN_POPULATION_SAMPLE} simulated citizens (as run.population_sample), not {text}"
        )
    return value


def panel_size(text: str) -> int:
    """Citizens to follow in the panel: at least 1 (leaving the option out keeps no panel)."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 citizen to follow, not {text}; leave --panel out for no panel")
    return value


def port_number(text: str) -> int:
    value = whole_number(text)
    if not 1 <= value <= HIGHEST_PORT:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to {HIGHEST_PORT}, not {text}")
    return value


def dask_address(text: str) -> str:
    """`local:N` with N >= 1 worker processes, or a scheduler's address; checked before any work."""
    if text.startswith("local:"):
        workers = text.removeprefix("local:")
        if not workers.isdigit() or int(workers) < 1:
            raise argparse.ArgumentTypeError(
                f"local:N needs N >= 1 worker processes, not {workers!r}; e.g. --dask local:2"
            )
    elif not text.strip():
        raise argparse.ArgumentTypeError("needs a scheduler address (tcp://host:8786) or local:N")
    return text


def scenario_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--seed", type=seed_number, help="random seed (default: the scenario's run.seed)")
    parser.add_argument("--population-sample", type=population_sample, help="simulated citizens (at least 10)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="override a field, e.g. policy.pool.rate=0.3"
    )


def bad_input(source: str | Path, field: str, message: str) -> ScenarioError:
    """A `ScenarioError` with one problem: `source`, the field or option, what is wrong and the fix."""
    from sim.scenario import ScenarioError

    return ScenarioError(str(source), [(field, message)])


def load_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario as the options set it, refused if it would simulate more citizens than it has."""
    from sim.scenario import load_scenario, parse_assignment

    overrides = dict(parse_assignment(item) for item in args.set)
    scenario = load_scenario(args.scenario, overrides=overrides)
    given = args.population_sample is not None
    sample = args.population_sample if given else scenario.run.population_sample
    refuse_oversampling(scenario, sample, args.scenario, "--population-sample" if given else "run.population_sample")
    return scenario


def refuse_oversampling(scenario: Scenario, sample: int, source: str | Path, field: str) -> None:
    """Each simulated citizen stands for population / sample residents: fewer than one would
    simulate residents several times over and report fractions of people. (The library allows it,
    and its tests use it; a person at the command line surely did not mean it.)"""
    from sim.scenario.schema import MIN_POPULATION_SAMPLE

    population = scenario.place.population
    if sample <= population:
        return
    if population < MIN_POPULATION_SAMPLE:
        raise bad_input(
            source,
            "place.population",
            f"{population:,} residents is fewer than the smallest sample ({MIN_POPULATION_SAMPLE} simulated "
            f"citizens); give the place at least {MIN_POPULATION_SAMPLE} residents",
        )
    raise bad_input(
        source,
        field,
        f"{sample:,} simulated citizens for a place of {population:,} residents (place.population): each must "
        f"stand for at least one resident; use at most {population:,}",
    )


def refuse_oversampled_points(experiment: Experiment, source: str | Path, cli_sample: int | None = None) -> None:
    """`refuse_oversampling` for every point of an experiment, with the sample it would run."""
    for point in experiment.design.points:
        scenario = experiment.scenarios[point.point_id]
        if cli_sample is not None:
            refuse_oversampling(scenario, cli_sample, source, "--population-sample")
        elif experiment.spec.population_sample is not None:
            refuse_oversampling(scenario, experiment.spec.population_sample, source, "population_sample")
        else:
            field = f"design point {point.name!r}: run.population_sample"
            refuse_oversampling(scenario, scenario.run.population_sample, source, field)


def refuse_unwritable(path: Path, option: str) -> None:
    """Refuse, before any work, a path that cannot be created: one under a file, or in a folder
    where this user cannot create files (tried, since permission bits do not tell for root)."""
    ancestor = path.absolute().parent
    while not os.path.exists(ancestor):
        ancestor = ancestor.parent
    if not os.path.isdir(ancestor):
        raise bad_input(path, option, f"is under {ancestor}, which is a file, not a folder; choose another {option}")
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        why = f"no file can be created in {ancestor} ({exc.strerror})"
        raise bad_input(path, option, f"cannot be written: {why}; choose another {option}") from None


def refuse_csv_target(path: Path) -> None:
    """`count --csv` writes a new file or replaces a count it wrote, never a folder or another file."""
    if path.is_dir():
        raise bad_input(path, "--csv", f"is a folder; give a file name, e.g. {path / 'count.csv'}")
    if path.exists():
        try:
            with path.open(encoding="utf-8", errors="replace") as existing:
                first_line = existing.readline().strip()
        except OSError as exc:
            raise bad_input(path, "--csv", f"cannot be read ({exc.strerror}); choose another --csv") from None
        if first_line != COUNT_HEADER:
            raise bad_input(
                path, "--csv", "already exists and is not a count placesim wrote, so it is not replaced; choose another --csv"
            )
    refuse_unwritable(path, "--csv")


def write_failed(path: Path, option: str, exc: OSError) -> ScenarioError:
    """An output that could not be written after all (the disk filled, a permission changed)."""
    return bad_input(path, option, f"could not be written ({exc.strerror}); choose another {option}")


@contextmanager
def progress_bar(label: str, unit: str, keep: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar (done of total, time left) on stderr, fed by an `advance(done, total)`
    callback; `keep=False` removes it when done. Rich animates it only on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeRemainingColumn(),
        console=errors(),
        transient=not keep,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def run_with_progress(
    scenario: Scenario, args: argparse.Namespace, steps: int | None, baseline: bool, panel_citizens: int = 0
) -> RunResult:
    from sim.model.simulate import run

    with progress_bar(scenario.name, "quarters", keep=False) as advance:
        return run(
            scenario,
            seed=args.seed,
            steps=steps,
            population_sample=args.population_sample,
            compare_with_silo=baseline,
            on_step=advance,
            panel_citizens=panel_citizens,
        )


def report_error(exc: ScenarioError) -> None:
    errors().print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)


def warn_inert_levers(scenario: Scenario, source: Path) -> None:
    """Print a warning per lever that is set but cannot act (sim/scenario/inert_levers.py)."""
    from sim.scenario.inert_levers import inert_levers

    for path, message in inert_levers(scenario):
        errors().print(f"warning: {source}: {path}: {message}", markup=False, highlight=False, soft_wrap=True)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def is_experiment_file(path: Path) -> bool:
    """An experiment file has a `design:` (a scenario never does); unreadable files go to the scenario check."""
    from sim.scenario import ScenarioError
    from sim.scenario.loading import read_yaml

    try:
        data = read_yaml(path)
    except ScenarioError:
        return False
    return isinstance(data, dict) and "design" in data


def command_validate(args: argparse.Namespace) -> int:
    """Check every file given, report each one's problems, exit 2 if any file is invalid.

    The experiment wing is imported only for an experiment file: checking scenarios needs no
    designs, model or pandas, and answers in a fraction of a second.
    """
    from sim.scenario import ScenarioError, load_scenario

    invalid = 0
    for path in args.scenarios:
        try:
            if is_experiment_file(path):
                from sim.experiment.experiment import load_experiment

                experiment = load_experiment(path)
                refuse_oversampled_points(experiment, str(path))
                console().print(f"valid {path}: experiment {experiment.name} ({plural(len(experiment.design.points), 'point')} x "
                              f"{plural(experiment.spec.replications, 'replication')})", markup=False, highlight=False)  # fmt: skip
                continue
            scenario = load_scenario(path)
            refuse_oversampling(scenario, scenario.run.population_sample, str(path), "run.population_sample")
        except ScenarioError as exc:
            report_error(exc)
            invalid += 1
            continue
        console().print(
            f"valid {path}: {scenario.name} ({plural(len(scenario.domains), 'domain')}, "
            f"{len(scenario.agencies)} {'agency' if len(scenario.agencies) == 1 else 'agencies'}, "
            f"pool rule {scenario.policy.pool.rule.value})",
            markup=False,
            highlight=False,
        )
        warn_inert_levers(scenario, path)
    return EXIT_BAD_INPUT if invalid else 0


SUMMARY_ROWS = (
    ("money_used_gbp", "Total spend: money used (all spend on services)", "£m"),
    ("fixed_cost_gbp", "  of which fixed base", "£m"),
    ("capacity_cost_gbp", "  of which acute capacity (paid whether used or not)", "£m"),
    ("capacity_premium_gbp", "  of which capacity premium (above capacity)", "£m"),
    ("benefit_spend_gbp", "  of which benefits (demand-led, AME)", "£m"),
    ("decommissioning_gbp", "  of which decommissioning", "£m"),
    ("idle_capacity_gbp", "Idle capacity (paid for, not used)", "£m"),
    ("demand_at_full_cost_gbp", "Demand at full unit cost", "£m"),
    ("acute_share", "Acute share", "%"),
    ("need_related_acute_share", "Acute share, fixed base left out", "%"),
    ("prevention_share", "Prevention share", "%"),
    ("waste_gbp", "Waste (duplicated assessment + governance)", "£m"),
    ("pool_contributions_gbp", "Pooled", "£m"),
    ("net_cost_to_centre_gbp", "Net cost to the centre", "£m"),
    ("returned_to_centre_gbp", "Returned to the centre", "£m"),
    ("reinvested_gbp", "Reinvested", "£m"),
    ("deficit_support_gbp", "Deficit support from the centre", "£m"),
    ("final_reserves_gbp", "Reserves at the end", "£m"),
    ("final_owed_to_centre_gbp", "Owed to the centre at the end", "£m"),
    ("section_114_count", "Section 114 notices", ""),
    ("mean_wellbeing", "Mean wellbeing (0-1)", ""),
    ("crises_per_1000_per_year", "Crisis events per 1,000 residents per year", ""),
    ("crises_per_million_gbp", "Crises per £1m of money used", ""),
    ("crises_averted_vs_silo", "Crises averted vs silo (same seed)", ""),
    ("unmet_statutory_demand_gbp", "Statutory demand beyond budget", "£m"),
    ("final_deficit_gbp", "Deficits at the end", "£m"),
    ("final_mean_collaboration", "Mean collaboration at the end (0-1)", ""),
    ("claimed_savings_gbp", "Savings claimed by business cases", "£m"),
    ("estimated_savings_gbp", "Savings pool members saw in their spend", "£m"),
    ("deadweight_share", "Deadweight: treated who would not have reached crisis", "%"),
    ("offers_declined_share", "Offers of help declined", "%"),
    ("mean_wait_quarters", "Mean wait for prevention (quarters)", ""),
    ("family_cost_ratio", "Cost of a family with multiple problems / an average household", ""),
)


def format_value(value: float, unit: str, years: float = 1.0) -> str:
    """A value for the console in the report's units and number format (sim/analysis/numbers.py):
    "£m" is money held or over the whole run, "£m a year" a flow divided by the run's `years`."""
    from sim.analysis.numbers import number, pounds_m

    if math.isnan(value):
        return "not measured"
    if unit == "£m":
        return pounds_m(value / 1e6)
    if unit == "£m a year":
        return pounds_m(value / 1e6 / years)
    if unit == "%":
        return f"{value:.1%}"
    return number(value)


def experiment_years(experiment) -> float:
    """The simulated years of an experiment's runs (every point runs the same steps)."""
    from sim.model.agencies import STEPS_PER_YEAR

    scenario = next(iter(experiment.scenarios.values()))
    return (experiment.spec.steps or scenario.run.steps) / STEPS_PER_YEAR


def print_summary(result: RunResult) -> None:
    from rich.table import Table

    table = Table(title=f"{result.scenario.name}: seed {result.seed}, {result.population_sample:,} citizens")
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    for key, label, unit in SUMMARY_ROWS:
        if key in result.summary:
            table.add_row(label, format_value(result.summary[key], unit))
    console().print(table)


def command_run(args: argparse.Namespace) -> int:
    """Run one scenario into its own folder: checked before the run, so a refusal costs nothing."""
    from sim.experiment.run_files import PANEL_FILE, check_run_folder, default_run_folder, run_identity, write_run

    scenario = load_from_args(args)
    warn_inert_levers(scenario, args.scenario)
    seed = scenario.run.seed if args.seed is None else args.seed
    steps = args.steps or scenario.run.steps
    sample = args.population_sample or scenario.run.population_sample
    panel_citizens = args.panel or 0
    identity = run_identity(scenario, seed, steps, sample, with_silo_twin=not args.no_baseline, panel_citizens=panel_citizens)
    out_dir = args.out or default_run_folder(args.scenario.stem, seed, identity)
    refuse_unwritable(out_dir, "--out")
    check_run_folder(out_dir, replace=args.force)
    result = run_with_progress(scenario, args, args.steps, baseline=not args.no_baseline, panel_citizens=panel_citizens)
    try:
        write_run(result, out_dir, source=str(args.scenario), replace=args.force)
    except OSError as exc:
        raise write_failed(out_dir, "--out", exc) from None
    print_summary(result)
    console().print(f"Results in {out_dir}/ (steps, ledger, balances as Parquet; summary.json; manifest.json)")
    if result.panel is not None:
        followed = plural(int(result.panel["citizen"].nunique()), "citizen")
        console().print(f"Panel of {followed} in {out_dir / PANEL_FILE}", markup=False, highlight=False, soft_wrap=True)
    return 0


def print_count(table: pd.DataFrame, title: str) -> None:
    from rich.table import Table

    shown = Table(title=title)
    shown.add_column(table.index.name or "")
    for column in table.columns:
        shown.add_column(str(column), justify="right")
    for index, row in table.iterrows():
        shown.add_row(str(index), *(f"{value / 1e6:,.1f}" for value in row))
    console().print(shown)


def command_count(args: argparse.Namespace) -> int:
    """Print the first year's count; with --csv, also write it (the target checked before the run)."""
    import pandas as pd

    from sim.analysis.count import count

    scenario = load_from_args(args)
    if args.csv:
        refuse_csv_target(args.csv)
    result = run_with_progress(scenario, args, steps=4, baseline=False)
    by_domain = count(result.ledger, by="domain")
    by_category = count(result.ledger, by="category")
    place = f"{scenario.place.name} ({scenario.place.population:,} residents)"
    print_count(by_domain, f"The count, first year, £m: {place}, spend by agency and domain")
    print_count(by_category, "The count, first year, £m: spend by agency and category")
    if args.csv:
        tidy = pd.concat(
            [
                by_domain.drop(index="total", columns="total").stack().rename("gbp_per_year").reset_index().assign(by="domain"),
                by_category.drop(index="total", columns="total")
                .stack()
                .rename("gbp_per_year")
                .reset_index()
                .rename(columns={"category": "domain"})
                .assign(by="category"),
            ]
        ).rename(columns={"domain": "key"})
        try:
            args.csv.parent.mkdir(parents=True, exist_ok=True)
            tidy[COUNT_HEADER.split(",")].to_csv(args.csv, index=False)
        except OSError as exc:
            raise write_failed(args.csv, "--csv", exc) from None
        console().print(f"Count written to {args.csv}")
    return 0


def command_sweep(args: argparse.Namespace) -> int:
    """Run an experiment and print its means, and with a baseline the paired differences (whose
    scipy.stats is imported only then, after the runs: before them it would delay the first by 0.7 s)."""
    from rich.table import Table

    from sim.experiment.experiment import load_experiment

    experiment = load_experiment(
        args.experiment,
        population_sample=args.population_sample,
        steps=args.steps,
        replications=args.replications,
    )
    refuse_oversampled_points(experiment, str(args.experiment), args.population_sample)
    out = args.out or Path("results") / experiment.name
    with progress_bar(experiment.name, "runs", keep=True) as advance:
        runs = experiment.run(out=out, workers=args.workers, dask=args.dask, resume=args.resume, progress=advance)
    table = runs.groupby("point", sort=False)[list(SWEEP_COLUMNS)].mean()
    years = experiment_years(experiment)
    shown = Table(title=f"{experiment.name}: mean over {experiment.spec.replications} replications of {years:g} years")
    shown.add_column("point")
    for label, unit in SWEEP_COLUMNS.values():
        shown.add_column(f"{label} ({unit})" if unit.startswith("£") else label, justify="right")
    for point, row in table.iterrows():
        shown.add_row(str(point), *(format_value(row[key], unit, years) for key, (_, unit) in SWEEP_COLUMNS.items()))
    console().print(shown)
    written = "runs.parquet, steps.parquet, design.parquet, manifest.json"
    if experiment.design.baseline is not None and experiment.spec.replications > 1:
        from sim.analysis.paired import paired_differences

        comparison = paired_differences(runs, experiment.design.baseline, list(COMPARED_MEASURES))
        print_paired(comparison, experiment.design.baseline, years)
        comparison.to_csv(out / "comparison.csv", index=False)
        written += ", comparison.csv (with Wilcoxon p-values, Holm-adjusted, and effect sizes)"
    console().print(f"{len(runs)} runs in {out}/ ({written})")
    return 0


def command_report(args: argparse.Namespace) -> int:
    """Write report.html, summary.md, figures and tables; print the path and the headline table."""
    from rich.table import Table

    from sim.analysis.report import write_report
    from sim.analysis.summary import headline_for_reading

    with progress_bar(f"report {args.results.name}", "files", keep=False) as advance:
        report, headline = write_report(args.results, progress=advance)
    shown = headline_for_reading(headline)
    table = Table(title="Headline")
    for column in shown.columns:
        table.add_column(str(column), justify="left" if column in ("point", "measure", "label") else "right")
    for row in shown.itertuples(index=False):
        table.add_row(*map(str, row))
    console().print(table)
    console().print(f"Report: {report.resolve()}", markup=False, highlight=False, soft_wrap=True)
    return 0


def command_calibrate(args: argparse.Namespace) -> int:
    """Fit a calibration file with ABC-SMC, showing a bar per generation (epsilon, acceptance
    rate, simulations so far, time left), then the posterior-predictive runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sim.calibration.calibrate import Progress as Callbacks
    from sim.calibration.calibrate import calibrate
    from sim.calibration.fit import Generation
    from sim.calibration.loading import load_calibration
    from sim.experiment.executors import default_workers

    calibration = load_calibration(args.calibration)
    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise bad_input("placesim calibrate", "pyabc", "is not installed; install it with: pip install 'placesim[calibrate]'") from None
    out = args.out or Path("results") / "calibration" / args.calibration.stem
    settings = calibration.spec.abc
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[state]}"),
        TimeRemainingColumn(), console=errors(),
    ) as progress:  # fmt: skip
        generations = progress.add_task("ABC-SMC generations", total=settings.max_generations, state="sampling")
        predictive = progress.add_task("posterior-predictive runs", total=None, state="", visible=False)

        def on_generation(generation: Generation) -> None:
            state = (f"epsilon {generation.epsilon:.3g}, acceptance {generation.acceptance_rate:.0%}, "
                     f"{generation.simulations:,} simulations")  # fmt: skip
            progress.update(generations, completed=generation.t + 1, state=state)
            if not progress.console.is_terminal:  # a log file gets one line a generation, not a bar
                progress.console.print(f"generation {generation.t + 1}: {state}, {generation.seconds:.0f} s")

        def on_predictive(done: int, total: int) -> None:
            progress.update(predictive, completed=done, total=total, visible=True)

        calibrate(
            calibration, out, resume=args.resume, workers=args.workers or default_workers(), dask_address=args.dask,
            max_simulations=args.max_simulations, population_sample=args.population_sample,
            progress=Callbacks(on_generation, on_predictive),
        )  # fmt: skip
    from sim.analysis.calibration_figures import write_calibration_figures
    from sim.analysis.calibration_report import write_calibration_report

    write_calibration_figures(out)
    report = write_calibration_report(out)
    console().print(f"calibration written to {out}/ (posterior.parquet, targets.csv, manifest.json, figures); report: {report}")
    return 0


def command_app(args: argparse.Namespace) -> int:
    """Serve the browser app until interrupted (imported here: only this command needs the app)."""
    from sim.app.server import DEFAULT_SCENARIO, HOST, PORT, AppError, serve

    def say(text: str) -> None:
        console().print(text, markup=False, highlight=False, soft_wrap=True)

    try:
        serve(args.scenario or DEFAULT_SCENARIO, host=args.host or HOST, port=args.port or PORT, say=say, folder=args.folder)
    except AppError as exc:
        errors().print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    return 0


COMPARED_MEASURES = (
    "money_used_gbp", "total_spend_gbp", "acute_share", "need_related_acute_share", "prevention_share", "waste_gbp",
    "idle_capacity_gbp", "demand_at_full_cost_gbp", "net_cost_to_centre_gbp", "final_reserves_gbp",
    "section_114_count", "mean_wellbeing", "mean_priority_weighted_wellbeing", "total_crises",
    "crises_per_1000_per_year", "unmet_statutory_demand_gbp", "final_deficit_gbp", "final_mean_collaboration",
    # savings against the baseline of the same seed, positive = the point saves (sim/analysis/paired.py)
    "cashable_saving_gbp", "non_cashable_saving_gbp", "claimed_saving_gbp", "savings_gap_gbp", "saving_to_centre_gbp",
    "crises_averted_per_million_gbp",
)  # fmt: skip
PAIRED_COLUMNS = {  # the cashable saving is the fall in money used
    "cashable_saving_gbp": ("cashable saving (less money used)", "£m a year"),
    "non_cashable_saving_gbp": ("non-cashable saving", "£m a year"),
    "claimed_saving_gbp": ("claimed saving", "£m a year"),
    "savings_gap_gbp": ("savings gap", "£m a year"),
    "saving_to_centre_gbp": ("saving to centre", "£m a year"),
    "crises_averted_per_million_gbp": ("crises averted /£1m", ""),
    "waste_gbp": ("waste", "£m a year"),
    "mean_wellbeing": ("wellbeing (0-1)", ""),
    "crises_per_1000_per_year": ("crises per 1,000 a year", ""),
}


def print_paired(table: pd.DataFrame, baseline: str, years: float) -> None:
    """Mean paired difference against the baseline, with its 95% interval, per point."""
    from rich.table import Table

    shown = Table(title=f"Difference from {baseline}, paired by seed: mean [95% interval]")
    shown.add_column("point")
    for label, unit in PAIRED_COLUMNS.values():
        shown.add_column(f"{label} ({unit})" if unit.startswith("£") else label, justify="right")
    for point, group in table[table["measure"].isin(PAIRED_COLUMNS)].groupby("point", sort=False):
        by_measure = group.set_index("measure")
        cells = []
        for measure, (_, unit) in PAIRED_COLUMNS.items():
            row = by_measure.loc[measure]
            values = (format_value(row[k], unit, years) for k in ("mean_difference", "ci_low", "ci_high"))
            cells.append("{} [{}, {}]".format(*values))
        shown.add_row(str(point), *cells)
    console().print(shown)


SWEEP_COLUMNS = {
    "money_used_gbp": ("money used", "£m a year"),
    "idle_capacity_gbp": ("idle capacity", "£m a year"),
    "net_cost_to_centre_gbp": ("net cost to centre", "£m a year"),
    "acute_share": ("acute", "%"),
    "prevention_share": ("prevention", "%"),
    "waste_gbp": ("waste", "£m a year"),
    "mean_wellbeing": ("wellbeing (0-1)", ""),
    "crises_per_1000_per_year": ("crises per 1,000 a year", ""),
    "final_mean_collaboration": ("collaboration", ""),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="placesim", description="Pooled public-service budgets in a place.")
    parser.add_argument("--version", action="version", version=f"placesim {__version__}")
    parser.set_defaults(handler=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser("validate", help="check scenario and experiment files and list every problem")
    validate.add_argument("scenarios", type=Path, nargs="+", help="scenario or experiment YAML files")
    validate.set_defaults(handler=command_validate)

    run_parser = commands.add_parser("run", help="run one simulation and write its tables")
    scenario_options(run_parser)
    run_parser.add_argument("--steps", type=positive_int, help="quarters to simulate (default: the scenario's)")
    run_parser.add_argument(
        "--out", type=Path, help="output folder (default results/runs/<scenario>-seed<seed>-<hash of the inputs>/)"
    )
    run_parser.add_argument("--force", action="store_true", help="replace a run already in the output folder")
    run_parser.add_argument(
        "--no-baseline", action="store_true", help="skip the silo twin run used for 'crises averted'"
    )
    run_parser.add_argument(
        "--panel",
        type=panel_size,
        metavar="N",
        help="also write panel.parquet: the first N simulated citizens quarter by quarter (all if N >= the sample)",
    )
    run_parser.set_defaults(handler=command_run)

    count_parser = commands.add_parser("count", help="print the Total Place count for the first simulated year")
    scenario_options(count_parser)
    count_parser.add_argument("--csv", type=Path, help="also write the count as a tidy CSV")
    count_parser.set_defaults(handler=command_count)

    sweep = commands.add_parser("sweep", help="run an experiment: every design point x replication")
    sweep.add_argument("experiment", type=Path, help="experiment YAML file")
    sweep.add_argument("--workers", type=positive_int, help="local worker processes (default: all cores)")
    sweep.add_argument(
        "--dask", type=dask_address, metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786) or local:N"
    )
    sweep.add_argument("--out", type=Path, help="results folder (default results/<experiment name>/)")
    sweep.add_argument("--resume", action="store_true", help="run only what an interrupted sweep left")
    sweep.add_argument("--population-sample", type=population_sample, help="override for a quick look (at least 10)")
    sweep.add_argument("--steps", type=positive_int, help="override for a quick look")
    sweep.add_argument("--replications", type=positive_int, help="override for a quick look")
    sweep.set_defaults(handler=command_sweep)

    report_parser = commands.add_parser("report", help="write an experiment's HTML report, summary and tables")
    report_parser.add_argument("results", type=Path, help="results folder of a sweep, e.g. results/total_place")
    report_parser.set_defaults(handler=command_report)

    calibrate_parser = commands.add_parser("calibrate", help="fit a calibration file with ABC-SMC and validate it on held-out targets")
    calibrate_parser.add_argument("calibration", type=Path, help="calibration YAML file, e.g. calibration/total_place_pilot.yaml")
    calibrate_parser.add_argument("--out", type=Path, help="results folder (default results/calibration/<file name>/)")
    calibrate_parser.add_argument("--workers", type=positive_int, help="local worker processes (default: all cores)")
    calibrate_parser.add_argument(
        "--dask", type=dask_address, metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786) or local:N"
    )
    calibrate_parser.add_argument("--resume", action="store_true", help="continue from the last finished generation")
    calibrate_parser.add_argument(
        "--max-simulations", type=positive_int, metavar="M", help="stop after M simulations (a quick look: 200-500)"
    )
    calibrate_parser.add_argument(
        "--population-sample", type=population_sample, help="citizens per simulation (default: the file's run section)"
    )
    calibrate_parser.set_defaults(handler=command_calibrate)

    app = commands.add_parser("app", help="serve the browser app (sliders, step, charts) on this machine")
    app.add_argument("scenario", type=Path, nargs="?", help="scenario YAML file (default: the shipped pilot place)")
    app.add_argument("--host", help="address to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=port_number, help="port, 1-65535 (default 8765)")
    app.add_argument(
        "--folder", type=Path, help="offer the scenario files of this folder (default: the scenario file's folder)"
    )
    app.set_defaults(handler=command_app)
    return parser


def print_warning(message: Warning | str, *_: object) -> None:
    """Warnings (partial results, damaged parts) as one line each, not Python's file:line and source."""
    errors().print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and run a command; bad input exits 2, Ctrl-C at any moment exits 130, in one line."""
    warnings.showwarning = print_warning
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.handler is None:  # bare `placesim`: what it can do, not an error
            parser.print_help()
            return 0
        from sim.scenario import ScenarioError

        try:
            return args.handler(args)
        except ScenarioError as exc:
            report_error(exc)
            return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


def command() -> None:
    """The `placesim` console script and `python -m sim`: `main`, then exit with its code.

    Once the command has finished, Ctrl-C is ignored: while Python shuts down it restores the
    default SIGINT action, so a late Ctrl-C would kill the finished process (exit -2, no message)
    instead of letting it exit as it decided.
    """
    try:
        code = main()
    except KeyboardInterrupt:  # in the instant between main's own handler and the next line
        print(INTERRUPTED, file=sys.stderr)
        code = EXIT_INTERRUPTED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    command()
