"""Command line: ``papershelf build`` and ``papershelf clean`` (also ``python -m generator ...``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import __version__
from generator.build import BuildOptions, build, display_path, protected_paths
from generator.errors import PapershelfError, StrictModeError
from generator.write import clean_output


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
    clean_parser = commands.add_parser("clean", help="remove the output folder (and nothing else)")
    clean_parser.add_argument(
        "--out", type=Path, default=Path("_site"), help="output folder (default: _site/)"
    )
    clean_parser.add_argument(
        "--seeds", type=Path, default=Path("seeds"), help="seeds folder, never removed"
    )
    clean_parser.add_argument(
        "--config", type=Path, default=Path("site.yml"), help="config file, never removed"
    )
    return parser


def run_clean(args: argparse.Namespace) -> int:
    """Remove the output folder, refusing anything that is not a papershelf site."""
    options = BuildOptions(seeds_dir=args.seeds, out_dir=args.out, config_path=args.config)
    if clean_output(args.out, protected_paths(options), [args.seeds]):
        print(f"papershelf: removed {display_path(args.out)}/")
    else:
        print(f"papershelf: {display_path(args.out)}/ does not exist, nothing to remove")
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Run one build and print its summary."""
    options = BuildOptions(
        seeds_dir=args.seeds,
        out_dir=args.out,
        config_path=args.config or Path("site.yml"),
        config_required=args.config is not None,
        base_url=args.base_url,
        strict=args.strict,
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
    print(
        f"papershelf: {report.papers} papers in {report.collections} collections, "
        f"{report.pages} pages ({report.files} files) written to {display_path(report.out_dir)}/, "
        f"{warning_count} warning{'s' if warning_count != 1 else ''}, {report.seconds:.2f} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``papershelf`` command; returns the exit code."""
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
        if args.command == "clean":
            return run_clean(args)
    except PapershelfError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; the previous site is left as it was", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command!r}")
