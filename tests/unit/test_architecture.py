"""The house's rules (ARCHITECTURE.md), checked on the code: every import of every module of pipelines/,
assets/ and synth/ is read with `ast` (imports inside functions too: a lazy import is still a dependency),
and the graph must have

- no import cycle between modules;
- no import from a lower floor to a higher one (floors below, bottom first);
- stage cores free of storage and Dagster: only a stage's I/O modules (its store, its parallel runner, the
  few named in IO_MODULES) may import `pipelines.storage` or `dagster`; Dagster otherwise only on the wiring
  floor and in ops (and the run lock's resource, RUN_LOCK);
- synth/ imported by nothing but the `synth` command of ops/cli.py, inside the function (the code location
  never loads the generator);
- the environment read by pipelines/settings.py alone (and the few worker-side variables of ENV_READERS).

Each failure names the edge (file:line, importer → imported) and the rule it breaks. The checker is also fed
synthetic graphs that break each rule, so it is known to catch what it claims to.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipelines", "assets", "synth")

# Bottom first. A module may import its own floor and the floors below it, never one above.
FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # leaves everyone may use: the templates (contract), progress events, the decoders' registry (read by
    # ingest's sniffing, filled by the decoders), the empty package roots
    ("shared", ("pipelines.contract", "pipelines.progress", "pipelines.decode.registry", "pipelines")),
    ("ingest", ("pipelines.ingest",)),
    ("storage", ("pipelines.storage",)),
    ("decode", ("pipelines.decode",)),
    ("extract", ("pipelines.extract",)),
    ("quality", ("pipelines.quality",)),
    ("audit", ("pipelines.audit",)),
    ("marts", ("pipelines.marts",)),
    ("wiring", ("assets", "pipelines.definitions", "pipelines.resources", "pipelines.settings", "pipelines.jobs",
                "pipelines.schedules", "pipelines.sensors", "pipelines.partitions", "pipelines.instance")),
    ("ops", ("pipelines.ops",)),
)
STAGES = ("pipelines.ingest", "pipelines.decode", "pipelines.extract", "pipelines.quality", "pipelines.audit",
          "pipelines.marts")
# A stage's I/O: its store and parallel runner, plus these (the guarded decoder pool; the checks' decision,
# which writes its outcome to the warehouse in one transaction; the inbox scan and the content store).
IO_MODULES = ("pipelines.decode.guard", "pipelines.quality.decide", "pipelines.ingest.inbox")
IO_NAMES = ("store", "parallel")
RUN_LOCK = "pipelines.storage.runlock"  # RunLock, the run lock as a Dagster resource
SYNTH_IMPORTER = "pipelines.ops.cli"
SETTINGS = "pipelines.settings"
# Variables read where they are used, in worker processes, documented in pipelines/settings.py.
ENV_READERS = {"pipelines.progress": "NIANBAO_PROGRESS", "pipelines.decode.ocr": "NIANBAO_OCR_THREADS",
               "pipelines.decode.guard": "NIANBAO_OCR_PAGE_TIMEOUT_S"}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a project module, or "dagster" for any dagster / dagster_* package
    where: str  # file:line
    lazy: bool = False  # inside a function


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _resolve(name: str, modules) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _lazy_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            lines |= {n.lineno for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


def import_graph() -> dict[str, list[Edge]]:
    """Every module of PACKAGES → its imports of project modules and of Dagster."""
    modules = _modules()
    graph: dict[str, list[Edge]] = {}
    for name, (path, package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy = _lazy_lines(tree)
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if package else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets = [f"{stem}.{a.name}" for a in node.names]  # a submodule, or a name of `stem`
            else:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            for target in targets:
                if target.split(".")[0].startswith("dagster"):
                    edges.append(Edge(name, "dagster", where, node.lineno in lazy))
                elif (module := _resolve(target, modules)) and module != name:
                    edges.append(Edge(name, module, where, node.lineno in lazy))
        graph[name] = edges
    return graph


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def floor_of(module: str) -> int | None:
    """The floor of a module (by its longest matching prefix); None for synth/ (beside the house)."""
    best = None
    for level, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if _in(module, prefix) and (best is None or len(prefix) > len(best[1])):
                best = (level, prefix)
    return best[0] if best else None


def _is_io(module: str) -> bool:
    return module in IO_MODULES or module.rpartition(".")[2] in IO_NAMES


def cycles(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """The import cycles between modules (each strongly connected component of more than one module), each
    as a closed path through the graph."""
    succ = {m: sorted({e.target for e in es if e.target in graph}) for m, es in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []

    def visit(v: str) -> None:  # Tarjan; the graph is small enough for recursion
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_path(sorted(component), succ))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _path(component: list[str], succ: dict[str, list[str]]) -> list[str]:
    """A cycle through the component's first module, found breadth first."""
    inside = set(component)
    start = component[0]
    paths = {w: [start, w] for w in succ[start] if w in inside}
    frontier = list(paths)
    while start not in paths:
        nxt = []
        for v in frontier:
            for w in succ[v]:
                if w in inside and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return paths[start]


