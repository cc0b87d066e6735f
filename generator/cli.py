"""Command line: ``papershelf build``, ``serve``, ``check`` and ``clean`` (also ``python -m generator``)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from generator import __version__
from generator.build import (
    TEMPLATES_DIR,
    BuildOptions,
    BuildReport,
    build,
    display_path,
    load_site_config,
    protected_paths,
)
from generator.errors import LinkCheckError, PapershelfError, StrictModeError
from generator.progress import ProgressBar
from generator.write import clean_output


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
    add_build_options(build_parser)
    build_parser.add_argument(
        "--out", type=Path, default=Path("_site"), help="output folder (default: _site/)"
    )
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
        type=int,
        default=8000,
        help="port to listen on, 0 for any free one (default: 8000)",
    )

    check_parser = commands.add_parser(
        "check", help="build into a temporary folder and check every internal link and asset"
    )
    add_build_options(check_parser)

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


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that builds shares."""
    parser.add_argument(
        "--seeds", type=Path, default=Path("seeds"), help="folder of dump files (default: seeds/)"
    )
    parser.add_argument(
        "--base-url",
        help="where the site will be served, e.g. /REPO/ or https://user.github.io/REPO/ "
        "(default: base_url in the config, else /)",
    )
    parser.add_argument(
        "--config", type=Path, help="site config file (default: site.yml, if present)"
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=TEMPLATES_DIR,
        help="folder of Jinja2 templates (default: the templates/ of papershelf)",
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


def build_options(args: argparse.Namespace, out_dir: Path = Path("_site")) -> BuildOptions:
    """The build options that the command line asked for."""
    return BuildOptions(
        seeds_dir=args.seeds,
        out_dir=out_dir,
        config_path=args.config or Path("site.yml"),
        config_required=args.config is not None,
        base_url=args.base_url,
        strict=args.strict,
        jobs=args.jobs,
        use_cache=not args.no_cache,
        templates_dir=args.templates,
    )


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
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    return report


def run_build(args: argparse.Namespace) -> int:
    """Run one build and print its summary."""
    report = build_and_report(build_options(args, args.out))
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


def run_clean(args: argparse.Namespace) -> int:
    """Remove the output folder, refusing anything that is not a papershelf site."""
    options = BuildOptions(seeds_dir=args.seeds, out_dir=args.out, config_path=args.config)
    if clean_output(args.out, protected_paths(options), [args.seeds]):
        print(f"papershelf: removed {display_path(args.out)}/")
    else:
        print(f"papershelf: {display_path(args.out)}/ does not exist, nothing to remove")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Serve the site until Ctrl-C."""
    from generator.serve import serve  # its server and file watcher: only for this command

    serve(build_options(args), host=args.host, port=args.port)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Build into a temporary folder and check every internal link there."""
    from generator.check import check_site  # its HTML parser: only for this command

    with tempfile.TemporaryDirectory(prefix="papershelf-check-") as work_dir:
        options = build_options(args, Path(work_dir) / "site")
        build_and_report(options)
        config = load_site_config(options)
        report = check_site(options.out_dir, config)
    if report.broken:
        raise LinkCheckError("\n".join(str(link) for link in report.broken))
    print(f"papershelf check: {report.summary()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``papershelf`` command; returns the exit code."""
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "check":
            return run_check(args)
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


def console_main() -> None:
    """The ``papershelf`` command (and ``python -m generator``): ``main``, then exit at once.

    A large build leaves millions of objects that Python would free one by one on the way out,
    a second or more of nothing useful; every file is written and closed by then, so the process
    flushes its output and exits without that teardown (as mypy does)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
