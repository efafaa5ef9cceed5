"""How the HTML report scales: render time, page size, and time until the page is ready in
headless Chromium, for a corpus with N planted near-duplicate clusters.

    .venv/bin/python benchmarks/report_scale.py 1000 10000

Each cluster is a paragraph of 60-120 random words and a copy with two words
edited (near-equal), in two articles of their own. Writes pages under
benchmarks/out/ (git-ignored) and prints a Markdown table.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dedup import Config, Document, scan
from dedup.report.html import render_result

OUT = Path(__file__).resolve().parent / "out"


def corpus(n_clusters: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(20000)]
    docs = []
    for c in range(n_clusters):
        words = [rng.choice(vocab) for _ in range(rng.randint(60, 120))]
        copy = list(words)
        for _ in range(2):
            copy[rng.randrange(len(copy))] = rng.choice(vocab)
        docs.append(Document(f"{c:06d}a", " ".join(words) + "\n"))
        docs.append(Document(f"{c:06d}b", " ".join(copy) + "\n"))
    return docs


def ready_ms(page: Path, fragment: str) -> tuple[int, float]:
    """(ms from navigation to the end of the page's script, wall seconds of the whole headless run)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return -1, -1.0
    with tempfile.TemporaryDirectory() as profile:
        started = time.perf_counter()
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", page.as_uri() + fragment],
            capture_output=True, text=True, timeout=600, check=True,
        ).stdout
        wall = time.perf_counter() - started
    head = dom[: dom.index("<head")]
    m = re.search(r'data-ready-ms="(\d+)"', head)
    if not m or "data-js-errors" in head:
        raise SystemExit(f"{page}: the page did not load cleanly: {head[:300]}")
    return int(m.group(1)), wall


def main(sizes: list[int]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    print("| clusters | scan s | render s | page MB | Chromium: ready (ms) | Chromium: last cluster via #link (ms) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        docs = corpus(n)
        t0 = time.perf_counter()
        result = scan(docs, Config())
        t1 = time.perf_counter()
        page = render_result(result)
        t2 = time.perf_counter()
        path = OUT / f"report-{n}.html"
        path.write_text(page, encoding="utf-8")
        assert len(result.clusters) == n, f"expected {n} clusters, got {len(result.clusters)}"
        first, _ = ready_ms(path, "")
        last, _ = ready_ms(path, f"#c{n - 1}")
        print(f"| {n:,} | {t1 - t0:.1f} | {t2 - t1:.1f} | {len(page.encode()) / 1e6:.1f} | {first} | {last} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