def violations(graph: dict[str, list[Edge]]) -> list[str]:
    """Every edge that breaks a rule, saying which rule; and every cycle."""
    out = []
    for cycle in cycles(graph):
        out.append("import cycle: " + " → ".join(cycle))
    for source, edges in sorted(graph.items()):
        src_floor = floor_of(source)
        for e in edges:
            edge = f"{e.where}: {source} → {e.target}"
            if e.target == "dagster":
                wiring = src_floor is not None and FLOORS[src_floor][0] in ("wiring", "ops")
                if any(_in(source, s) for s in STAGES) and not _is_io(source):
                    out.append(f"{edge}: a stage's pure core imports Dagster")
                elif not wiring and source != RUN_LOCK:
                    out.append(f"{edge}: Dagster is imported on the wiring floor and in ops only")
                continue
            if _in(e.target, "synth"):
                if not _in(source, "synth") and (source != SYNTH_IMPORTER or not e.lazy):
                    out.append(f"{edge}: synth/ is imported only by {SYNTH_IMPORTER}, inside the synth command")
                continue
            dst_floor = floor_of(e.target)
            if src_floor is None and dst_floor is not None and FLOORS[dst_floor][0] in ("wiring", "ops"):
                out.append(f"{edge}: synth/ imports the house's core, not its Dagster wiring or its CLI")
            if src_floor is None or dst_floor is None:
                continue  # synth/ may import the core
            if dst_floor > src_floor:
                out.append(f"{edge}: floor {FLOORS[src_floor][0]} imports floor {FLOORS[dst_floor][0]}, above it")
            if _in(e.target, "pipelines.storage") and any(_in(source, s) for s in STAGES) and not _is_io(source):
                out.append(f"{edge}: a stage's pure core imports storage (only its store/parallel/I-O modules may)")
    return out


def environment_readers() -> list[str]:
    """Every use of os.environ / os.getenv / os.putenv / os.unsetenv outside pipelines/settings.py, as
    file:line: module (the source line). A module of ENV_READERS may use its own variable only."""
    out = []
    for name, (path, _) in sorted(_modules().items()):
        if name != SETTINGS:
            out += [f"{path.relative_to(ROOT)}:{hit}" for hit in env_uses(name, path.read_text(encoding="utf-8"))]
    return out


def env_uses(module: str, source: str) -> list[str]:
    """The lines of `source` that use the environment and may not ("line: module uses the environment (…)")."""
    lines = source.splitlines()
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv", "unsetenv") \
                or isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(a.name in ("environ", "getenv", "putenv", "unsetenv") for a in node.names):
            line = lines[node.lineno - 1].strip()
            if not (module in ENV_READERS and _reads_only(source, module, line)):
                out.append(f"{node.lineno}: {module} uses the environment ({line[:90]})")
    return out


def _reads_only(source: str, module: str, line: str) -> bool:
    """A worker-side reader touches its own variable only: named on the line, or as the module's ENV."""
    var = ENV_READERS[module]
    return var in line or (f'ENV = "{var}"' in source and re.search(r"\bENV\b", line) is not None)


# --- the rules on the code ------------------------------------------------------------------------------------

def test_every_module_has_a_floor_or_is_synth():
    unplaced = [m for m in import_graph() if floor_of(m) is None and not _in(m, "synth")]
    assert not unplaced, f"modules on no floor (add them to FLOORS and to ARCHITECTURE.md): {unplaced}"


def test_the_imports_follow_the_floors():
    broken = violations(import_graph())
    assert not broken, "\n".join(broken)


def test_only_settings_reads_the_environment():
    readers = environment_readers()
    assert not readers, "\n".join(readers)


def test_the_walk_sees_the_imports_it_must():
    """The walk itself: it finds lazy imports, relative imports and Dagster (a walk that found nothing would
    pass every rule)."""
    graph = import_graph()
    cli = {e.target: e for e in graph["pipelines.ops.cli"]}
    assert "synth.cli" in cli and cli["synth.cli"].lazy
    assert "dagster" in cli
    assert "pipelines.storage.lake" in {e.target for e in graph["pipelines.decode.store"]}
    assert {"pipelines.extract.record", "pipelines.storage.lake"} <= {e.target for e in graph["pipelines.extract.store"]}
    assert len(graph) > 100 and sum(len(es) for es in graph.values()) > 300


