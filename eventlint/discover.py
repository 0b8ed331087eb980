"""Which files a run analyses, the service each belongs to, and its module name.

The walk never follows a symbolic link: a link whose target is inside the root
is skipped because the target is reached on its own, and one that points outside
the root (or nowhere, or at itself) is reported in `skipped`, and so are unreadable
directories, FIFOs and other non-files named like sources (never opened: a read
would block), and names that are not UTF-8 (no module can have them). Directories that are
never source (VCS data, virtualenvs, caches, build output) are pruned, and inside
a git work tree whatever git ignores is left out.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eventlint.config import Config
from eventlint.facts import Service, Skipped
from eventlint.globs import matches_any
from eventlint.units import infer_services

PRUNED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eventlint_cache",
        ".aws-sam",
        ".serverless",
        ".eggs",
    }
)
TEMPLATE_GLOBS = (
    "template.yaml",
    "template.yml",
    "*.template.yaml",
    "*.template.yml",
    "*-template.yaml",
    "*-template.yml",
    "serverless.yml",
    "serverless.yaml",
    # CloudFormation in JSON, as `cdk synth` writes it (cdk.out/<Stack>.template.json)
    "template.json",
    "*.template.json",
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file to analyse."""

    path: str
    abspath: Path
    kind: str
    service: str | None
    module: str
    import_name: str = ""
    sys_root: str = ""


@dataclass(frozen=True)
class Discovery:
    """The files of a run, the services they form and what was left out."""

    root: Path
    files: tuple[SourceFile, ...]
    services: tuple[Service, ...]
    skipped: tuple[Skipped, ...]
    protos: tuple[str, ...] = ()  # the `.proto` files walked (root-relative): what a generated `x_pb2` module may come from


def discover(paths: Sequence[str | os.PathLike[str]], config: Config) -> Discovery:
    """Walk `paths` (default: the root) and describe every file to analyse."""
    root = config.root.resolve()
    skipped: list[Skipped] = []
    found: dict[str, Path] = {}
    for given in paths or [root]:
        start = Path(given)
        absolute = (Path.cwd() / start) if not start.is_absolute() else start
        real = Path(os.path.realpath(absolute))
        if not _inside(real, root):
            skipped.append(Skipped(_display(absolute), "outside the project root"))
            continue
        if not real.exists():
            skipped.append(Skipped(_display(absolute), "no such file or directory"))
            continue
        if real.is_dir():
            _walk(real, root, found, skipped)
        elif real.is_file():
            found.setdefault(_relative(real, root), real)
        else:
            skipped.append(Skipped(_relative(real, root), f"not a regular file ({_file_type(real)}), not read"))

    ignored = _git_visible(root)
    files: dict[str, tuple[Path, str]] = {}
    protos: list[str] = []
    for rel, path in sorted(found.items()):
        if rel.endswith(".proto") and (ignored is None or rel in ignored) and not matches_any(rel, config.exclude):
            protos.append(rel)
        kind = _kind(rel)
        if kind is None:
            continue
        if ignored is not None and rel not in ignored:
            continue
        if config.include is not None and not matches_any(rel, config.include):
            continue
        if matches_any(rel, config.exclude):
            continue
        files[rel] = (path, kind)

    assign, services = _services(root, files, config)
    modules = _module_names(root, [rel for rel, (_, kind) in files.items() if kind == "python"])
    result = tuple(
        SourceFile(rel, path, kind, assign.get(rel), *modules.get(rel, ("", "", "")))
        for rel, (path, kind) in files.items()
    )
    return Discovery(
        root=root, files=result, services=services, skipped=tuple(sorted(set(skipped), key=lambda s: s.path)), protos=tuple(protos)
    )


