"""The dependency direction of docs/architecture.md, enforced with import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(source_root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` with the project's contracts on the ``casework`` package found in ``source_root``."""
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(  # noqa: S603 - our own command line, no user input
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=source_root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def copy_of_casework(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "casework", tmp_path / "casework", ignore=shutil.ignore_patterns("static", "__pycache__"))
    return tmp_path


def test_the_code_keeps_the_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("cases/service.py", "casework.people.models"),  # the hub reaching into a feature
        ("people/service.py", "casework.incidents.models"),  # sideways between sibling features
        ("incidents/service.py", "casework.risk.service"),  # a lower feature importing a higher one
        ("risk/service.py", "casework.dashboard.service"),
        ("risk/service.py", "casework.orders.service"),
        ("orders/service.py", "casework.support.models"),  # sideways between the later features
        ("contact/service.py", "casework.intake.service"),
        ("auth/service.py", "casework.cases.models"),  # the foundation importing a feature
    ],
)
def test_an_import_against_the_direction_breaks_a_contract(copy_of_casework: Path, importer: str, imported: str):
    module = copy_of_casework / "casework" / importer
    module.write_text(module.read_text() + f"\nimport {imported}  # noqa\n")
    result = lint_imports(copy_of_casework)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
