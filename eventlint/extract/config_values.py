"""Values read from configuration files, as the code reads them (`configfiles.py` reads the files).

- `yaml.safe_load(open("config.yaml"))`, `yaml.load(f, Loader=...)` with `f = open(...)` or
  `with open(...) as f:`, `json.load(...)`: the document, as a mapping whose strings carry their
  provenance (`config: config.yaml kafka.topic`).
- `configparser.ConfigParser()` then `config.read("settings.ini")` / `config.read_file(open(...))`
  in the same function: `config["kafka"]["topic"]`, `config.get("kafka", "topic")`
  (`config: settings.ini [kafka] topic`), with the parser's own interpolation.
- Environment variables with no default in the code (`os.getenv("X")`, `os.environ["X"]`, a
  pydantic settings field): the `environment:` of the docker-compose service built from a folder that
  holds the reading file, else the nearest `.env` file.

A path in `open(...)` is taken relative to the reading file's folder and to the project root (the
folder a script is usually run from); when both exist and differ, the value stays unknown. A key the
file does not have stays unknown, "config-key-not-found".
"""

from __future__ import annotations

import configparser
import posixpath
import re
from typing import TYPE_CHECKING, Any

from eventlint.extract import ir
from eventlint.extract.configfiles import COMPOSE_FILES, Unreadable, normalise, parents
from eventlint.extract.values import DERIVED, MAX_SET, Value, VConst, VDict, VInst, VList, VSet, VStr, VUnknown

if TYPE_CHECKING:
    from eventlint.extract.resolve import Evaluator, Scope

FILE = "<configuration file>"  # the value of `open(path)`: bind "<path>" is its root-relative path
PARSERS = frozenset({"configparser.ConfigParser", "configparser.RawConfigParser", "configparser.SafeConfigParser"})
OBJECTS = PARSERS | {FILE}
LOADERS = {
    "yaml.safe_load": "yaml",
    "yaml.load": "yaml",
    "yaml.full_load": "yaml",
    "yaml.unsafe_load": "yaml",  # read here with safe_load all the same: a tag it refuses leaves the value unknown
    "json.load": "json",
}
READERS = frozenset({"builtins.open", "io.open", *LOADERS, *PARSERS})
_WRITE_MODES = re.compile(r"[wax+]")


def call(ev: Evaluator, qname: str, node: ir.Call, scope: Scope, line: int) -> Value:
    """A call of `open`, a YAML/JSON loader or a `configparser` class."""
    if qname in ("builtins.open", "io.open"):
        return _open(ev, node, scope, line)
    if qname in LOADERS:
        source = ev.eval(node.args[0], scope, line) if node.args else None
        if isinstance(source, VInst) and source.type == FILE:
            rel = _path_of(source)
            return _document(ev, rel, LOADERS[qname], ir.unparse(node))
        if isinstance(source, VUnknown) and source.reason.startswith("config"):
            return VUnknown(ir.unparse(node), source.reason)  # the file the code opens is missing or ambiguous
        return VUnknown(ir.unparse(node), "call-result")
    interpolation = "none" if qname == "configparser.RawConfigParser" else "basic"
    for key, expr in node.kwargs:
        if key == "interpolation":
            text = ir.unparse(expr)
            if text == "None":
                interpolation = "none"
            elif text.endswith("ExtendedInterpolation()"):
                interpolation = "extended"
            elif not text.endswith("BasicInterpolation()"):
                interpolation = "unknown"
    return VInst(qname, (("<interpolation>", VStr(interpolation)),))


def _open(ev: Evaluator, node: ir.Call, scope: Scope, line: int) -> Value:
    text = ir.unparse(node)
    path = ev.eval(node.args[0], scope, line) if node.args else None
    mode_expr = node.args[1] if len(node.args) > 1 else next((v for k, v in node.kwargs if k == "mode"), None)
    mode = ev.eval(mode_expr, scope, line) if mode_expr is not None else VStr("r")
    if not isinstance(mode, VStr) or _WRITE_MODES.search(mode.value):
        return VUnknown(text, "call-result")
    if not isinstance(path, VStr):
        return VUnknown(text, "config-not-found")
    found = locate(ev, path.value, scope.mod.ir.path)
    if isinstance(found, VUnknown):
        return VUnknown(text, found.reason)
    return VInst(FILE, (("<path>", VStr(found)),))


def locate(ev: Evaluator, path: str, reader: str) -> str | VUnknown:
    """The project file `open(path)` in `reader` reads: beside the reader, or at the project root."""
    configs = ev.project.configs
    candidates: list[str] = []
    for base in (posixpath.dirname(reader), ""):
        rel = normalise(path, base)
        if rel is not None and rel not in candidates:
            candidates.append(rel)
    existing = [rel for rel in candidates if configs.exists(rel)]
    if not existing:
        return VUnknown(path, "config-not-found")
    if len(existing) > 1 and configs.text(existing[0]) != configs.text(existing[1]):
        return VUnknown(path, "config-ambiguous")
    return existing[0]


