"""Services inferred the way an engineer reads a repository: deployable units first.

Signals, strongest first (each service records the one that decided it):

1. a docker-compose `services:` entry whose `build:` context is a folder below the root
   (named by its compose key);
2. a folder below the root holding a deployable unit's file: a Dockerfile, a SAM or Serverless
   stack (`template.yaml`, `serverless.yml`), a `pyproject.toml`, `setup.py` or `setup.cfg`, or
   a `requirements*.txt` (the weakest: one nested inside another unit is not a unit of its own);
   not below `libs/`, `lib/`, `shared/` or `common/` (libraries the services share), nor `docs/`
   or `tests/`; where a stack has functions with handler files of their own, each function is
   its own service (a Lambda function is deployed on its own);
3. a framework's service object in one file: a nameko or tomodachi service class (`name = "..."`),
   a FastStream app (`FastStream(...)`), a faust app (`faust.App("id")`); where a unit holds two or
   more of them, each is its own service (several apps started from one image or requirements);
   files declaring the same service name or faust app id are one service (the framework routes
   them as one: variants of one service, e.g. the same example against AWS and LocalStack);
4. the layout: `services/<x>/`, `apps/<x>/`, `src/<pkg>/`, or a top-level package; when the root
   is itself a package, it is one service.

A package folder (its only deployable file a `setup.py`/`setup.cfg`/`pyproject.toml`) that another unit
installs — its distribution named in that unit's requirements or package file, or in a Dockerfile's
`COPY`/`ADD`/`pip install` line, or its folder at the end of a path there (`-e ../libs/events`) — is a
library, not a service: its files belong to no service (`extract/sites.py` gives its sites to the code
that calls them).

A unit whose Dockerfile names its entry point (`CMD`/`ENTRYPOINT`) runs that file: a standalone script
beside it (`if __name__ == "__main__":`) that nothing imports, names or launches is a tool a person runs
(a load-test producer), not the service's code, and belongs to no service.

Markers at the root split nothing: with nothing else deciding, such a root is one service (its
`src/` folders are its packages, not services). A root that is one package is one service: its
subpackages are layers (`adapters/ domain/ entrypoints/`), never services of their own. A file belongs to the innermost unit that holds it; names that collide are replaced by the
folder's root-relative path. Reads are bounded: directory listings of the folders that hold
analysed files, compose files found there, and the head (64 KiB) of each Python file.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from eventlint.facts import Service

SERVICE_PARENTS = ("services", "apps")
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
STACK_FILES = ("template.yaml", "template.yml", "serverless.yml", "serverless.yaml")
PACKAGE_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
RUN_FILES = ("dapr.yaml", "dapr.yml")  # Dapr multi-app run files: the apps `dapr run -f` starts together
# folders that hold a requirements file or a Dockerfile without being something a team deploys
NOT_UNITS = frozenset({"docs", "doc", "tests", "test", "testing", ".github", ".devcontainer", "requirements"})
# a package published from these folders is a library the services share, not a service
LIBRARY_FOLDERS = frozenset({"libs", "lib", "shared", "common"})
APP_SCAN_BYTES = 65536  # a service object is declared near the top of its file
APP_SCAN_MAX_FILE = 1_000_000  # limits.max-file-size's default: a larger file is not read for one
_CLASS_ATTR_NAME = re.compile(rb"(?:    |\t)name\s*(?::\s*str\s*)?=\s*[\"']([\w.\-]+)[\"']\s*(?:#.*)?$")
_FASTSTREAM_APP = re.compile(rb"^\s*\w+\s*(?::[^=\n]+)?=\s*(?:faststream\.)?FastStream\(", re.M)
_FAUST_APP = re.compile(rb"^\s*\w+\s*(?::[^=\n]+)?=\s*(?:faust\.)?App\(\s*[\"']([\w.\-]+)[\"']", re.M)


@dataclass(frozen=True, slots=True)
class _Unit:
    folder: str  # root-relative; "" for a single file's unit
    name: str
    signal: str
    strength: int  # 1 compose, 2 a deployable unit's file, 3 a weak file (requirements), 4 the layout


def infer_services(root: Path, files: Iterable[str]) -> tuple[dict[str, str], tuple[Service, ...]]:
    """(service per root-relative file, the services) for files of kinds `python`/`template`."""
    files = sorted(files)
    listing = _Listings(root)
    folders = _ancestor_folders(files)
    units = _folder_units(root, folders, listing)
    libraries = _installed_libraries(root, units, listing)
    shared: set[str] = set()  # files of a library the units install: the code of the services that call it
    for folder in libraries:
        del units[folder]
    for rel in files:
        library = next((f for f in libraries if rel.startswith(_under(f))), None)
        if library is not None:
            # its own nested units (an example app with its Dockerfile) stay; a deployable unit around it keeps it
            inner = _enclosing(rel, units)
            if inner is None or (not inner.folder.startswith(_under(library)) and inner.strength >= 4):
                shared.add(rel)
    if not units and not listing.package("") and not any((root / p).is_dir() for p in SERVICE_PARENTS):
        # nothing deployable below the root: each top-level package is a unit, so one app object inside
        # leaves its package whole (several split it)
        for folder in folders:
            if folder and "/" not in folder and listing.package(folder):
                units[folder] = _Unit(folder, folder, f"layout: top-level package {folder}/", 5)
    owner: dict[str, _Unit] = {}
    for rel in files:
        unit = _enclosing(rel, units)
        if unit is not None and rel not in shared:
            owner[rel] = unit
    for rel in _hand_run_scripts(root, owner, [rel for rel in files if rel.endswith(".py")], listing):
        del owner[rel]  # a tool run by hand beside the service (a load-test producer): not the service's code
        shared.add(rel)
    apps = _app_objects(root, [rel for rel in files if rel.endswith(".py") and rel not in shared], owner, _stack_functions(root, folders, listing, set(files)))
    assign: dict[str, tuple[str, str, str, str]] = {}  # rel -> (name, key, glob, signal)
    for rel, unit in owner.items():
        assign[rel] = (unit.name, f"{unit.folder}/**", f"{unit.folder}/**", unit.signal)
    for rel, (name, signal, declared) in apps.items():
        # files of one app (a stack's functions sharing a handler folder) are one service
        assign[rel] = (name, f"declared:{name}" if declared else f"app:{signal}", rel, signal)
    nothing_else = not assign
    for rel in files:
        if rel not in assign and rel not in shared:
            found = _layout(root, rel, listing, nothing_else)
            if found is not None:
                assign[rel] = (found[0], found[1], found[1], found[2])
    by_file, services = _named(assign)
    variants = _variants(root, units, listing, files)
    if variants:
        services = tuple(_with_variant(s, variants) for s in services)
    return by_file, services


def _named(assign: Mapping[str, tuple[str, str, str, str]]) -> tuple[dict[str, str], tuple[Service, ...]]:
    """One service per key; a name two keys share is replaced by each one's path.

    A key is a folder unit's glob, a file's path, or a name a framework declares (`declared:NAME`):
    files declaring the same nameko/tomodachi service name or faust app id are one service, as the
    framework itself routes them (variants of one service, never two services sharing its events).
    """
    by_key: dict[str, tuple[str, list[str], str]] = {}
    for name, key, glob, signal in sorted(assign.values(), key=lambda v: (v[1], v[2])):
        entry = by_key.setdefault(key, (name, [], signal))
        if glob not in entry[1]:
            entry[1].append(glob)
    count: dict[str, int] = {}
    for name, _, _ in by_key.values():
        count[name] = count.get(name, 0) + 1
    final = {
        key: _valid(name if count[name] == 1 or key.startswith("declared:") else key.removesuffix("/**").removesuffix(".py").replace("/", "."))
        for key, (name, _, _) in by_key.items()
    }
    services = tuple(
        sorted(
            (Service(final[key], tuple(globs), signal=signal if len(globs) == 1 else f"{signal} (and {len(globs) - 1} more declaring it)") for key, (_, globs, signal) in by_key.items()),
            key=lambda s: s.name,
        )
    )
    return {rel: final[key] for rel, (_, key, _, _) in assign.items()}, services


# -- variants: sibling folders holding alternative versions of the same apps, never deployed together ------


def _variants(root: Path, units: Mapping[str, _Unit], listing: _Listings, files: list[str]) -> dict[str, tuple[tuple[str, ...], str]]:
    """Variant folder -> (its variant set, sorted, itself first; the signal that decided it).

    Sibling folders are alternative variants of one set of apps (an HTTP and an SDK version of the same
    quickstart) when either
    - each holds a run configuration of its own (a Dapr multi-app run file's `apps:` `appDirPath`s, a
      compose file's `build:` contexts) and the apps they run have the same folder names, at least one; or
    - without run configurations, they hold at least two apps of the same names, and each of those apps
      holds the same Python file names in both (copies of one layout, not an API and a worker of one domain).
    Services in two variants of one set are never deployed together: coupling rules do not pair them.
    """
    tops: dict[str, list[str]] = {}  # parent folder of a unit's enclosing child -> its top-level units
    for folder in sorted(units):
        if folder and _enclosing(folder, units) is None and "/" in folder:
            tops.setdefault(_parent(folder), []).append(folder)
    candidates: dict[str, dict[str, frozenset[str]]] = {}  # parent -> child folder -> app names below it
    for holder in tops:
        names = frozenset(u[len(holder) + 1:] for u in units if u.startswith(holder + "/") and _enclosing(u, units) is None)
        candidates.setdefault(_parent(holder), {})[holder] = names
    python = [f for f in files if f.endswith(".py")]
    found: dict[str, tuple[set[str], list[str]]] = {}
    for _, children in sorted(candidates.items()):
        run = {c: _run_config(root, c, listing) for c in children}
        ordered = sorted(children)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                reason = _variant_reason(a, b, children, run, python)
                if reason:
                    for member, other in ((a, b), (b, a)):
                        entry = found.setdefault(member, (set(), []))
                        entry[0].add(other)
                        entry[1].append(reason)
    return {member: ((member, *sorted(others)), "; ".join(sorted(set(reasons)))) for member, (others, reasons) in found.items()}


def _variant_reason(a: str, b: str, children: Mapping[str, frozenset[str]], run: Mapping[str, tuple[str, frozenset[str]] | None], python: list[str]) -> str:
    ra, rb = run[a], run[b]
    if ra and rb and ra[1] and ra[1] == rb[1]:
        return f"{ra[0]} and {rb[0]} run the same apps ({', '.join(sorted(ra[1]))})"
    shared = children[a] & children[b]
    if len(shared) < 2 or not (children[a] <= children[b] or children[b] <= children[a]):
        return ""
    for app in shared:
        mine = {f[len(a) + len(app) + 2:] for f in python if f.startswith(f"{a}/{app}/")}
        theirs = {f[len(b) + len(app) + 2:] for f in python if f.startswith(f"{b}/{app}/")}
        if mine != theirs:
            return ""
    return f"{a}/ and {b}/ hold the same apps with the same files ({', '.join(sorted(shared))})"


def _run_config(root: Path, folder: str, listing: _Listings) -> tuple[str, frozenset[str]] | None:
    """(file, app folders relative to `folder`) of the run configuration a folder holds: a Dapr multi-app run
    file (`dapr.yaml`: `apps:` with `appDirPath`) or a compose file's `build:` contexts."""
    names = listing.names(folder)
    for file in sorted(n for n in names if n in RUN_FILES):
        try:
            data = yaml.safe_load((root / folder / file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        apps = data.get("apps") if isinstance(data, dict) else None
        dirs = set()
        for app in apps if isinstance(apps, list) else ():
            where = app.get("appDirPath") if isinstance(app, dict) else None
            if isinstance(where, str) and "$" not in where:
                target = posixpath.normpath(where.replace("\\", "/"))
                if target not in (".", "") and not target.startswith(".."):
                    dirs.add(target)
        if dirs:
            return f"{folder}/{file}", frozenset(dirs)
    for compose in (n for n in COMPOSE_FILES if n in names):
        contexts = frozenset(c[len(folder) + 1:] for _, c in _compose_builds(root, folder, compose) if c.startswith(folder + "/"))
        if contexts:
            return f"{folder}/{compose}", contexts
    return None


def _with_variant(service: Service, variants: Mapping[str, tuple[tuple[str, ...], str]]) -> Service:
    """The service with the variant set its files lie in (all of them in one variant), and why."""
    holders = set()
    for glob in service.paths:
        holder = next((v for v in variants if glob.startswith(v + "/")), None)
        holders.add(holder)
    if len(holders) != 1 or None in holders:
        return service
    members, reason = variants[holders.pop()]
    return dataclasses.replace(service, variant=members, signal=f"{service.signal}; variant {members[0]}/ of {', '.join(m + '/' for m in members[1:])} ({reason})" if service.signal else None)


def _valid(name: str) -> str:
    """A name a configuration accepts (`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).lstrip("_.-")
    return name or "service"


class _Listings:
    """File names per folder, each folder listed once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: dict[str, frozenset[str]] = {}

    def names(self, folder: str) -> frozenset[str]:
        if folder not in self._seen:
            try:
                with os.scandir(self.root / folder if folder else self.root) as it:
                    self._seen[folder] = frozenset(e.name for e in it if e.is_file(follow_symlinks=False))
            except OSError:
                self._seen[folder] = frozenset()
        return self._seen[folder]

    def package(self, folder: str) -> bool:
        return "__init__.py" in self.names(folder)

    def top_level_package(self) -> bool:
        """Whether a folder directly below the root is a package."""
        if not hasattr(self, "_top"):
            try:
                with os.scandir(self.root) as it:
                    self._top = any(e.is_dir(follow_symlinks=False) and self.package(e.name) for e in it)
            except OSError:
                self._top = False
        return self._top


def _ancestor_folders(files: Iterable[str]) -> list[str]:
    """Every folder below the root that holds an analysed file, directly or deeper (the root is "")."""
    out: set[str] = {""}
    for rel in files:
        parts = rel.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            out.add("/".join(parts[:depth]))
    return sorted(out)


def _under(folder: str) -> str:
    return f"{folder}/" if folder else ""


def _parent(folder: str) -> str:
    return folder.rsplit("/", 1)[0] if "/" in folder else ""


def _folder_units(root: Path, folders: list[str], listing: _Listings) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    parents = [p for p in SERVICE_PARENTS if p in folders]
    root_unit = bool(_strong(listing.names("")))  # then src/ holds that one unit's packages, not services
    for folder in folders:
        parts = folder.split("/")
        if len(parts) == 2 and (parts[0] in parents or (not parents and not root_unit and parts[0] == "src")):
            units[folder] = _Unit(folder, parts[1], f"layout: {folder}/", 4)
    for folder in folders:
        for compose in (n for n in COMPOSE_FILES if n in listing.names(folder)):
            for name, context in _compose_builds(root, folder, compose):
                if context in folders and context != "" and (context not in units or units[context].strength == 4):
                    where = f"{folder}/{compose}" if folder else compose
                    units[context] = _Unit(context, name, f"{where}: service {name!r} builds {context}/", 1)
    for folder in folders:
        if folder == "" or (folder in units and units[folder].strength < 4) or folder.rsplit("/", 1)[-1] in NOT_UNITS or _library(folder):
            continue
        names = listing.names(folder)
        base = folder.rsplit("/", 1)[-1]
        strong = _strong(names)
        if strong:
            units[folder] = _Unit(folder, base, f"{folder}/{strong[0]}", 2)
            continue
        weak = sorted(n for n in names if n.startswith("requirements") and n.endswith(".txt"))
        if weak:
            units[folder] = _Unit(folder, base, f"{folder}/{weak[0]}", 3)
    # a requirements file inside another unit is that unit's detail, not a unit of its own
    return {f: u for f, u in units.items() if u.strength < 3 or u.strength == 4 or _enclosing(f, units) is None}


def _installed_libraries(root: Path, units: Mapping[str, _Unit], listing: _Listings) -> dict[str, str]:
    """Units that are packages other units install: folder -> the signal that says so.

    A folder whose only deployable file is a package file (`setup.py`, `setup.cfg`, `pyproject.toml`: no
    Dockerfile, no stack, not built by compose) is a library when another unit's requirements, package
    file, or Dockerfile `COPY`/`pip install` line names its distribution (`tmpl_framework` in
    `COPY ./pkgs/tmpl_framework-0.0.1.tar.gz`, `-e ../modules/common-events`): it runs inside the
    services that install it, never on its own.
    """
    out: dict[str, str] = {}
    candidates = {f: u for f, u in units.items() if u.strength == 2 and all(n in PACKAGE_FILES for n in _strong(listing.names(f)))}
    if not candidates:
        return out
    texts = {f: _install_text(root, f, listing) for f, u in units.items() if u.strength < 4}
    for folder in sorted(candidates):
        # its distribution name as a word, or its folder as the end of a path (`-e ../libs/events`)
        forms = [rf"/{re.escape(posixpath.basename(folder))}(?![\w.-])"]
        dist = _distribution_name(root, folder, listing)
        if dist:
            forms.append(rf"(?<![\w.-]){'[-_.]'.join(map(re.escape, re.split(r'[-_.]+', dist)))}(?![\w.])")
        pattern = re.compile("|".join(forms), re.I)
        for other, (where, text) in sorted(texts.items()):
            if other == folder or other.startswith(folder + "/") or folder.startswith(other + "/") or not text:
                continue
            if pattern.search(text):
                out[folder] = f"{folder}: a library {where} installs"
                break
    return out


_SETUP_NAME = re.compile(r"^\s*name\s*=\s*[\"']([\w.\-]+)[\"']", re.M)
_SETUP_CALL_NAME = re.compile(r"\bname\s*=\s*[\"']([\w.\-]+)[\"']")
_DOCKER_INSTALL = re.compile(r"^\s*(?:COPY|ADD)\s.*$|^\s*RUN\b.*\bpip3?\s+install\b.*$", re.M | re.I)


# -- scripts run by hand beside a unit's entry point -------------------------------------------------------

_MAIN_GUARD = re.compile(rb"^if\s+__name__\s*==\s*[\"']__main__[\"']\s*:", re.M)
_IMPORT_STATEMENT = re.compile(rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)", re.M)
_RUN_LINE = re.compile(r"^\s*(?:CMD|ENTRYPOINT)\s+(.+)$", re.M | re.I)
_LAUNCHERS_WITH_APP = ("uvicorn", "gunicorn", "hypercorn", "daphne", "granian")


def _hand_run_scripts(root: Path, owner: Mapping[str, _Unit], python: list[str], listing: _Listings) -> list[str]:
    """Python files of a unit that are scripts run by hand beside it, not the service's code.

    A unit whose Dockerfile names its entry point (`CMD ["python", "main.py"]`, `python -m pkg.app`, `uvicorn
    main:app`, `celery -A tasks worker`) runs that file and what it imports. A file of the unit that is a
    standalone script (`if __name__ == "__main__":`), is not that entry point, and that no Python file imports
    or names and no Dockerfile, compose file or Procfile mentions, is a tool a person runs (a load-test producer,
    a seeding script): its sites belong to no service. Anything unknown keeps the file in its unit: no entry
    point found, a file larger than what is read of it.
    """
    entries: dict[str, set[str]] = {}
    for unit in {u.folder: u for u in owner.values() if u.strength <= 2}.values():
        found = _docker_entries(root, unit.folder, listing, [rel for rel in python if owner.get(rel) is unit])
        if found:
            entries[unit.folder] = found
    if not entries:
        return []
    heads = {rel: _head(root / rel) for rel in python}
    named: set[bytes] = set()  # words of every import statement, and every quoted word, of every file read whole
    for rel, head in heads.items():
        for statement in _IMPORT_STATEMENT.findall(head or b""):
            named.update(re.findall(rb"\w+", statement))
    launch_texts = _launch_texts(root, listing, {posixpath.dirname(rel) for rel in python} | set(entries))
    out = []
    for rel in python:
        unit = owner.get(rel)
        if unit is None or unit.folder not in entries or rel in entries[unit.folder]:
            continue
        head = heads.get(rel)
        stem = posixpath.basename(rel)[:-3]
        if head is None or len(head) >= APP_SCAN_BYTES or not _MAIN_GUARD.search(head) or stem == "__main__":
            continue
        if stem.encode() in named or any(re.search(rf"(?<![\w.]){re.escape(stem)}(?:\.py\b|[\"'\s]|$)", text) for text in launch_texts):
            continue
        if any(re.search(rb"[\"']" + re.escape(stem.encode()) + rb"(?:\.py)?[\"']", other or b"") for o, other in heads.items() if o != rel):
            continue  # named in a string: `importlib.import_module("producer")`, `subprocess.run(["python", "producer.py"])`
        out.append(rel)
    return out


def _docker_entries(root: Path, folder: str, listing: _Listings, python: list[str]) -> set[str]:
    """The unit's files its Dockerfiles run (CMD/ENTRYPOINT), matched by path suffix; empty when unknown."""
    found: set[str] = set()
    dockerfiles = [n for n in sorted(listing.names(folder)) if n == "Dockerfile" or n.startswith("Dockerfile.") or n.endswith(".Dockerfile")]
    for name in dockerfiles:
        text = _small_text(root / folder / name) or ""
        lines = _RUN_LINE.findall(text.replace("\\\n", " "))
        if not lines:
            return set()  # a Dockerfile that runs what its base image says: its entry point is not known here
        for line in lines:
            words = [w for w in re.split(r"[\s\[\],\"']+", line) if w]
            targets: list[str] = []
            for i, word in enumerate(words):
                if word.endswith(".py"):
                    targets.append(word)
                elif word in ("-m", "-A", "--app") and i + 1 < len(words):
                    targets.append(words[i + 1].split(":", 1)[0].replace(".", "/") + ".py")
                    targets.append(words[i + 1].split(":", 1)[0].replace(".", "/") + "/__init__.py")
                elif ":" in word and i > 0 and any(words[j] in _LAUNCHERS_WITH_APP for j in range(i)):
                    targets.append(word.split(":", 1)[0].replace(".", "/") + ".py")
            for target in targets:
                tail = target.lstrip("./")
                found.update(rel for rel in python if rel == f"{folder}/{tail}" or rel.endswith("/" + tail))
        if not found:
            return set()
    return found


def _launch_texts(root: Path, listing: _Listings, folders: set[str]) -> list[str]:
    """Dockerfiles, compose files and Procfiles at the root and in the given folders (and their parents)."""
    seen: set[str] = set()
    for folder in folders:
        while True:
            seen.add(folder)
            if not folder:
                break
            folder = _parent(folder)
    texts = []
    for folder in sorted(seen):
        for name in sorted(listing.names(folder)):
            if name == "Procfile" or name in COMPOSE_FILES or name.startswith("docker-compose") or name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile"):
                texts.append(_small_text(root / folder / name if folder else root / name) or "")
    return texts


def _distribution_name(root: Path, folder: str, listing: _Listings) -> str | None:
    """The name a package folder is published under: `[project]`/`[tool.poetry]` `name`, `setup.cfg`'s, or setup.py's."""
    for file in ("pyproject.toml", "setup.cfg", "setup.py"):
        if file in listing.names(folder):
            text = _small_text(root / folder / file)
            match = (_SETUP_NAME if file != "setup.py" else _SETUP_CALL_NAME).search(text or "")
            if match:
                return match.group(1)
    return None


def _install_text(root: Path, folder: str, listing: _Listings) -> tuple[str, str]:
    """(the first file that says so, the text) of what a unit installs: its requirements and package files whole,
    its Dockerfiles' COPY/ADD and `pip install` lines (continuations joined)."""
    parts: list[str] = []
    where = ""
    for name in sorted(listing.names(folder)):
        dependency = (name.startswith("requirements") and name.endswith(".txt")) or name in PACKAGE_FILES
        docker = name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")
        if not (dependency or docker):
            continue
        text = _small_text(root / folder / name) or ""
        if docker:
            text = "\n".join(_DOCKER_INSTALL.findall(text.replace("\\\n", " ")))
        if text and not where:
            where = f"{folder}/{name}"
        parts.append(text)
    return where, "\n".join(parts)


def _small_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > APP_SCAN_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _strong(names: Iterable[str]) -> list[str]:
    """A deployable unit's files among `names`: Dockerfiles, stacks, package files."""
    return sorted(n for n in names if n == "Dockerfile" or n.startswith("Dockerfile.") or n.endswith(".Dockerfile") or n in STACK_FILES or n in PACKAGE_FILES)


def _library(folder: str) -> bool:
    return any(part in LIBRARY_FOLDERS for part in folder.split("/"))


def _enclosing(path: str, units: Mapping[str, _Unit]) -> _Unit | None:
    """The innermost unit strictly above `path` (a folder, or a file: then the unit that holds it)."""
    parent = _parent(path)
    while parent:
        if parent in units:
            return units[parent]
        parent = _parent(parent)
    return None


def _compose_builds(root: Path, folder: str, compose: str) -> list[tuple[str, str]]:
    """(compose service, root-relative build context) for each service built from a folder below the root."""
    path = root / folder / compose if folder else root / compose
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return []
    contexts: dict[str, list[str]] = {}
    for name, spec in services.items():
        build = spec.get("build") if isinstance(spec, dict) else None
        context = build.get("context", ".") if isinstance(build, dict) else build
        if not isinstance(context, str) or not isinstance(name, str) or "://" in context or "$" in context:
            continue
        target = os.path.normpath(os.path.join(folder, context)).replace(os.sep, "/")
        if target == "." or target.startswith(".."):
            continue
        contexts.setdefault(target, []).append(name)
    # one folder built as several compose services (one image, several commands) is named by its folder
    return sorted((names[0] if len(names) == 1 else target.rsplit("/", 1)[-1], target) for target, names in contexts.items())


def _app_objects(root: Path, python: list[str], owner: dict[str, _Unit], functions: dict[str, tuple[str, str, bool]]) -> dict[str, tuple[str, str, bool]]:
    """Files that declare a framework's service object or a stack's function: (name, signal, name declared by
    the framework), where they decide the service."""
    found: dict[str, tuple[str, str, bool]] = dict(functions)
    for rel in python:
        if rel in found:
            continue
        head = _head(root / rel)
        if head is None:
            continue
        app = _app_object(head, rel)
        if app is not None:
            found[rel] = app
    per_unit: dict[str | None, list[str]] = {}
    for rel in found:
        unit = owner.get(rel)
        per_unit.setdefault(unit.folder if unit else None, []).append(rel)
    out = {}
    for folder, rels in per_unit.items():
        # outside every unit, or several apps in one unit (a stack's functions sharing one handler folder are one)
        if folder is None or len({found[rel] for rel in rels}) >= 2:
            for rel in rels:
                out[rel] = found[rel]
    return out


class _TagsIgnored(yaml.SafeLoader):
    """CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`) read as plain values."""


_TagsIgnored.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)


def _stack_functions(root: Path, folders: list[str], listing: _Listings, files: set[str]) -> dict[str, tuple[str, str, bool]]:
    """Handler file -> (function, signal) for the functions of SAM/Serverless stacks, each deployed on its own.

    A handler file two functions share is the stack's, not a function's, unless the stack's functions
    keep their code in folders of their own: then each such folder is one service, named after it.
    """
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for folder in folders:
        for stack in sorted(n for n in STACK_FILES if n in listing.names(folder)):
            where = f"{folder}/{stack}" if folder else stack
            try:
                data = yaml.load((root / where).read_text(encoding="utf-8"), Loader=_TagsIgnored)  # noqa: S506 - a SafeLoader subclass
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            handlers = []
            for name, module in _handlers(data):
                rel = os.path.normpath(os.path.join(folder, module + ".py")).replace(os.sep, "/")
                if rel in files:
                    handlers.append((name, rel))
            dirs = {posixpath.dirname(rel) for _, rel in handlers}
            if len(dirs) >= 2 and folder not in dirs:
                # the functions' code sits in folders of their own (src/payments/, src/shipping/): each folder is
                # a service named after it, whether one function or several use its handler file
                for _, rel in handlers:
                    here = posixpath.dirname(rel)
                    entry = (posixpath.basename(here), f"{where}: the functions in {here}/", False)
                    if entry not in found.setdefault(rel, []):
                        found[rel].append(entry)
                continue
            for name, rel in handlers:
                found.setdefault(rel, []).append((name, f"{where}: function {name!r}", False))
    return {rel: entries[0] for rel, entries in found.items() if len(entries) == 1}


def _handlers(data: object) -> list[tuple[str, str]]:
    """(function, handler module path relative to the stack file) of a Serverless or SAM document."""
    if not isinstance(data, dict):
        return []
    out = []
    functions = data.get("functions")
    if isinstance(functions, dict):  # Serverless: handler: path/module.function
        for name, spec in functions.items():
            handler = spec.get("handler") if isinstance(spec, dict) else None
            if isinstance(name, str) and isinstance(handler, str) and "." in handler:
                out.append((name, handler.rsplit(".", 1)[0]))
    resources = data.get("Resources")
    globals_ = data.get("Globals")
    defaults = globals_.get("Function") if isinstance(globals_, dict) else None
    defaults = defaults if isinstance(defaults, dict) else {}
    if isinstance(resources, dict):  # SAM: CodeUri + Handler module.function
        for name, spec in resources.items():
            if not isinstance(spec, dict) or spec.get("Type") != "AWS::Serverless::Function":
                continue
            props = spec.get("Properties") if isinstance(spec.get("Properties"), dict) else {}
            handler, uri = props.get("Handler", defaults.get("Handler")), props.get("CodeUri", defaults.get("CodeUri", ""))
            if isinstance(name, str) and isinstance(handler, str) and "." in handler and isinstance(uri, str) and "://" not in uri:
                module = handler.rsplit(".", 1)[0].replace(".", "/")
                out.append((name, f"{uri.strip('/')}/{module}" if uri.strip("/.") else module))
    return out


def _head(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > APP_SCAN_MAX_FILE:  # never opened: beyond the default file-size limit
            return None
        with open(path, "rb") as fh:
            return fh.read(APP_SCAN_BYTES)
    except OSError:
        return None


def _app_object(head: bytes, rel: str) -> tuple[str, str, bool] | None:
    stem = rel.rsplit("/", 1)[-1][:-3]
    for framework in (b"nameko", b"tomodachi"):
        if framework in head:
            names = _service_class_names(head)
            if len(names) == 1:
                return names[0], f"{rel}: {framework.decode()} service class name = {names[0]!r}", True
            if names:  # several service classes run together (`nameko run module`): the module is the unit
                return stem, f"{rel}: {framework.decode()} service classes {', '.join(map(repr, names))} run from one module", False
    if b"faststream" in head and _FASTSTREAM_APP.search(head):
        return stem, f"{rel}: FastStream app", False
    if b"faust" in head:
        match = _FAUST_APP.search(head)
        if match:
            return match.group(1).decode(), f"{rel}: faust app {match.group(1).decode()!r}", True
    return None


def _service_class_names(head: bytes) -> list[str]:
    """`name = "..."` attributes in the body of top-level classes (one indentation level), in order."""
    names: list[str] = []
    in_class = False
    for line in head.splitlines():
        if line[:1] not in (b" ", b"\t", b"") and not line.startswith(b"#"):
            in_class = line.startswith(b"class ")
        elif in_class:
            match = _CLASS_ATTR_NAME.match(line)
            if match and match.group(1).decode() not in names:
                names.append(match.group(1).decode())
    return names


def _layout(root: Path, rel: str, listing: _Listings, nothing_else: bool) -> tuple[str, str, str] | None:
    """The weakest signal: where the folders say services live (packages only when nothing else decided)."""
    parts = rel.split("/")
    if not nothing_else or any((root / p).is_dir() for p in SERVICE_PARENTS):
        return None
    if listing.package(""):
        return _valid(root.name), "**", "layout: the root is one package"
    if len(parts) >= 2 and listing.package(parts[0]):
        return parts[0], f"{parts[0]}/**", f"layout: top-level package {parts[0]}/"
    if not listing.top_level_package():
        strong = _strong(listing.names(""))
        if strong:  # one deployable unit at the root, its code in plain folders (src/ with packages inside)
            return _valid(root.name), "**", f"{strong[0]} at the root: the repository is one deployable unit"
    return None

