"""One frozen, self-validating set of options; its fingerprint goes into every output."""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import InitVar, asdict, dataclass, fields
from functools import cached_property, lru_cache

import numpy as np

from .errors import ConfigError

# Bumped whenever normalize.py or shingle.py would map some text to other
# shingles: persisted signatures made under another version do not compare.
# 2: an e-mail address glued by '-' or '+' to the end of another one is no longer one token.
NORMALIZATION_VERSION = 2

KEEP_POLICIES = ("first", "longest")
SEGMENT_MODES = ("auto", "paragraph", "line")
SHINGLE_KINDS = ("word", "char")


@dataclass(frozen=True)
class Config:
    """Options of a scan. Defaults are set from benchmarks/README.md (accuracy sweep)."""

    # Word 4-grams: in the accuracy sweep (benchmarks/README.md) they keep edited,
    # reworded and OCR-noisy copies (mean F1 0.987 vs 0.977 at 5-grams, same
    # threshold), share fewer stock phrases than 3-grams (a tie in F1), and char
    # shingles gain under 0.003 F1 at 3.6 times the cost.
    ngram: int = 4
    # "word": n-grams of word tokens; "char": n-grams of characters of the
    # normalised words (ngram then counts characters).
    shingle: str = "word"
    # A span is dropped when at least this share of its shingles lies in a kept
    # span. 0.55 is mid-plateau in the sweep (0.5 and 0.6 meet every target too;
    # 0.7 drops F1 to 0.96) and splits samples/: 003's double at 0.77, the closest
    # other pair at 0.37.
    # Called `threshold` as in `--threshold` and the outputs' `parameters`; `containment`
    # is the old keyword (see the property below).
    threshold: float = 0.55
    # Spans with fewer word tokens are never dropped: bylines, datelines, headers.
    # Sweep: 3-6 drop subheadings (0.36-0.45 % unique lost), 10-12 lose recall.
    min_tokens: int = 8
    # MinHash/LSH only proposes pairs; a low Jaccard threshold keeps recall high
    # for edited copies, and every proposal is verified exactly afterwards.
    # Sweep: thresholds 0.2-0.8, 32-256 permutations and any bands x rows move F1
    # by under 0.002 here, as the anchors find most pairs.
    lsh_threshold: float = 0.4
    num_perm: int = 128
    bands: int | None = None  # None: chosen from lsh_threshold and num_perm
    rows: int | None = None
    # Containment probe: one shingle in `anchor_rate` (chosen by hash, so the
    # same in every span) is indexed exactly; it finds short spans inside long ones,
    # where Jaccard, and so MinHash LSH, is low by construction.
    # Sweep: 1-2 tie with 4 (+0.0003 F1, more work), 8 and 16 lose recall.
    anchor_rate: int = 4
    # Anchors and LSH buckets shared by more spans than this are skipped (stock
    # phrases); near-copies still meet through the other path.
    max_bucket: int = 200
    keep: str = "first"
    segment: str = "auto"
    seed: int = 1
    # Decide on the text really repeated (word shingles only): drop copied sentence
    # runs inside spans that stay, keep a span's own sentence, never take a filled-in
    # template for a copy (stages/runs.py, stages/templates.py). Off by default for
    # now: it costs 3.1 times the CPU on news and 7.5 times on Debian's changelogs, and
    # random property tests still find corpora where cleaning its clean output drops
    # more (a span kept because another was dropped against it is cut on the second
    # pass; benchmarks/README.md, "Where dedup still fails").
    sentences: bool = False
    # The old name of `threshold`, still accepted with a DeprecationWarning.
    containment: InitVar[float | None] = None

    def __post_init__(self, containment: float | None = None) -> None:
        if containment is not None:
            warnings.warn("Config(containment=...) is deprecated; use Config(threshold=...)", DeprecationWarning, stacklevel=3)
            if self.threshold != Config.threshold and self.threshold != containment:
                raise ConfigError("give threshold only (containment is its old name)", "threshold")
            object.__setattr__(self, "threshold", containment)

        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise ConfigError(f"{name} must be {rule}, got {getattr(self, name)!r}", name)

        def is_int(value) -> bool:  # bool is an int subclass, but True is no count or seed
            return isinstance(value, int) and not isinstance(value, bool)

        for name in ("ngram", "min_tokens", "num_perm", "anchor_rate", "max_bucket"):
            value = getattr(self, name)
            need(is_int(value) and value >= 1, name, "an integer >= 1")
        need(self.ngram <= 32, "ngram", "at most 32")
        need(self.num_perm <= 1024, "num_perm", "at most 1024")
        need(self.max_bucket >= 2, "max_bucket", "at least 2")
        for name in ("threshold", "lsh_threshold"):
            value = getattr(self, name)
            need(isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 < value <= 1.0, name, "a number in (0, 1]")
        need(self.shingle in SHINGLE_KINDS, "shingle", f"one of {', '.join(SHINGLE_KINDS)}")
        need(self.keep in KEEP_POLICIES, "keep", f"one of {', '.join(KEEP_POLICIES)}")
        need(isinstance(self.sentences, bool), "sentences", "true or false")
        need(self.segment in SEGMENT_MODES, "segment", f"one of {', '.join(SEGMENT_MODES)}")
        need(is_int(self.seed) and 0 <= self.seed < 2**32, "seed", "an integer in [0, 2**32)")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("bands and rows must be given together", "bands" if self.rows is None else "rows")
        if self.bands is not None:
            need(is_int(self.bands) and self.bands >= 1, "bands", "an integer >= 1")
            need(is_int(self.rows) and self.rows >= 1, "rows", "an integer >= 1")
            if self.bands * self.rows > self.num_perm:
                raise ConfigError(
                    f"bands x rows must be at most num_perm ({self.num_perm}), got {self.bands} x {self.rows}",
                    "bands",
                )

    @cached_property
    def band_rows(self) -> tuple[int, int]:
        """(bands, rows) for LSH: the given ones, or the ones minimising the error area."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return optimal_bands(self.lsh_threshold, self.num_perm)

    @property
    def sentence_runs(self) -> bool:
        """Whether the decision reads sentences (templates, sentence runs): asked for,
        and on word shingles (sentences are cut and shingled as words)."""
        return self.sentences and self.shingle == "word"

    def params(self) -> dict:
        """Every parameter that changes results, with the derived LSH shape."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["bands"], out["rows"] = self.band_rows
        out["normalization_version"] = NORMALIZATION_VERSION
        return out

    @property
    def fingerprint(self) -> str:
        # Hashed under the threshold's first name, so outputs and indexes made before the
        # rename keep their fingerprint.
        params = {("containment" if k == "threshold" else k): v for k, v in self.params().items()}
        blob = json.dumps(params, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def replace(self, **changes) -> "Config":
        return Config(**{**asdict(self), **changes})


def _containment(self: Config) -> float:
    """Deprecated: the old name of `threshold`."""
    warnings.warn("Config.containment is deprecated; use Config.threshold", DeprecationWarning, stacklevel=2)
    return self.threshold


# After the dataclass is made: the InitVar above gave the class a `containment` default of None.
Config.containment = property(_containment)  # type: ignore[assignment]


@lru_cache(maxsize=64)  # ~50 ms of numpy per call: every Config(...) would pay it again
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands x rows whose S-curve best separates similarity below and above `threshold`.

    Minimises the area of false positives below the threshold plus false
    negatives above it, the same objective MinHashLSH uses, by a grid integral.
    """
    s = np.linspace(0.0, 1.0, 401)
    below, above = s <= threshold, s >= threshold
    best, best_err = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s**r) ** b
            err = np.trapezoid(p[below], s[below]) + np.trapezoid(1.0 - p[above], s[above])
            if err < best_err - 1e-12:
                best, best_err = (b, r), err
    return best
