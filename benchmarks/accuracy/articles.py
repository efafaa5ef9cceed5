"""The corpus model the accuracy generator builds: articles of paragraphs of labelled
units, and the outlets they appear in (used by generate.py and events.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

OUTLETS = [
    ("The Daily Courier", "dailycourier.example", "SYDNEY"),
    ("Harbour Wire", "harbourwire.example", "MELBOURNE"),
    ("Northern Herald", "northernherald.example", "BRISBANE"),
    ("Pacific Press Service", "pps.example", "CANBERRA"),
]


@dataclass(eq=False)
class U:
    label: int
    text: str
    kind: str
    src: "U | None" = None


@dataclass(eq=False)
class Para:
    units: list[U]
    sep: str = " "
    wrap: int | None = None
    lead: str = ""
    used: bool = False


@dataclass(eq=False)
class Art:
    paras: list[Para]
    layout: str  # "blank": blank line between paragraphs; "lines": one newline
    source: str = ""
    header: list[Para] = field(default_factory=list)
    footer: list[Para] = field(default_factory=list)
    touched: bool = False


def nwords(text: str) -> int:
    """Words as a reader counts them (a URL is one)."""
    return len(text.split())
