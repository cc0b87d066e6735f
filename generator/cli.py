"""Command line: ``papershelf build``, ``serve``, ``check`` and ``clean`` (also ``python -m generator``)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from generator import __version__
from generator.build import BuildReport, build
from generator.errors import LinkCheckError, PapershelfError, StrictModeError
from generator.inputs import load_site_config, paths_of, skipped_inputs
from generator.options import BuildOptions
from generator.output.writer import clean_output
from generator.progress import ProgressBar
from generator.read.config import DEFAULT_CONFIG_NAME
from generator.read.paths import display_path


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def port_number(text: str) -> int:
    """An argparse type: a whole number; ``serve`` says whether it is a port (its own exit code)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a port number (1 to 65535, or 0 for any free one), got {text!r}"
        ) from None


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="papershelf",
        description="Build a static, searchable website from dumps of paper-listing pages.",
    )
    parser.add_argument("--version", action="version", version=f"papershelf {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new_parser = commands.add_parser(
        "new", help="start a shelf in a new folder: config, an example dump and note, a workflow"
    )
    new_parser.add_argument("folder", type=Path, help="the folder to make (new or empty)")

    build_parser = commands.add_parser("build", help="build the site into the output folder")
    add_build_options(build_parser)
    add_out_option(build_parser)
    build_parser.add_argument(
        "--timings", action="store_true", help="also print how long each part of the build took"
    )

    serve_parser = commands.add_parser(
        "serve", help="build, serve on this machine, rebuild and reload on every change"
    )
    add_build_options(serve_parser)
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve_parser.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="port to listen on, 1 to 65535, or 0 for any free one (default: 8000)",
    )

    check_parser = commands.add_parser(
        "check", help="build into a temporary folder and check every internal link and asset"
    )
    add_build_options(check_parser)

    clean_parser = commands.add_parser(
        "clean", help="remove the output folder, if it holds a papershelf build (and nothing else)"
    )
    add_site_options(clean_parser)
    add_out_option(clean_parser)
    return parser


def add_site_options(parser: argparse.ArgumentParser) -> None:
    """Where the site's inputs are: the config file and the folders it may be overridden with."""
    parser.add_argument(
        "--config",
        type=Path,
        help="the site's config file; its folder is the site folder (default: ./site.yml)",
    )
    parser.add_argument(
        "--seeds", type=Path, help="folder of dump files (default: seeds/ in the site folder)"
    )
    parser.add_argument(
        "--notes",
        type=Path,
        help="folder of notes (default: notes_dir of the config, in the site folder)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        help="folder of Jinja2 templates that replace papershelf's own, file by file",
    )


def add_out_option(parser: argparse.ArgumentParser) -> None:
    """The output folder option of ``build`` and ``clean``."""
    parser.add_argument(
        "--out",
        type=Path,
        help="output folder: missing, empty or a previous build (default: _site/ in the site folder)",
    )


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that builds shares."""
    add_site_options(parser)
    parser.add_argument(
        "--base-url",
        help="where the site will be served, e.g. /REPO/ or https://user.github.io/REPO/ "
        "(default: base_url in the config, else /)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors and write nothing"
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        help="processes that render pages, this one included (default: one per CPU; 1: no workers)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="build everything afresh, ignoring and not updating .papershelf-cache/ and the "
        "compiled templates",
    )


def site_options(args: argparse.Namespace, **overrides: object) -> BuildOptions:
    """The options that the command line asked for."""
    chosen = {
        "config_path": args.config or Path(DEFAULT_CONFIG_NAME),
        "config_required": args.config is not None,
        "seeds_dir": args.seeds,
        "notes_dir": args.notes,
        "templates_dir": args.templates,
        "out_dir": getattr(args, "out", None),
    }
    for name in ("base_url", "strict", "jobs"):
        if hasattr(args, name):
            chosen[name] = getattr(args, name)
    if hasattr(args, "no_cache"):
        chosen["use_cache"] = not args.no_cache
    return BuildOptions(**{**chosen, **overrides})


def build_and_report(options: BuildOptions) -> BuildReport:
    """Build, with a progress bar on a terminal, and print the warnings and notes."""
    bar = ProgressBar(sys.stdout) if sys.stdout.isatty() else None
    try:
        report = build(options, progress=bar)
    except StrictModeError as exc:
        for warning in exc.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        raise
    finally:
        if bar is not None:
            bar.finish()
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for note in [*map(str, skipped_inputs(options)), *report.notes]:
        print(f"note: {note}", file=sys.stderr)
    return report


def run_new(args: argparse.Namespace) -> int:
    """Start a shelf in a new folder."""
    from generator.new_site import files_written_message, new_site

    written = new_site(args.folder)
    print(files_written_message(args.folder, written))
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Run one build and print its summary."""
    report = build_and_report(site_options(args))
    if args.timings:
        for part, seconds in report.timings:
            print(f"timing: {part} {seconds:.2f} s")
    counts = (
        f"papershelf: {counted(report.papers, 'paper')} in "
        f"{counted(report.collections, 'collection')}, {counted(report.pages, 'page')}"
    )
    warnings = f"{counted(len(report.warnings), 'warning')}, {report.seconds:.2f} s"
    out = display_path(report.out_dir)
    if report.unchanged:
        print(f"{counts}: nothing changed, {out}/ left as it was, {warnings}")
    else:
        done = f"{report.files} files, {report.rendered} rendered afresh"
        print(f"{counts} ({done}) written to {out}/, {warnings}")
    return 0


def counted(number: int, noun: str) -> str:
    """``1 paper``, ``2 papers``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def run_clean(args: argparse.Namespace) -> int:
    """Remove the output folder, refusing anything that is not a papershelf build."""
    options = site_options(args)
    paths = paths_of(options, load_site_config(options))
    if clean_output(paths):
        print(f"papershelf: removed {display_path(paths.out_dir)}/")
    else:
        print(f"papershelf: {display_path(paths.out_dir)}/ does not exist, nothing to remove")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Serve the site until Ctrl-C or SIGTERM."""
    from generator.serve import serve  # its server and file watcher: only for this command

    serve(site_options(args), host=args.host, port=args.port)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Build into a temporary folder and check every internal link there."""
    from generator.output.check import check_site  # its HTML parser: only for this command

    with tempfile.TemporaryDirectory(prefix="papershelf-check-") as work_dir:
        options = site_options(args, out_dir=Path(work_dir) / "site")
        build_and_report(options)
        config = load_site_config(options)
        report = check_site(Path(work_dir) / "site", config)
    if report.broken:
        raise LinkCheckError("\n".join(str(link) for link in report.broken))
    print(f"papershelf check: {report.summary()}")
    return 0


COMMANDS = {
    "new": run_new,
    "build": run_build,
    "serve": run_serve,
    "check": run_check,
    "clean": run_clean,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``papershelf`` command; returns the exit code."""
    args = make_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PapershelfError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; the previous site is left as it was", file=sys.stderr)
        return 130


def console_main() -> None:
    """The ``papershelf`` command (and ``python -m generator``): ``main``, then exit at once.

    A large build leaves millions of objects that Python would free one by one on the way out,
    a second or more of nothing useful; every file is written and closed by then, so the process
    flushes its output and exits without that teardown (as mypy does)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
