"""The command line: parse options, call the API, print. Exit 0 clean, 1 findings, 2 usage or config error."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from eventlint import __version__, api
from eventlint.config import ConfigError
from eventlint.report import text

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _config_errors(func: F) -> F:
    """Turn configuration mistakes into one clear line on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"eventlint: error: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file (default: the nearest eventlint.yaml or pyproject.toml with [tool.eventlint]).",
)
paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


def _write(output: str, output_file: Path | None) -> None:
    if output_file is None:
        click.echo(output, nl=False)
    else:
        try:
            output_file.write_text(output, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(output_file, "--output-file", f"cannot write: {exc.strerror or exc}") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eventlint")
def main() -> None:
    """eventlint: a static architecture linter for event-driven Python codebases."""


@main.command()
@paths_argument
@config_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the paths that were skipped, and why.")
@_config_errors
def check(paths: tuple[Path, ...], config_file: Path | None, output_format: str, output_file: Path | None, verbose: bool) -> None:
    """Check the project that contains PATHS (default: the current directory)."""
    config = api.load_config(paths, config_file)
    result = api.lint(paths, config)
    if output_format == "json":
        import json

        doc = {
            "summary": {
                "files": result.facts.files,
                "services": len(result.facts.services),
                "publishers": len(result.facts.publishers),
                "subscribers": len(result.facts.subscribers),
                "problems": len(result.diagnostics),
            },
            "diagnostics": [text_record(d) for d in result.diagnostics],
            "skipped": [{"path": s.path, "reason": s.reason} for s in result.facts.skipped],
        }
        _write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", output_file)
    else:
        _write(text.check_report(result.facts, result.diagnostics, verbose=verbose), output_file)
    sys.exit(result.exit_code)


def text_record(d: Any) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "hint": d.hint,
    }


@main.command()
@paths_argument
@config_option
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the facts here.")
@_config_errors
def facts(paths: tuple[Path, ...], config_file: Path | None, output_format: str, output_file: Path | None) -> None:
    """Print every publisher and subscriber found under PATHS (the public facts format)."""
    config = api.load_config(paths, config_file)
    found = api.facts(paths, config)
    rendered = text.facts_json(found) if output_format == "json" else text.facts_text(found)
    _write(rendered, output_file)


if __name__ == "__main__":  # pragma: no cover
    main()