# --- the checker catches what it claims to ----------------------------------------------------------------------

def _graph(*edges: tuple[str, str] | tuple[str, str, bool]) -> dict[str, list[Edge]]:
    graph: dict[str, list[Edge]] = {}
    for source, target, *lazy in edges:
        graph.setdefault(source, []).append(Edge(source, target, "x.py:1", bool(lazy and lazy[0])))
        if target != "dagster":
            graph.setdefault(target, [])
    return graph


def test_a_clean_synthetic_graph_passes():
    assert violations(_graph(("pipelines.extract.record", "pipelines.decode.model"),
                             ("pipelines.decode.store", "pipelines.storage.lake"),
                             ("assets.text", "dagster"), ("pipelines.ops.cli", "synth.cli", True),
                             ("synth.model", "pipelines.contract"))) == []


def test_an_import_upwards_is_caught_and_named():
    [v] = violations(_graph(("pipelines.decode.pdf", "pipelines.extract.values")))
    assert "pipelines.decode.pdf → pipelines.extract.values" in v and "floor decode imports floor extract" in v


def test_a_cycle_is_caught_and_named():
    found = violations(_graph(("pipelines.extract.a", "pipelines.extract.b"),
                              ("pipelines.extract.b", "pipelines.extract.c"),
                              ("pipelines.extract.c", "pipelines.extract.a")))
    assert found == ["import cycle: pipelines.extract.a → pipelines.extract.b → pipelines.extract.c → "
                     "pipelines.extract.a"]


def test_a_lazy_import_cycle_is_still_a_cycle():
    found = violations(_graph(("pipelines.extract.store", "pipelines.extract.parallel", True),
                              ("pipelines.extract.parallel", "pipelines.extract.store")))
    assert len(found) == 1 and found[0].startswith("import cycle")


def test_storage_and_dagster_in_a_pure_core_are_caught():
    found = violations(_graph(("pipelines.extract.tables", "pipelines.storage.lake"),
                              ("pipelines.quality.evaluate", "dagster"),
                              ("pipelines.quality.store", "pipelines.storage.warehouse"),
                              ("pipelines.storage.lake", "dagster")))
    assert len(found) == 3, found
    assert "pipelines.extract.tables → pipelines.storage.lake: a stage's pure core imports storage" in found[0]
    assert "pipelines.quality.evaluate → dagster: a stage's pure core imports Dagster" in found[1]
    assert "pipelines.storage.lake → dagster: Dagster is imported on the wiring floor and in ops only" in found[2]


def test_synth_imported_from_the_code_location_is_caught():
    found = violations(_graph(("assets.raw", "synth.model"), ("pipelines.ops.cli", "synth.cli")))
    assert len(found) == 2 and all("synth/ is imported only by pipelines.ops.cli" in v for v in found)


def test_synth_importing_the_wiring_is_caught():
    [v] = violations(_graph(("synth.corpus", "pipelines.settings"), ("synth.model", "pipelines.extract.region")))
    assert "synth.corpus → pipelines.settings: synth/ imports the house's core, not its Dagster wiring" in v


def test_reading_the_environment_outside_settings_is_caught():
    assert env_uses("pipelines.jobs", 'import os\nkind = os.environ.get("NIANBAO_EXECUTOR")\n') == \
        ['2: pipelines.jobs uses the environment (kind = os.environ.get("NIANBAO_EXECUTOR"))']
    assert len(env_uses("pipelines.ops.cli", "from os import getenv\n")) == 1
    assert env_uses("pipelines.decode.ocr", 'n = os.environ.get("NIANBAO_OCR_THREADS", 2)\n') == []
    assert len(env_uses("pipelines.decode.ocr", 'n = os.environ.get("NIANBAO_WORKERS", 2)\n')) == 1
    assert env_uses("pipelines.progress", 'ENV = "NIANBAO_PROGRESS"\npath = os.environ.get(ENV)\n') == []


def test_the_cli_starts_without_dagster():
    """`nianbao check` / `extract` / `sql` need no run: importing the CLI and the environment's settings must
    not import Dagster (≈ 1.2 s of CPU before the first document; the resources that are Dagster's live in
    pipelines/resources.py). Measured in a fresh interpreter, the way the command starts."""
    import subprocess
    import sys

    probe = ("import sys, pipelines.ops.cli, pipelines.settings, pipelines.quality.run, pipelines.extract.files; "
             "print(sorted(m for m in sys.modules if m == 'dagster' or m.startswith('dagster.')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