def _walk(top: Path, root: Path, found: dict[str, Path], skipped: list[Skipped]) -> None:
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(_relative(Path(directory), root), f"cannot read directory: {exc.strerror or exc}"))
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            if not _printable(entry.name):
                skipped.append(Skipped(_printable_form(_relative(path, root)), "name is not valid UTF-8 (no module can have it), not read"))
                continue
            if entry.is_symlink():
                reason = _symlink_reason(path, root)
                if reason:
                    skipped.append(Skipped(_relative(path, root), reason))
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in PRUNED_DIRS or entry.name.startswith(".eventlint_cache.removing-") or entry.name.endswith(".egg-info") or (path / "pyvenv.cfg").exists():
                    continue
                subdirs.append(path)
            elif entry.is_file(follow_symlinks=False):
                found.setdefault(_relative(path, root), path)
            elif _kind(entry.name) is not None:
                skipped.append(Skipped(_relative(path, root), f"not a regular file ({_file_type(path)}), not read"))
        stack.extend(reversed(subdirs))


def _printable(name: str) -> bool:
    """Whether a name decoded from the file system is real text (not bytes smuggled in as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable_form(text: str) -> str:
    """A name that is not UTF-8, with its undecodable bytes written as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _file_type(path: Path) -> str:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "unknown type"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file or directory"


def _symlink_reason(path: Path, root: Path) -> str | None:
    """Why a symbolic link is worth reporting, or None when its target is analysed anyway."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop, not followed"
    except OSError as exc:
        if getattr(exc, "errno", None) == 40:  # ELOOP
            return "symlink loop, not followed"
        return "broken symlink, not followed"
    if not _inside(target, root):
        return "symlink to outside the project root, not followed"
    return None


def _git_visible(root: Path) -> set[str] | None:
    """Root-relative paths git does not ignore, or None outside a git work tree."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return {p.decode("utf-8", "surrogateescape") for p in proc.stdout.split(b"\0") if p}


def _kind(rel: str) -> str | None:
    if rel.endswith(".py"):
        return "python"
    name = rel.rsplit("/", 1)[-1]
    if matches_any(name, TEMPLATE_GLOBS):
        return "template"
    return None


def _services(
    root: Path, files: dict[str, tuple[Path, str]], config: Config
) -> tuple[dict[str, str], tuple[Service, ...]]:
    assign: dict[str, str] = {}
    if config.services is not None:
        for rel in files:
            for name, globs in config.services:
                if matches_any(rel, globs):
                    assign[rel] = name
                    break
        return assign, tuple(Service(name, globs, signal="configured") for name, globs in sorted(config.services))

    return infer_services(root, files)


def _module_names(root: Path, python_files: Iterable[str]) -> dict[str, tuple[str, str, str]]:
    """(unique name, import name, sys.path root) per file.

    The import name is what Python would call the module with the directory above
    its outermost package on sys.path (that directory is the sys.path root). When
    two files share an import name, both are named by their full root-relative
    path instead, so qualified names stay unique.
    """
    is_package: dict[str, bool] = {}  # by the folder's root-relative path: a Path per file and folder level was most of this

    def package(directory: str) -> bool:
        found = is_package.get(directory)
        if found is None:
            found = is_package[directory] = (root / directory / "__init__.py").is_file()
        return found

    names: dict[str, tuple[str, str]] = {}
    for rel in python_files:
        parts = rel.split("/")
        dirs, stem = parts[:-1], parts[-1][:-3]
        depth = len(dirs)
        while depth > 0 and package("/".join(dirs[:depth])):
            depth -= 1
        dotted = dirs[depth:] + ([] if stem == "__init__" else [stem])
        names[rel] = (".".join(dotted) or stem, "/".join(dirs[:depth]))
    by_name: dict[str, list[str]] = defaultdict(list)
    for rel, (name, _) in names.items():
        by_name[name].append(rel)
    out: dict[str, tuple[str, str, str]] = {}
    for rel, (name, sys_root) in names.items():
        unique = name
        if len(by_name[name]) > 1:
            parts = rel[:-3].split("/")
            unique = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[rel] = (unique, name, sys_root)
    return out


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _display(path: Path) -> str:
    return path.as_posix()
