"""Each package imports only what docs/architecture.md says it may (read from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHECKED_PACKAGES = ("schemas", "ingestion", "api")
PROJECT_PACKAGES = ("schemas", "ingestion", "api", "service", "dev", "bench")

# Module prefix -> (what it may import at module level, what it may import only inside a
# function). A module follows the longest prefix that names it; a prefix allows itself and
# everything under it. These are the rules of the architecture page's table.
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "schemas": (("schemas",), ()),
    "ingestion": ((), ()),
    "ingestion.core": (("ingestion.core", "schemas"), ()),
    "ingestion.models": ((), ()),
    "ingestion.errors": ((), ()),
    "ingestion.aws": ((), ()),
    "ingestion.telemetry": ((), ()),
    "ingestion.periods": ((), ()),
    "ingestion.correlation": ((), ()),
    "ingestion.scoring_limits": (("ingestion.core",), ()),
    "ingestion.trend": (("ingestion.trend", "ingestion.core.scoring", "schemas"), ()),
    "ingestion.system_checks": ((), ()),
    "ingestion.pipeline": (
        (
            "ingestion.pipeline",
            "ingestion.core",
            "schemas",
            "ingestion.models",
            "ingestion.errors",
            "ingestion.aws",
            "ingestion.telemetry",
            "ingestion.scoring_limits",
            "ingestion.periods",
            "ingestion.trend",
        ),
        (),
    ),
    "ingestion.notify": (
        (
            "ingestion.notify",
            "ingestion.models",
            "ingestion.periods",
            "ingestion.pipeline.results",
            "ingestion.core",
        ),
        (),
    ),
    "ingestion.worker": (
        (
            "ingestion.worker",
            "ingestion.pipeline.events",
            "ingestion.pipeline.statuses",
            "ingestion.errors",
            "ingestion.aws",
            "ingestion.correlation",
        ),
        ("ingestion.pipeline.services",),
    ),
    "ingestion.authoring": (
        (
            "ingestion.core",
            "schemas",
            "ingestion.models",
            "ingestion.errors",
            "ingestion.pipeline.services",
            "ingestion.scoring_limits",
        ),
        (),
    ),
    "ingestion.apps": (
        (),
        ("ingestion.system_checks", "ingestion.notify.alerts", "ingestion.pipeline.listeners"),
    ),
    "ingestion.management": (("ingestion", "schemas"), ()),
    "api": (
        (
            "api",
            "ingestion.pipeline.events",
            "ingestion.pipeline.services",
            "ingestion.pipeline.lanes",
            "ingestion.pipeline.history",
            "ingestion.authoring",
            "ingestion.models",
            "ingestion.correlation",
        ),
        (),
    ),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> set[str]:
    return {
        module_name(path)
        for package in PROJECT_PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
    }


def imported_names(node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    """The project modules an import statement loads (`from a import b` is `a.b` if b is one)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        assert node.level == 0, "the project uses absolute imports only"
        base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    return [name for name in names if name.split(".")[0] in PROJECT_PACKAGES]


def imports_of(path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(imports at module level, imports inside functions) of the module at `path`."""
    top: set[str] = set()
    lazy: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            (lazy if in_function else top).update(imported_names(node, known))
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(path.read_text(), str(path)), False)
    return top, lazy


def rule_for(name: str) -> str | None:
    matching = [prefix for prefix in RULES if name == prefix or name.startswith(prefix + ".")]
    return max(matching, key=len) if matching else None


def allowed(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def checked_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in CHECKED_PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
    }


def test_every_checked_module_has_a_rule():
    assert [name for name in checked_modules() if rule_for(name) is None] == []


def test_every_rule_names_modules_that_exist():
    known = project_modules()
    named = {prefix for prefix in RULES}
    for top, lazy in RULES.values():
        named |= {*top, *lazy}
    assert sorted(named - known) == []


def test_each_package_imports_only_what_the_architecture_page_allows():
    known = project_modules()
    breaches = []
    for name, path in sorted(checked_modules().items()):
        top_allowed, lazy_allowed = RULES[rule_for(name)]
        top, lazy = imports_of(path, known)
        breaches += [f"{name} -> {t}" for t in top if not allowed(t, top_allowed)]
        breaches += [
            f"{name} -> {t} (lazily)" for t in lazy if not allowed(t, top_allowed + lazy_allowed)
        ]
    assert breaches == []


def test_the_worker_loads_the_pipeline_function_only_lazily():
    known = project_modules()
    handlers = PROJECT_ROOT / "ingestion" / "worker" / "handlers.py"
    top, lazy = imports_of(handlers, known)
    assert "ingestion.pipeline.services" in lazy
    assert "ingestion.pipeline.services" not in top


def test_the_pipeline_imports_nothing_above_it():
    known = project_modules()
    above = ("ingestion.notify", "ingestion.worker", "ingestion.authoring", "api", "service")
    for name, path in checked_modules().items():
        if name.startswith("ingestion.pipeline"):
            top, lazy = imports_of(path, known)
            assert not [t for t in top | lazy if allowed(t, above)], name
