"""Run dedup and the peers on one labelled corpus, timed, and score their outputs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dedup import Config, Document, scan
from dedup.io.writers import cluster_records

from .. import peers
from .labels import Corpus
from .score import Score, score


@dataclass
class Run:
    tool: str
    seconds: float
    score: Score
    stats: dict | None = None


def documents(corpus: Corpus) -> list[Document]:
    """The documents as the CLI reads them from corpus.jsonl (same source and line numbers)."""
    return [Document(i, t, "corpus.jsonl", k + 1) for k, (i, t) in enumerate(zip(corpus.ids, corpus.texts))]


def dedup_outputs(corpus: Corpus, config: Config) -> tuple[dict[str, str], list[dict], float, dict]:
    """Clean texts and cluster records from the library, and the seconds the scan took."""
    docs = documents(corpus)
    t0 = time.perf_counter()
    result = scan(docs, config)
    clean = {d.id: result.clean_text(k) for k, d in enumerate(docs)}
    seconds = time.perf_counter() - t0
    return clean, list(cluster_records(result)), seconds, result.stats


def run_dedup(corpus: Corpus, config: Config, out: Path | None = None, name: str = "dedup") -> Run:
    """Scan with `config`; with `out`, write clusters.jsonl there and judge the file read back."""
    clean, clusters, seconds, stats = dedup_outputs(corpus, config)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "clusters.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in clusters), encoding="utf-8")
        clusters = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return Run(name, seconds, score(corpus, clean, clusters), stats)


def run_cli(corpus_dir: Path, out: Path, *args: str) -> tuple[dict[str, str], list[dict]]:
    """`dedup scan corpus.jsonl --out OUT [args]` as a user runs it: its clean JSONL and clusters.jsonl."""
    cmd = [sys.executable, "-m", "dedup", "scan", str(corpus_dir / "corpus.jsonl"), "--out", str(out), "--quiet", *args]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    clean = {}
    for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        clean[rec["id"]] = rec["text"]
    clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    return clean, clusters


def run_peer(corpus: Corpus, name: str) -> Run:
    docs = list(zip(corpus.ids, corpus.texts))
    t0 = time.perf_counter()
    clean = peers.run_peer(name, docs)
    seconds = time.perf_counter() - t0
    return Run(name, seconds, score(corpus, clean))
