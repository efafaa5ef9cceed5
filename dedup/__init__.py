"""dedup: near-duplicate paragraphs within and across articles.

    from dedup import Config, Document, scan
    result = scan([Document("a", text_a), Document("b", text_b)], Config(keep="longest"))
    result.clusters, result.drops, result.clean_text(0), result.stats

    from dedup import clean            # texts, records or a dataframe column in; columns out
    cleaned = clean(df, text_key="body")
    df.assign(body=cleaned.text)[cleaned.keep]
"""

from .config import Config
from .errors import ConfigError, DedupError, InputError, OutputError
from .outcome import Cluster, Drop
from .pipeline import scan
from .clean import Cleaned, clean
from .records import Document, Span
from .result import ScanResult

__version__ = "0.1.0"
__all__ = [
    "Config", "ConfigError", "DedupError", "InputError", "OutputError",
    "Document", "Span", "Cluster", "Drop", "ScanResult", "scan", "clean", "Cleaned", "__version__",
]
