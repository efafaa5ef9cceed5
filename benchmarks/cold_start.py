"""First run and install: `pip install .` into a fresh venv (the default install, no extras),
its size, the first and second `dedup scan` of news-20, and a run from a read-only install
as an unprivileged user without a home directory.

    python -m benchmarks.cold_start            # writes its block in benchmarks/README.md
    python -m benchmarks.cold_start --no-readme

The read-only run needs root (to make the install read-only for another user: root itself
ignores mode bits) and `setpriv` (util-linux); without them that row says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .corpora import ensure

ROOT = Path(__file__).resolve().parent.parent
README = Path(__file__).parent / "README.md"
BEGIN, END = "<!-- cold-start:begin -->", "<!-- cold-start:end -->"
MB = 1_000_000


def tree_bytes(folder: Path) -> int:
    """Bytes of the files under folder (as du -b counts them; links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - t, r


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-readme", action="store_true", help="print the block instead of writing README.md")
    # Debian's python3 by default: the read-only run's user must reach the interpreter, and one
    # under /root (pyenv's, mode 0700) is out of its reach.
    ap.add_argument("--python", default="/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable,
                    help="the interpreter the fresh venv is made from (default: /usr/bin/python3)")
    args = ap.parse_args(argv)
    corpus, _ = ensure("news-20")
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dedup-cold-") as tmp:
        os.chmod(tmp, 0o755)  # the unprivileged run reads the venv and corpus copy from here
        venv = Path(tmp) / "venv"
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        py = venv / "bin" / "python"
        secs, r = timed([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
                        env={**os.environ, "DEDUP_REQUIRE_NATIVE": "1"})
        if r.returncode:
            raise SystemExit(f"pip install failed:\n{r.stderr[-3000:]}")
        site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
        tooling = {"pip", "setuptools", "_distutils_hack"}  # the venv's own, not dedup's install
        sizes = {}
        for entry in site.iterdir():
            name = entry.name.split("-")[0].split(".")[0]
            if name in tooling or entry.name.startswith(tuple(t + "-" for t in tooling)) or entry.name == "distutils-precedence.pth":
                continue
            sizes[name] = sizes.get(name, 0) + (tree_bytes(entry) if entry.is_dir() else entry.lstat().st_size)
        total = sum(sizes.values())
        top = ", ".join(f"{n} {b / MB:.1f}" for n, b in sorted(sizes.items(), key=lambda x: -x[1])[:6])
        rows.append(f"| `pip install .` (fresh venv, default install) | {secs:.1f} s | {total / MB:.1f} MB in site-packages "
                    f"without pip and setuptools (target <= 150 MB); largest, MB: {top} |")
        data = Path(tmp) / "news-20.jsonl"
        shutil.copyfile(corpus, data)
        os.chmod(data, 0o644)
        dedup = str(venv / "bin" / "dedup")
        times = []
        for k in (1, 2):
            secs, r = timed([dedup, "scan", str(data), "--out", str(Path(tmp) / f"out{k}"), "-q"])
            if r.returncode:
                raise SystemExit(f"scan {k} failed:\n{r.stderr[-3000:]}")
            times.append(secs)
        same = (Path(tmp) / "out1" / "news-20.jsonl").read_bytes() == (Path(tmp) / "out2" / "news-20.jsonl").read_bytes()
        rows.append(f"| first `dedup scan` of news-20 (20 MB) in the fresh venv | {times[0]:.2f} s | second run {times[1]:.2f} s: "
                    f"{times[0] / times[1]:.2f}x (target <= 1.3x); outputs {'identical' if same else '**differ**'} |")
        setpriv = shutil.which("setpriv")
        if os.geteuid() != 0 or setpriv is None:
            rows.append("| read-only install, no home | not run | needs root and setpriv |")
        else:
            subprocess.run(["chmod", "-R", "a-w", str(venv)], check=True)
            out = Path(tmp) / "ro-out"
            out.mkdir()
            os.chown(out, 65534, 65534)
            env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"}
            secs, r = timed([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", dedup, "scan", str(data),
                             "--out", str(out / "o"), "-q"], env=env)
            ok = r.returncode == 0 and (out / "o" / "news-20.jsonl").read_bytes() == (Path(tmp) / "out1" / "news-20.jsonl").read_bytes()
            said = "works, output identical" if ok else f"**failed** (exit {r.returncode}): {r.stderr.strip().splitlines()[-1:] }"
            rows.append(f"| read-only venv, user nobody, HOME=/nonexistent | {secs:.2f} s | {said} |")
            subprocess.run(["chmod", "-R", "u+w", str(venv)], check=True)
    command = ".venv/bin/python -m benchmarks.cold_start " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        f"Command: `{command.strip()}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 2 cores, x86_64, "
        f"{subprocess.run([args.python, '--version'], capture_output=True, text=True).stdout.strip()} from {args.python})",
        "",
        "| step | time | result |",
        "|---|---:|---|",
        *rows,
    ])
    if args.no_readme:
        print(text)
        return
    readme = README.read_text(encoding="utf-8")
    if BEGIN in readme and END in readme:
        readme = readme[: readme.index(BEGIN)] + f"{BEGIN}\n{text}\n{END}" + readme[readme.index(END) + len(END):]
    else:
        readme = readme.rstrip("\n") + f"\n\n## First run and install\n\n{BEGIN}\n{text}\n{END}\n"
    README.write_text(readme, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
