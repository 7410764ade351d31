"""Import boundaries that keep the core headless: the CLI, vendors and store never import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "module", ["desktop_app.cli", "desktop_app.service", "desktop_app.vendors.http", "desktop_app.store"]
)
def test_core_module_does_not_import_pyside6(module: str) -> None:
    code = f"import sys, {module}; sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr or f"{module} imported PySide6"


def test_cli_help_runs_without_qt() -> None:
    code = (
        "import sys\n"
        "from desktop_app.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "trustedform" in proc.stdout and "litigator" in proc.stdout


# Qt calls that run a nested event loop. Inside a coroutine (and the window's code runs in coroutines) any
# other task that wakes meanwhile is lost for good: asyncio refuses to enter it while the current task's step
# is still executing. That once hung a test run in loop teardown. Coroutines await desktop_app.ui.runtime.run_dialog.
NESTED_LOOP_CALLS = {"processEvents", "exec", "exec_", "getOpenFileName", "getOpenFileNames", "getSaveFileName",
                     "getExistingDirectory", "getText", "getInt", "getItem"}  # fmt: skip
MESSAGE_BOX_STATICS = {"critical", "warning", "information", "question", "about"}
# Where a nested loop is safe: before the asyncio loop starts.
ALLOWED = {("desktop_app/app.py", "main")}


def nested_loop_calls(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(root).as_posix()
    found: list[str] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                attr, owner = child.func.attr, child.func.value
                static_box = attr in MESSAGE_BOX_STATICS and isinstance(owner, ast.Name) and owner.id == "QMessageBox"
                if (attr in NESTED_LOOP_CALLS or static_box) and (relative, name) not in ALLOWED:
                    found.append(f"{relative}:{child.lineno} {function}() calls {attr}()")
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_the_window_never_runs_a_nested_event_loop() -> None:
    root = Path(__file__).resolve().parents[2]
    files = [*sorted((root / "desktop_app").rglob("*.py")), *sorted((root / "tests" / "ui").rglob("*.py"))]
    found = [hit for path in files for hit in nested_loop_calls(path, root)]
    assert not found, "nested event loops (use `await run_dialog(dialog)` / dialog.open()):\n" + "\n".join(found)
