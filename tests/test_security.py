"""Security checks on the package source and on output paths (README: Security).

The source check parses every module of dedup/ (not grep: comments, docstrings and
strings such as a report's JavaScript do not count) and refuses what can run or
load code from data: pickle and friends, eval/exec, shelling out.
"""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT, cli

PACKAGE = ROOT / "dedup"
BANNED_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "shelve", "marshal", "subprocess", "pty", "commands"}
BANNED_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
BANNED_OS_CALLS = {"system", "popen", "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
                   "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn",
                   "posix_spawnp", "fork", "forkpty"}


def findings(source: str, filename: str = "<string>") -> list[str]:
    """Every use of a banned module, builtin or os call, and loaders told to unpickle or run code."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names if a.name.split(".")[0] in BANNED_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in BANNED_MODULES:
            found.append(f"{where}: from {node.module} import ...")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{where}: from os import {a.name}" for a in node.names if a.name in BANNED_OS_CALLS]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in BANNED_BUILTINS:
                found.append(f"{where}: {func.id}()")
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if func.value.id == "os" and func.attr in BANNED_OS_CALLS:
                    found.append(f"{where}: os.{func.attr}()")
                if func.value.id in ("yaml",) and func.attr in ("load", "unsafe_load", "full_load"):
                    found.append(f"{where}: yaml.{func.attr}()")
            for kw in node.keywords:
                if kw.arg in ("allow_pickle", "shell") and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(f"{where}: {kw.arg}=...")
    return found


# The one place allowed to fork: writers._beside forks (never execs) to format
# clusters.jsonl beside the clean files; the child runs no other program, only our code.
FORK_ALLOWED_IN = ("dedup/io/writers.py", "_beside")


def _allowed(finding: str) -> bool:
    path, line, call = finding.split(":", 2)
    if (path, call.strip()) != (FORK_ALLOWED_IN[0], "os.fork()"):
        return False
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return any(
        isinstance(f, ast.FunctionDef) and f.name == FORK_ALLOWED_IN[1] and f.lineno <= int(line) <= f.end_lineno
        for f in ast.walk(tree)
    )


def test_package_never_unpickles_evaluates_or_shells_out():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 10
    problems = [f for path in modules for f in findings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert [f for f in problems if not _allowed(f)] == []
    assert len(problems) <= 1, "one fork, in writers._beside, and nothing else"


def test_the_fork_exemption_is_narrow():
    """os.fork elsewhere, or any other banned call in _beside, is still refused."""
    assert _allowed("dedup/io/writers.py:%d: os.fork()" % _beside_line())
    assert not _allowed("dedup/io/readers.py:10: os.fork()")
    assert not _allowed("dedup/io/writers.py:1: os.fork()")
    assert not _allowed("dedup/io/writers.py:%d: os.system()" % _beside_line())


def _beside_line() -> int:
    tree = ast.parse((PACKAGE / "io" / "writers.py").read_text(encoding="utf-8"))
    return next(f.lineno for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "_beside") + 1


@pytest.mark.parametrize(
    "code",
    [
        "import pickle", "from pickle import loads", "import subprocess", "eval(text)", "exec(code)",
        "os.system(cmd)", "from os import popen", "numpy.load(path, allow_pickle=True)", "run(cmd, shell=True)",
        "import marshal", "yaml.load(stream)", "__import__(name)",
    ],
)
def test_the_source_check_catches(code):
    assert findings(code), f"{code!r} slipped through"


@pytest.mark.parametrize("code", ["json.loads(raw)", "self.r.eval(script)", "re.compile(p)", "np.load(p, allow_pickle=False)"])
def test_the_source_check_allows(code):
    # Method calls named like builtins (Redis EVAL, re.compile) are not the builtins.
    assert findings(code) == []


def test_outputs_stay_inside_out_whatever_the_input_names(tmp_path):
    """Input paths are the only thing that names output files: nested folders, names
    that look like traversal or options all land inside --out."""
    src = tmp_path / "in"
    for rel in ["a/b/c.txt", "weird..txt", "x..y/z.txt", "-dash.txt", "space name.txt", "ünï\u00e7ode.txt"]:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(f"Article {rel} with enough words to be a span of its own here.\n")
    out = tmp_path / "out"
    r = cli("scan", str(src), "--out", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == {"a/b/c.txt", "weird..txt", "x..y/z.txt", "-dash.txt", "space name.txt", "ünï\u00e7ode.txt",
                       "clusters.jsonl", ".dedup-output"}
    outside = {p for p in tmp_path.iterdir()} - {src, out}
    assert outside == set()
