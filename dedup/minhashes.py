"""datasketch interop: MinHash signatures of spans as `datasketch.LeanMinHash` objects.

dedup's signatures are datasketch's (stages/sketch.py; tested bit-identical), so the
objects below feed datasketch's MinHashLSH, LSH Forest, LSH Ensemble and storage
layers as its own would. Needs `pip install 'dedup[datasketch]'`; nothing else in
dedup imports datasketch (it brings scipy).

    from dedup import Config, Document, scan
    from dedup.minhashes import lean_minhashes
    result = scan(docs)
    hashes = lean_minhashes(result)            # {span number: LeanMinHash} of judged spans
"""

from __future__ import annotations

from collections.abc import Sequence

from .config import Config
from .result import ScanResult
from .stages import sketch
from .stages.mapping import shingle_spans
from .stages.normalize import token_bytes


def span_minhashes(texts: Sequence[str], config: Config | None = None) -> list:
    """A LeanMinHash per text, each text shingled as a scan shingles a span."""
    try:
        from datasketch import LeanMinHash
    except ImportError as e:  # an optional extra
        raise ImportError("dedup.minhashes needs datasketch: pip install 'dedup[datasketch]'") from e
    config = config or Config()
    values, offsets = shingle_spans([token_bytes(t) for t in texts], config)
    sigs = sketch.signatures(values, offsets, sketch.permutations(config.num_perm, config.seed))
    # affine32: datasketch's default scheme since 2.0, the one stages/sketch.py reproduces.
    return [LeanMinHash(seed=config.seed, hashvalues=row, scheme="affine32") for row in sigs]


def lean_minhashes(result: ScanResult) -> dict:
    """{span number: LeanMinHash} of the spans of `result` long enough to be judged."""
    spans = [i for i in range(len(result.spans)) if result.eligible is None or result.eligible[i]]
    return dict(zip(spans, span_minhashes([result.span_text(i) for i in spans], result.config)))
