"""Command line: ``papershelf build`` (also ``python -m generator build``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import __version__
from generator.build import BuildOptions, build, display_path
from generator.errors import PapershelfError, StrictModeError


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="papershelf",
        description="Build a static, searchable website from dumps of paper-listing pages.",
    )
    parser.add_argument("--version", action="version", version=f"papershelf {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_parser = commands.add_parser("build", help="build the site into the output folder")
    build_parser.add_argument(
        "--seeds", type=Path, default=Path("seeds"), help="folder of dump files (default: seeds/)"
    )
    build_parser.add_argument(
        "--out", type=Path, default=Path("_site"), help="output folder (default: _site/)"
    )
    build_parser.add_argument(
        "--base-url",
        help="where the site will be served, e.g. /REPO/ or https://user.github.io/REPO/ "
        "(default: base_url in the config, else /)",
    )
    build_parser.add_argument(
        "--config", type=Path, help="site config file (default: site.yml, if present)"
    )
    build_parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors and write nothing"
    )
    build_parser.add_argument(
        "--jobs",
        type=positive_int,
        help="worker processes that render pages (default: one per CPU; 1: render in this process)",
    )
    build_parser.add_argument(
        "--timings", action="store_true", help="also print how long each part of the build took"
    )
    build_parser.add_argument(
        "--no-cache",
        action="store_true",
        help="build everything afresh, ignoring and not updating .papershelf-cache/",
    )
    return parser


def run_build(args: argparse.Namespace) -> int:
    """Run one build and print its summary."""
    options = BuildOptions(
        seeds_dir=args.seeds,
        out_dir=args.out,
        config_path=args.config or Path("site.yml"),
        config_required=args.config is not None,
        base_url=args.base_url,
        strict=args.strict,
        jobs=args.jobs,
        use_cache=not args.no_cache,
    )
    try:
        report = build(options)
    except StrictModeError as exc:
        for warning in exc.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        raise
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    warning_count = len(report.warnings)
    if args.timings:
        for part, seconds in report.timings:
            print(f"timing: {part} {seconds:.2f} s")
    if report.unchanged:
        print(
            f"papershelf: {report.papers} papers in {report.collections} collections, "
            f"{report.pages} pages: nothing changed, {display_path(report.out_dir)}/ left as it was, "
            f"{warning_count} warning{'s' if warning_count != 1 else ''}, {report.seconds:.2f} s"
        )
        return 0
    print(
        f"papershelf: {report.papers} papers in {report.collections} collections, "
        f"{report.pages} pages ({report.files} files, {report.rendered} rendered afresh) "
        f"written to {display_path(report.out_dir)}/, "
        f"{warning_count} warning{'s' if warning_count != 1 else ''}, {report.seconds:.2f} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``papershelf`` command; returns the exit code."""
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
    except PapershelfError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; the previous site is left as it was", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command!r}")
