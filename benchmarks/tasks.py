"""One measured task, run in its own process by benchmarks.throughput:

    python -m benchmarks.tasks floor CORPUS.jsonl JOBS
    python -m benchmarks.tasks peer NAME CORPUS.jsonl OUT.jsonl

`floor` reads the JSONL with dedup's reader, then segments and tokenizes every
span with dedup's functions (the compiled tokenizer, which hashes each token as
it ends, when numba is there), in a pool of JOBS (threads where compiled, as
mapping.map_pool chooses) chunked as `dedup scan` chunks them: the work no
pipeline over these spans can skip. `peer` reads the same JSONL, runs a peer
pipeline (benchmarks/peers.py) on dedup's spans (the same paragraphs) and
writes the clean records as JSONL.
"""

from __future__ import annotations

import json
import sys

from dedup.config import Config
from dedup.io.readers import discover, read_source
from dedup.stages import mapping
from dedup.stages.segment import segment

from . import peers

PEERS = {
    "exact-hash": lambda docs, split: peers.exact_hash(docs, split=split),
    "datasketch": lambda docs, split: peers.datasketch_lsh(docs, 0.5, split=split),
    "datasketch-bulk": lambda docs, split: peers.datasketch_bulk(docs, 0.5, split=split),
    "rensa": lambda docs, split: peers.rensa_lsh(docs, 0.5, split=split),
    "rensa-bulk": lambda docs, split: peers.rensa_bulk(docs, 0.5, split=split),
}


def read(path: str):
    docs = []
    for src in discover([path]):
        docs += read_source(src)[0]
    return docs


def count_tokens(texts: list[str]) -> int:
    return len(mapping.token_hashes(texts, Config())[3])


def floor(path: str, jobs: int) -> int:
    docs = read(path)
    chunks = [[d.text for d in run] for run in mapping.document_runs(docs, mapping.CHUNK_CHARS)]
    if jobs > 1 and len(chunks) > 1:
        with mapping.map_pool(jobs, Config()) as pool:  # threads or processes, as dedup's map stage
            return sum(pool.map(count_tokens, chunks))
    return sum(map(count_tokens, chunks))


def peer(name: str, path: str, out: str) -> None:
    docs = read(path)

    def split(text: str) -> list[str]:
        return [text[s:e] for s, e in segment(text)]

    clean = PEERS[name]([(d.id, d.text) for d in docs], split)
    with open(out, "w", encoding="utf-8") as f:
        for d in docs:
            record = dict(d.record) if d.record is not None else {"id": d.id}
            record["text"] = clean[d.id]
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    if task == "floor":
        print(floor(args[0], int(args[1])))
    elif task == "peer":
        peer(*args)
    else:
        raise SystemExit(f"unknown task {task!r}")
