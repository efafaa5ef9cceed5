"""clean(): a scan of texts, records or a dataframe's column, answered as columns in
input order, ready to add to the frame or dataset they came from.

    cleaned = clean(df, text_key="body")
    df.assign(body=cleaned.text)[cleaned.keep]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .annotate import annotations
from .config import Config
from .inputs import as_documents
from .pipeline import scan
from .result import ScanResult


@dataclass
class Cleaned:
    """What clean() returns. `keep[i]`: document i is not a duplicate article (some span
    it has long enough to be judged was kept); `text[i]`: its clean text; `annotations`
    (with annotate=True): what was removed from it (see dedup.annotate). All in input
    order, one entry per input row."""

    result: ScanResult
    keep: np.ndarray  # bool
    text: list[str]
    annotations: list[dict] | None = None


def clean(
    data: Any, config: Config | None = None, *, text_key: str = "text", id_key: str = "id",
    annotate: bool = False, jobs: int = 1, spill: str | os.PathLike | None = None,
) -> Cleaned:
    """Scan `data` (anything dedup.inputs.as_documents takes: texts, (id, text) pairs,
    mappings, Documents, a pandas/polars/Arrow column or frame, a datasets.Dataset) and
    return the result with a keep mask and the clean texts as columns."""
    result = scan(as_documents(data, text_key=text_key, id_key=id_key), config, jobs=jobs, spill=spill, sample_pairs=False)
    n = len(result.documents)
    return Cleaned(
        result, ~result.duplicate_documents(), list(result.clean_texts(range(n))),
        annotations(result) if annotate else None,
    )
