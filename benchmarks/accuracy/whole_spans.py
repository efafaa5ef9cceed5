"""Sentence runs against whole spans on the benchmark's corpora: `python -m benchmarks.accuracy.whole_spans`.

Scores `Config(sentences=False)` (paragraphs only, the default) and `--sentences` on the
same seeded corpora with the benchmark's scorer, one row per seed.
"""

from __future__ import annotations

import argparse

from dedup import Config, scan

from . import source
from .generate import generate
from .runner import documents
from .score import score


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = ap.parse_args(argv)
    pool = source.load_pool()
    print("| seed | whole spans F1 | unique lost | sentences F1 | unique lost |")
    print("|---:|---:|---:|---:|---:|")
    for seed in args.seeds:
        corpus = generate(pool, seed, 1.0)
        docs = documents(corpus)
        cells = []
        for config in (Config(sentences=False), Config(sentences=True)):
            result = scan(docs, config)
            s = score(corpus, {d.id: result.clean_text(k) for k, d in enumerate(docs)})
            cells += [f"{s.f1:.4f}", f"{s.unique_lost_share:.2%}".replace("%", " %")]
        print(f"| {seed} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
