"""README.md's Python API examples run as written and print what the README says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def api_examples() -> list[tuple[str, str]]:
    """(code, printed text) of each python block of the "Python API" section that a text block follows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API\n") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    return re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", section, flags=re.S)


def test_the_section_has_the_three_examples():
    codes = [code for code, _ in api_examples()]
    assert len(codes) == 3
    assert "scan(" in codes[0] and "import datasets" in codes[1] and "import pandas" in codes[2]


@pytest.mark.parametrize("code,printed", api_examples(), ids=["scan", "datasets", "pandas"])
def test_example_runs_and_prints_what_the_readme_shows(code, printed, tmp_path):
    if "import datasets" in code:
        pytest.importorskip("datasets")
    if "import pandas" in code:
        pytest.importorskip("pandas")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_DATASETS_OFFLINE": "1", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout == printed
