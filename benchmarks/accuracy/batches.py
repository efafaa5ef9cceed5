"""Two batches through an index against one scan over both: `python -m benchmarks.accuracy.batches`.

Each seed's corpus is cut in two by document order; the first half is scanned into a
new SQLite index, the second against it (`dedup.index.scan_incremental`, as
`dedup scan --index` runs it), and the two clean halves are scored together with the
benchmark's scorer, beside one scan over the whole corpus.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from dedup import Config, scan
from dedup.index import open_index, scan_incremental

from . import source
from .generate import generate
from .runner import documents
from .score import score


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = ap.parse_args(argv)
    pool = source.load_pool()
    config = Config(sentences=True)  # the accuracy mode (opt-in, see dedup/config.py)
    print("| seed | one scan F1 | two batches F1 | difference | one scan unique lost | two batches unique lost |")
    print("|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for seed in args.seeds:
        corpus = generate(pool, seed, 1.0)
        docs = documents(corpus)
        one = scan(docs, config)
        s_one = score(corpus, {d.id: one.clean_text(k) for k, d in enumerate(docs)})
        half = len(docs) // 2
        clean = {}
        with tempfile.TemporaryDirectory() as tmp, open_index(str(Path(tmp) / "index.db"), config) as store:
            for batch in (docs[:half], docs[half:]):
                result = scan_incremental(batch, store)
                clean.update({d.id: result.clean_text(k) for k, d in enumerate(batch)})
        s_two = score(corpus, clean)
        worst = max(worst, s_one.f1 - s_two.f1)
        print(f"| {seed} | {s_one.f1:.4f} | {s_two.f1:.4f} | {s_one.f1 - s_two.f1:+.4f} | "
              f"{s_one.unique_lost_share:.2%} | {s_two.unique_lost_share:.2%} |")
    print(f"\nlargest F1 loss of two batches against one scan: {worst:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
