"""What newsqa imports is what it declares: every third-party package that product code imports is a dependency in
pyproject.toml, and the one that only training needs (scikit-learn) is in the `train` extra and never imported
while answering."""

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("ingest", "newsqa", "rag", "ui")


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string: "llama-cpp-python[server]==0.3" -> llama-cpp-python."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group()).lower()


def imported_distributions() -> dict[str, set[str]]:
    """Distribution -> the product files that import it (the standard library and newsqa's own packages left out)."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((Path(ROOT) / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
                for top in {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) - set(PACKAGES):
                    for distribution in owners.get(top, [top]):
                        found.setdefault(_name(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((Path(ROOT) / "pyproject.toml").read_text())["project"]
    extras = {extra: {_name(r) for r in requirements} for extra, requirements in project["optional-dependencies"].items()}
    return {_name(r) for r in project["dependencies"]}, extras


def test_every_imported_package_is_declared():
    runtime, extras = declared()
    imported = imported_distributions()
    undeclared = {d: files for d, files in imported.items() if d not in runtime | extras["train"]}
    assert not undeclared, f"imported but not in pyproject.toml: {undeclared}"
    assert {"fastapi", "pydantic", "starlette", "uvicorn"} <= set(imported) & runtime


def test_scikit_learn_is_for_training_only():
    runtime, extras = declared()
    assert "scikit-learn" in extras["train"] and "scikit-learn" not in runtime
    assert imported_distributions()["scikit-learn"] == {"rag/training/estimators.py"}  # the one place that fits
    serving = ("import sys, ui.api, ui.chat, ui.cli, rag, rag.learned; rag.learned.Models.load(); "
               "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    done = subprocess.run([sys.executable, "-c", serving], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold_and_catch_the_next_circle(tmp_path):
    import shutil

    assert _lint_imports(Path(ROOT)).returncode == 0
    for part in (*PACKAGES, "bench"):  # the same code with one import against the design: rag using the UI
        shutil.copytree(Path(ROOT) / part, tmp_path / part, ignore=shutil.ignore_patterns("*.json", "*.gguf", "data"))
    shutil.copy(Path(ROOT) / "pyproject.toml", tmp_path)
    text = tmp_path / "rag" / "text.py"
    text.write_text(text.read_text() + "\nfrom ui.format import answer_text  # noqa\n")
    broken = _lint_imports(tmp_path)
    assert broken.returncode == 1 and "One way" in broken.stdout and "rag.text -> ui.format" in broken.stdout