def _path_of(file: VInst) -> str:
    bound = file.get("<path>")
    return bound.value if isinstance(bound, VStr) else ""


def _document(ev: Evaluator, rel: str, fmt: str, text: str) -> Value:
    data = ev.project.configs.document(rel, fmt)
    if data is None:
        return VUnknown(text, "config-not-found")
    if isinstance(data, Unreadable):
        return VUnknown(text, "config-not-found")
    return to_value(data, rel, "")


def to_value(data: Any, rel: str, keys: str) -> Value:
    """Plain YAML/JSON data as a value; every string says where it was read (`config: config.yaml kafka.topic`)."""
    if isinstance(data, dict):
        items = []
        for key, value in data.items():
            name = str(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else None
            if name is None:
                continue
            path = f"{keys}.{name}" if keys else name
            items.append((VStr(name), to_value(value, rel, path), 0, 0))
        return VDict(tuple(items), rel)
    if isinstance(data, list):
        return VList(tuple(to_value(item, rel, f"{keys}[{index}]") for index, item in enumerate(data)))
    if isinstance(data, str):
        return VStr(data, f"config: {rel} {keys}" if keys else f"config: {rel}")
    if data is None or isinstance(data, (bool, int, float)):
        return VConst(data)
    return VUnknown(f"{rel} {keys}", "not-static")


def subscript(value: Value, index: Value, expr: ir.Expr) -> Value:
    """`cfg["key"]` on a mapping read from a configuration file."""
    if not isinstance(value, VDict):
        return value if isinstance(value, VUnknown) else VUnknown(ir.unparse(expr), "not-static")
    if isinstance(index, VStr):
        found = value.get(index.value)
        return found if found is not None else VUnknown(ir.unparse(expr), "config-key-not-found")
    return VUnknown(ir.unparse(expr), "not-static")  # a key known only at run time: never one of all the values


def get(ev: Evaluator, mapping: VDict, node: ir.Call, scope: Scope, line: int) -> Value:
    """`cfg.get("key", default)` on a mapping read from a configuration file."""
    key = ev.eval(node.args[0], scope, line)
    if not isinstance(key, VStr):
        return VUnknown(ir.unparse(node), "not-static")
    found = mapping.get(key.value)
    if found is not None:
        return found
    default = node.args[1] if len(node.args) > 1 else None
    if default is not None:
        return ev.eval(default, scope, line)
    return VUnknown(ir.unparse(node), "config-key-not-found")


def method(ev: Evaluator, obj: VInst, name: str, node: ir.Call, scope: Scope, line: int) -> Value:
    """`f.read()` on an opened configuration file; `config.get(section, option, fallback=...)` on a parser."""
    if obj.type == FILE:
        return obj if name == "read" else VUnknown(ir.unparse(node), "call-result")
    if name != "get" or len(node.args) < 2:
        return VUnknown(ir.unparse(node), "call-result")
    section = ev.eval(node.args[0], scope, line)
    option = ev.eval(node.args[1], scope, line)
    if not isinstance(section, VStr) or not isinstance(option, VStr):
        return VUnknown(ir.unparse(node), "not-static")
    if any(k in ("raw", "vars") for k, _ in node.kwargs):
        return VUnknown(ir.unparse(node), "not-static")
    sections = _sections(ev, obj)
    if isinstance(sections, VUnknown):
        return VUnknown(ir.unparse(node), sections.reason)
    found = sections.get(section.value)
    value = found.get(option.value.lower()) if isinstance(found, VDict) else None
    if value is not None:
        return value
    fallback = next((v for k, v in node.kwargs if k == "fallback"), None)
    if fallback is not None:
        return ev.eval(fallback, scope, line)
    return VUnknown(ir.unparse(node), "config-key-not-found")


def read_into(ev: Evaluator, parser: VInst, assign: ir.Assign, scope: Scope) -> Value:
    """The parser made by `assign`, with the files that `.read(...)`/`.read_file(...)` calls on it in the same
    function load (in order); a read of a path not known statically makes every value unknown."""
    fn = scope.func if scope.func is not None else scope.mod.body
    files: list[Value] = []
    for node in fn.calls:
        if node.line < assign.line or not isinstance(node.func, ir.Attr) or ir.unparse(node.func.value) != assign.target:
            continue
        if node.func.attr not in ("read", "read_file") or not node.args:
            continue
        arg = ev.eval(node.args[0], scope, node.line)
        if node.func.attr == "read_file":
            files.append(VStr(_path_of(arg)) if isinstance(arg, VInst) and arg.type == FILE else VUnknown(ir.unparse(node), "config-not-found"))
            continue
        for item in arg.items if isinstance(arg, VList) else (arg,):
            if not isinstance(item, VStr):
                files.append(VUnknown(ir.unparse(node), "config-not-found"))
                continue
            found = locate(ev, item.value, scope.mod.ir.path)
            if isinstance(found, str):
                files.append(VStr(found))
            elif found.reason != "config-not-found":  # configparser skips a file that does not exist
                files.append(found)
    return VInst(parser.type, (*parser.bind, ("<files>", VList(tuple(files)))))


def _sections(ev: Evaluator, parser: VInst) -> VDict | VUnknown:
    files = parser.get("<files>")
    interpolation = parser.get("<interpolation>")
    if not isinstance(files, VList) or not isinstance(interpolation, VStr) or interpolation.value == "unknown":
        return VUnknown("configparser", "config-not-found")
    paths: list[str] = []
    for item in files.items:
        if not isinstance(item, VStr):
            return item if isinstance(item, VUnknown) else VUnknown("configparser", "config-not-found")
        paths.append(item.value)
    if not paths:
        return VUnknown("configparser", "config-not-found")
    memo = ev.project.configs.memo
    key = ("\x00".join(paths), "sections-" + interpolation.value)
    if key not in memo:
        memo[key] = _read_sections(ev, paths, interpolation.value)
    return memo[key]


def _read_sections(ev: Evaluator, paths: list[str], interpolation: str) -> VDict | VUnknown:
    configs = ev.project.configs
    kinds = {"basic": configparser.BasicInterpolation, "extended": configparser.ExtendedInterpolation}
    made = kinds.get(interpolation)
    merged = configparser.ConfigParser(interpolation=made() if made else None)
    singles: list[tuple[str, configparser.ConfigParser]] = []
    for rel in paths:
        text = configs.text(rel)
        single = configs.ini(rel, interpolation)
        if text is None or single is None:
            return VUnknown(rel, "config-not-found")
        try:
            merged.read_string(text, rel)
        except configparser.Error:
            return VUnknown(rel, "config-not-found")
        singles.append((rel, single))
    sections = []
    for section in [merged.default_section, *merged.sections()]:
        options = []
        for option in merged[section]:
            try:
                text = merged.get(section, option)
            except (configparser.Error, ValueError):
                options.append((VStr(option), VUnknown(f"[{section}] {option}", "not-static"), 0, 0))
                continue
            where = next(
                (rel for rel, single in reversed(singles) if single.has_option(section, option) or option in single.defaults()),
                paths[-1],
            )
            options.append((VStr(option), VStr(text, f"config: {where} [{section}] {option}"), 0, 0))
        sections.append((VStr(section), VDict(tuple(options), paths[-1]), 0, 0))
    return VDict(tuple(sections), paths[-1])


def sections(ev: Evaluator, parser: VInst) -> Value:
    """The parser as a mapping of sections (for `config["kafka"]["topic"]`)."""
    return _sections(ev, parser)


# -- environment: docker-compose and .env -------------------------------------------------------------


def environment(ev: Evaluator, name: str, reader: str, case_insensitive: bool = False) -> Value | None:
    """The value of environment variable `name` for the code in `reader`, from docker-compose or `.env`.

    The `environment:` (else the `env_file:` files) of every compose service whose build context holds the
    reader (one value, or a set marked derived when services built from the same folder differ); a compose
    file that sets the variable only for services built elsewhere (or from an image) leaves it unknown
    ("config-ambiguous"); a service built here that does not set it gives nothing; with no compose service
    built here, the nearest `.env` file. None when nothing sets it.
    """
    found: list[tuple[str, str]] = []
    elsewhere: list[str] = []
    built_here = False  # a compose service is built from a folder holding the file
    configs = ev.project.configs
    for folder in parents(reader):
        for fname in COMPOSE_FILES:
            rel = posixpath.join(folder, fname) if folder else fname
            doc = configs.document(rel, "yaml")
            if doc is None:
                continue
            services = doc.get("services") if isinstance(doc, dict) else None
            for service, spec in sorted(services.items()) if isinstance(services, dict) else ():
                if not isinstance(spec, dict):
                    continue
                context = _build_context(spec, folder)
                here = context is not None and (context == "" or reader == context or reader.startswith(context + "/"))
                built_here = built_here or here
                variable = _service_variable(spec, name, case_insensitive)
                where = f"{rel} services.{service}.environment"
                if variable is None and here:
                    variable, where = _env_file_variable(configs, spec, folder, name, case_insensitive)
                if variable is None:
                    continue
                key, value = variable
                if not here:
                    elsewhere.append(f"{rel} services.{service}")
                    continue
                value = None if value is None else _substitute(configs, value, folder)
                if value is None or not value.strip():
                    return VUnknown(f"environment variable {name}", "config-not-found")
                found.append((value, f"config: {where} {key}"))
            break  # compose reads the first of its default file names that exists
    if found:
        values = sorted({v for v, _ in found})
        if len(values) == 1:
            return VStr(values[0], "; ".join(sorted({o for _, o in found})))
        if len(values) > MAX_SET:
            return VUnknown(f"environment variable {name}", "too-many-values")
        origin = f"{DERIVED}{len(values)} values of environment variable {name} (" + "; ".join(sorted({o for _, o in found})) + ")"
        return VSet(tuple(VStr(v, origin) for v in values))
    if elsewhere:
        return VUnknown(f"environment variable {name} (set by {', '.join(elsewhere)}, not built from this file's folder)", "config-ambiguous")
    if built_here:
        return None  # the container's environment is what compose gives it: a .env file is not in it
    return dotenv_variable(ev, name, reader, ".env", case_insensitive)


def dotenv_variable(ev: Evaluator, name: str, reader: str, filename: str = ".env", case_insensitive: bool = False) -> Value | None:
    """Variable `name` in the nearest `filename` (a `.env` file; a relative path is looked for under each folder)
    from the reader's folder up to the project root; None when no such file sets it. A configuration library
    that reads its own file (Starlette `Config(".env")`, python-decouple, environs) finds it this way, inside a
    container too."""
    configs = ev.project.configs
    for folder in parents(reader):
        rel = normalise(filename, folder) if folder else normalise(filename, "")
        if rel is None:
            return VUnknown(f"environment variable {name}", "config-not-found")
        env = configs.dotenv(rel)
        key = name if name in env else next((k for k in env if case_insensitive and k.lower() == name.lower()), None)
        if key is not None:
            value = env[key]
            if not value.strip() or "$" in value:
                return VUnknown(f"environment variable {name}", "config-not-found")
            return VStr(value, f"config: {rel} {key}")
    return None


def _service_variable(spec: dict, name: str, case_insensitive: bool) -> tuple[str, str | None] | None:
    """(the variable as the service writes it, its value or None when passed through from the host)."""
    env = spec.get("environment")
    same = (lambda k: k.lower() == name.lower()) if case_insensitive else (lambda k: k == name)
    if isinstance(env, dict):
        for key, value in env.items():
            if isinstance(key, str) and same(key):
                return key, None if value is None else str(value)
    elif isinstance(env, list):
        for item in env:
            if isinstance(item, str):
                key, eq, value = item.partition("=")
                if same(key.strip()):
                    return key.strip(), value if eq else None
    return None


def _env_file_variable(
    configs: Any, spec: dict, folder: str, name: str, case_insensitive: bool
) -> tuple[tuple[str, str | None] | None, str]:
    """The variable from the service's `env_file:` files (later files win), and where it was found."""
    files = spec.get("env_file")
    entries = [files] if isinstance(files, (str, dict)) else files if isinstance(files, list) else []
    found: tuple[tuple[str, str | None] | None, str] = (None, "")
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else entry
        rel = normalise(path, folder) if isinstance(path, str) else None
        if rel is None:
            continue
        env = configs.dotenv(rel)
        key = name if name in env else next((k for k in env if case_insensitive and k.lower() == name.lower()), None)
        if key is not None:
            found = ((key, env[key]), rel)
    return found


def _build_context(spec: dict, folder: str) -> str | None:
    build = spec.get("build")
    context = build if isinstance(build, str) else build.get("context", ".") if isinstance(build, dict) else None
    if not isinstance(context, str) or "$" in context or "://" in context:
        return None
    rel = normalise(context, folder) if context not in (".", "./") else folder
    return None if rel is None else ("" if rel == "." else rel)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _substitute(configs: Any, value: str, folder: str) -> str | None:
    """Compose's `${VAR}`, `${VAR:-default}` and `$VAR` from the `.env` beside the compose file; None when unknown."""
    if "$" not in value:
        return value
    env = configs.dotenv(posixpath.join(folder, ".env") if folder else ".env")
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        var = match.group(1) or match.group(4)
        known = env.get(var)
        if known is not None and (known or match.group(2) != ":-"):
            return known
        if match.group(2) is not None:
            return match.group(3)
        unknown = True
        return ""

    result = _VARIABLE.sub(replace, value.replace("$$", "\x00"))
    return None if unknown or "$" in result else result.replace("\x00", "$")
