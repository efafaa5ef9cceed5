"""The planted kinds for sentence-run removal and for "templates and quotes are not copies".

Planted by generate.Generator after its base kinds, with the generator's second
random generator (`gen.rng2`), so the base kinds' events do not change. Same
labelling as there: a copied sentence keeps its source's label, anything new gets
a label of its own. Each event is also recorded (kind, its units, a few facts
such as the copied share) in the corpus meta, for tests and diagnosis.

Copies (resolved = not both the copy and its source kept):

- subpara_copy: a new paragraph opening with a run of 2+ consecutive sentences of
  a paragraph (3+ sentences) of another article, then new sentences (held-out
  articles; subpara_new); the copied share of its words is drawn from 0.35-0.70;
  the source paragraph's other sentences become subpara_rest;
- subpara_middle: the same with the copied run between new sentences;
- recut: 5-8 consecutive sentences of an article (2+ paragraphs) copied into
  another one, re-paragraphed with cuts in the middle of the old paragraphs;
- glued_reprint: 3-5 consecutive paragraphs of an article glued into one block
  inside another article;
- heavy_ocr: a paragraph copied into another article with a character error in
  12-20 % of its words;
- abridged: 2-4 consecutive paragraphs (5-10 sentences) copied with 30 % of the
  sentences left out;
- reordered: 2+ consecutive paragraphs (4-8 sentences) copied with the sentences
  shuffled and regrouped in paragraphs of the source's sizes;
- list_copy: a list of 5-10 lines of 8-15 words without sentence punctuation
  (list_item; made of held-out sentences) copied into another article, the bullet
  sometimes changed.

Hard negatives (each unit its own label; they must not be removed):

- quote_para: `As <who> put it, "<a sentence of another article's paragraph>"`
  (unit kind quote_para, 60-80 % of the paragraph's words) then a new sentence
  (quote_own); the quoted sentence's own unit becomes quote_source;
- template_report: 1-2 weather / market / sports / appointment report lines, each
  its own paragraph; the lines of one event share the bulletin's values (sky and
  winds, the index's close, venue and day) and differ in names and a number or two;
- table_rows: a table of 20-60 rows (glyph coverage or package lists);
- release_headers: 2-4 changelog sections, a header each (release_headers) and
  2-4 bullet lines (release_notes);
- env_vars: 2-4 environment-variable descriptions from one or two templates;
- copyright_stanza: 2-4 `Copyright (C) years holder <mail>` / `License:` stanzas.

Template lines are generated (names and numbers drawn at random) and never
repeat within a corpus.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import noise
from .articles import OUTLETS, Art, Para, U, nwords

if TYPE_CHECKING:  # annotations only: generate.py imports this module
    from .generate import Generator

SUBPARA_SHARE = (0.35, 0.70)  # copied share (words) of a subpara_* paragraph
QUOTE_SHARE = (0.60, 0.80)  # quoted sentence's share (words) of a quote_para paragraph
OCR_WORD_RATE = (0.12, 0.20)  # share of a heavy_ocr copy's words with a character error
ABRIDGE_SHARE = 0.30  # sentences left out of an abridged copy
COPY_RUNS = ("recut", "glued_reprint", "abridged", "reordered")

_SENT_PUNCT = re.compile(r"[.!?;:\"\u201c\u201d]")


# -- places ------------------------------------------------------------------------
def _targets(gen: Generator, not_: Art | None = None) -> list[Art]:
    return [b for b in gen.arts if b is not not_ and b.source != "reprint"]


def _insert_block(gen: Generator, b: Art, paras: list[Para], rng: random.Random) -> None:
    """Insert `paras` one after another at a random position of `b`."""
    at = rng.randrange(len(b.paras) + 1)
    b.paras[at:at] = paras
    b.touched = True


def _free_run(gen: Generator, rng: random.Random, min_paras: int, max_paras: int, min_sents: int, max_sents: int,
              ok: Callable[[list[Para]], bool] = lambda run: True) -> tuple[Art, list[Para]] | None:
    """A run of consecutive free paragraphs (no copy, not used) of one base article."""
    arts = [a for a in gen.arts if a.source != "reprint" and len(a.paras) >= min_paras]
    for _ in range(300):
        a = rng.choice(arts)
        i = rng.randrange(len(a.paras))
        run: list[Para] = []
        for p in a.paras[i:]:
            if p.used or any(u.src is not None for u in p.units) or p.lead or p.wrap:
                break
            run.append(p)
            n = sum(len(q.units) for q in run)
            if len(run) >= min_paras and n >= min_sents:
                break  # long enough
            if len(run) >= max_paras:
                break
        n = sum(len(q.units) for q in run)
        if min_paras <= len(run) <= max_paras and min_sents <= n <= max_sents and ok(run):
            return a, run
    return None


def _free_para(gen: Generator, rng: random.Random, min_units: int = 1, min_words: int = 12) -> tuple[Art, Para] | None:
    found = gen._free(min_words=min_words, min_units=min_units, rng=rng)
    if found and found[0].source == "reprint":
        return None
    return found


def _copy(units: list[U], kind: str, edit: Callable[[str], str] | None = None) -> list[U]:
    return [U(u.label, edit(u.text) if edit else u.text, kind, u) for u in units]


# -- new sentences (held out of the corpus) ----------------------------------------
def _fill(gen: Generator, rng: random.Random, copied: int, share: float, min_new: int,
          bounds: tuple[float, float] = SUBPARA_SHARE, max_new: int = 6) -> list[str] | None:
    """Held-out sentences whose words make `copied` about `share` of the total (within `bounds`)."""
    need = copied * (1 - share) / share
    pool = gen.spare[-120:]
    chosen: list[str] = []
    have = 0
    while len(chosen) < max_new:
        rest = [s for s in pool if s not in chosen]
        if not rest:
            break
        slots = max(1, min_new - len(chosen))
        want = (need - have) / slots
        best = min(rest, key=lambda s: abs(nwords(s) - want))
        if len(chosen) >= min_new and abs(need - have - nwords(best)) >= abs(need - have):
            break
        chosen.append(best)
        have += nwords(best)
    if len(chosen) < min_new or not bounds[0] <= copied / (copied + have) <= bounds[1]:
        return None
    for s in chosen:
        gen.spare.remove(s)
    return chosen


def _fragments(gen: Generator, rng: random.Random, n: int) -> list[str] | None:
    """`n` list lines of 8-15 words cut from held-out sentences (at most two a sentence), no sentence punctuation."""
    out: list[str] = []
    used: list[str] = []
    for s in reversed(gen.spare):
        words = [w for w in _SENT_PUNCT.sub("", s).split() if any(c.isalnum() for c in w)]
        start = 0
        for _ in range(2):
            k = rng.randint(8, 15)
            if len(words) - start < k or len(out) == n:
                break
            line = " ".join(words[start : start + k]).strip(",")
            out.append(line[0].upper() + line[1:])
            start += k
        used.append(s)
        if len(out) == n:
            break
    if len(out) < n:
        return None
    for s in used:
        gen.spare.remove(s)
    return out


# -- copies ------------------------------------------------------------------------
def subpara(gen: Generator, kind: str, rng: random.Random) -> bool:
    for _ in range(20):
        # The source paragraph says more than the run (3+ sentences, the run 2+ of them): then
        # neither paragraph holds the other, and only removing the run resolves the copy
        # without losing the new sentences (subpara_new) or the source's rest (subpara_rest).
        found = _free_para(gen, rng, min_units=3)
        if not found:
            return False
        a, p = found
        n = len(p.units)
        i, j = rng.choice([(i, j) for i in range(n) for j in range(i + 2, n + 1) if j - i < n])
        run = p.units[i:j]
        copied = sum(nwords(u.text) for u in run)
        new = _fill(gen, rng, copied, rng.uniform(*SUBPARA_SHARE), 1 if kind == "subpara_copy" else 2)
        if new is None:
            continue
        fresh = [U(gen.label(), s, "subpara_new") for s in new]
        copies = _copy(run, kind)
        if kind == "subpara_copy":
            units = copies + fresh
        else:
            cut = rng.randint(1, len(fresh) - 1)
            units = fresh[:cut] + copies + fresh[cut:]
        for u in p.units[:i] + p.units[j:]:
            u.kind = "subpara_rest"
        p.used = a.touched = True
        b = rng.choice(_targets(gen, a))
        para = Para(units, used=True)
        gen._place(b, para, rng=rng)
        b.touched = True
        total = sum(nwords(u.text) for u in units)
        gen.events.append((kind, units, {"share": round(copied / total, 4), "source_units": len(p.units)}))
        return True
    return False


def recut(gen: Generator, rng: random.Random) -> bool:
    found = _free_run(gen, rng, 2, 8, 5, 8, ok=lambda run: any(len(p.units) >= 2 for p in run))
    if not found:
        return False
    a, run = found
    sents: list[U] = [u for p in run for u in p.units]
    cuts, pos = [], 0
    for p in run:  # cut each old paragraph of 2+ sentences about in its middle, never at its edges
        n = len(p.units)
        if n >= 2:
            cuts.append(pos + (n // 2 if n % 2 == 0 else rng.choice((n // 2, n // 2 + 1))))
        pos += n
    bounds = [0] + cuts + [len(sents)]
    copies = _copy(sents, "recut")
    paras = [Para(copies[x:y], used=True) for x, y in zip(bounds, bounds[1:]) if y > x]
    for p in run:
        p.used = True
    a.touched = True
    _insert_block(gen, rng.choice(_targets(gen, a)), paras, rng)
    gen.events.append(("recut", copies, {"old_sizes": [len(p.units) for p in run], "new_sizes": [len(p.units) for p in paras]}))
    return True


def glued_reprint(gen: Generator, rng: random.Random) -> bool:
    want = rng.randint(3, 5)
    found = _free_run(gen, rng, want, want, want, 20)
    if not found:
        return False
    a, run = found
    copies = _copy([u for p in run for u in p.units], "glued_reprint")
    for p in run:
        p.used = True
    a.touched = True
    b = rng.choice(_targets(gen, a))
    gen._place(b, Para(copies, used=True), rng=rng)
    b.touched = True
    gen.events.append(("glued_reprint", copies, {"paragraphs": len(run)}))
    return True


def heavy_ocr(gen: Generator, rng: random.Random) -> bool:
    found = _free_para(gen, rng)
    if not found:
        return False
    a, p = found
    # the paragraph's share of words with an error drawn from OCR_WORD_RATE, spread over its sentences
    sizes = [len(u.text.split(" ")) for u in p.units]
    words = sum(sizes)
    lo, hi = math.ceil(OCR_WORD_RATE[0] * words), math.floor(OCR_WORD_RATE[1] * words)
    total = min(hi, max(lo, round(rng.uniform(*OCR_WORD_RATE) * words)))
    slots = sorted(rng.sample(range(words), total))
    errors, copies, start = 0, [], 0
    for u, n in zip(p.units, sizes):
        text, e = noise.ocr_words(u.text, rng, sum(start <= s < start + n for s in slots))
        start += n
        errors += e
        copies.append(U(u.label, text, "heavy_ocr", u))
    p.used = a.touched = True
    b = rng.choice(_targets(gen, a))
    gen._place(b, Para(copies, used=True), rng=rng)
    b.touched = True
    gen.events.append(("heavy_ocr", copies, {"word_error_share": round(errors / words, 4)}))
    return True


def abridged(gen: Generator, rng: random.Random) -> bool:
    found = _free_run(gen, rng, 2, 4, 5, 10)
    if not found:
        return False
    a, run = found
    n = sum(len(p.units) for p in run)
    gone = set(rng.sample(range(n), round(ABRIDGE_SHARE * n)))
    paras, k = [], 0
    for p in run:
        keep = []
        for u in p.units:
            if k not in gone:
                keep.append(u)
            k += 1
        if keep:
            paras.append(Para(_copy(keep, "abridged"), used=True))
        p.used = True
    a.touched = True
    _insert_block(gen, rng.choice(_targets(gen, a)), paras, rng)
    copies = [u for p in paras for u in p.units]
    gen.events.append(("abridged", copies, {"source_sentences": n, "left_out": len(gone)}))
    return True


def reordered(gen: Generator, rng: random.Random) -> bool:
    found = _free_run(gen, rng, 2, 6, 4, 8)
    if not found:
        return False
    a, run = found
    sents = [u for p in run for u in p.units]
    order = list(range(len(sents)))
    for _ in range(20):
        rng.shuffle(order)
        if order != sorted(order):
            break
    shuffled = _copy([sents[i] for i in order], "reordered")
    paras, pos = [], 0
    for p in run:
        paras.append(Para(shuffled[pos : pos + len(p.units)], used=True))
        pos += len(p.units)
        p.used = True
    a.touched = True
    _insert_block(gen, rng.choice(_targets(gen, a)), paras, rng)
    gen.events.append(("reordered", shuffled, {"order": order}))
    return True


def list_copy(gen: Generator, rng: random.Random) -> bool:
    lines = _fragments(gen, rng, rng.randint(5, 10))
    if lines is None:
        return False
    bullet = rng.choice(["- ", "* ", "\u2022 ", ""])
    items = [U(gen.label(), bullet + line, "list_item") for line in lines]
    arts = _targets(gen)
    a = rng.choice(arts)
    gen._place(a, Para(items, sep="\n", used=True), rng=rng)
    other = bullet if rng.random() < 0.5 else rng.choice(["- ", "* ", "\u2022 ", ""])
    copies = [U(u.label, other + u.text[len(bullet):], "list_copy", u) for u in items]
    b = rng.choice(_targets(gen, a))
    gen._place(b, Para(copies, sep="\n", used=True), rng=rng)
    a.touched = b.touched = True
    gen.events.append(("list_copy", copies, {"sources": items}))
    return True


# -- hard negatives ----------------------------------------------------------------
WHO = [name for name, _, _ in OUTLETS] + [
    "the Prime Minister", "one analyst", "a police spokesman", "the union's secretary", "the Opposition Leader",
    "a senior official", "the minister", "one witness",
]


def quote_para(gen: Generator, rng: random.Random) -> bool:
    for _ in range(30):
        found = _free_para(gen, rng, min_units=2)
        if not found:
            return False
        a, p = found
        cands = [u for u in p.units if nwords(u.text) >= 16 and '"' not in u.text and u.text[-1] in ".!?"]
        if not cands:
            continue
        q = rng.choice(cands)
        who = rng.choice(WHO)
        head = f'As {who} put it, "{q.text}"'
        quoted = nwords(q.text)
        # own words N: quoted / (quoted + prefix + N) near the drawn share
        share = rng.uniform(*QUOTE_SHARE)
        need = quoted / share - nwords(head)
        pool = [s for s in gen.spare[-150:] if '"' not in s] or gen.spare[-150:]
        if not pool:
            return False
        own = min(pool, key=lambda s: abs(nwords(s) - need))
        total = nwords(head) + nwords(own)
        if not QUOTE_SHARE[0] <= quoted / total <= QUOTE_SHARE[1]:
            continue
        gen.spare.remove(own)
        units = [U(gen.label(), head, "quote_para"), U(gen.label(), own, "quote_own")]
        q.kind = "quote_source"
        p.used = a.touched = True
        b = rng.choice(_targets(gen, a))
        gen._place(b, Para(units, used=True), rng=rng)
        b.touched = True
        gen.events.append(("quote_para", units, {"sources": [q], "quote_share": round(quoted / total, 4)}))
        return True
    return False


CITIES = ["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Hobart", "Darwin", "Canberra", "Cairns",
          "Townsville", "Newcastle", "Wollongong", "Geelong", "Alice Springs", "Ballarat", "Launceston"]
SKIES = ["fine and sunny", "partly cloudy", "showers clearing", "morning fog, then sunny", "isolated thunderstorms",
         "mostly cloudy with drizzle", "windy with showers", "hot and dry", "a shower or two"]
WINDS = ["north-easterly", "southerly", "westerly", "south-westerly", "easterly", "north-westerly", "south-easterly"]
COMPANIES = ["BHP", "CBA", "Westpac", "NAB", "ANZ", "Telstra", "Woolworths", "Wesfarmers", "Rio Tinto", "Qantas",
             "Woodside", "CSL", "Macquarie", "Fortescue", "Santos", "Coles"]
TEAMS = ["Collingwood", "Carlton", "Essendon", "Richmond", "Geelong", "Hawthorn", "Sydney", "Brisbane", "Adelaide",
         "Fremantle", "St Kilda", "Melbourne", "North Melbourne", "West Coast", "Port Adelaide", "the Western Bulldogs"]
VENUES = ["the MCG", "the SCG", "the Gabba", "Docklands", "Subiaco", "Football Park", "Kardinia Park", "Manuka Oval"]
FIRST = ["John", "Mary", "Peter", "Susan", "David", "Helen", "Michael", "Anne", "Robert", "Karen", "James", "Linda",
         "Andrew", "Julie", "Paul", "Margaret", "Mark", "Sarah", "Stephen", "Emma", "Owen", "Ines", "Ravi", "Mei"]
LAST = ["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Kelly", "Ryan", "Martin", "Walker",
        "Harris", "Lee", "Thompson", "White", "Clarke", "Chen", "Murphy", "Hughes", "Fraser", "Novak", "Okafor"]
ROLES = ["chief executive", "chairman", "managing director", "chief financial officer", "director", "president"]
ORGS = ["the Australian Wheat Board", "Qantas", "the Reserve Bank", "the ABC", "Telstra", "the Sydney Opera House Trust",
        "the Australian Cricket Board", "the National Gallery", "Woolworths", "the CSIRO", "the Australian Stock Exchange"]
DAYS = ["Saturday", "Sunday", "Friday night", "Monday", "Thursday night"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _report_context(family: str, rng: random.Random) -> dict:
    """What one event's lines share (one bulletin: the day's weather, the market's close, a round)."""
    w1 = rng.randrange(5, 35, 5)
    return {"sky": rng.choice(SKIES), "wind": rng.choice(WINDS), "w1": w1, "w2": w1 + rng.randrange(10, 25, 5),
            "top": rng.randint(14, 39), "move": rng.choice(["up", "down"]), "pct": rng.randint(1, 19) / 10,
            "index": f"{rng.randint(2900, 3600):,}.{rng.randint(0, 9)}", "venue": rng.choice(VENUES),
            "day": rng.choice(DAYS), "org": rng.choice(ORGS), "month": rng.choice(MONTHS)}


def _report_line(family: str, rng: random.Random, c: dict) -> str:
    """A report line from the family's template: names and a number or two drawn, the rest from `c`."""
    if family == "weather":
        # neighbouring towns often get the same forecast: then only the town differs
        if "low" not in c or rng.random() < 0.6:
            c["t"] = c["top"] + rng.randint(-4, 4)
            c["low"] = c["t"] - rng.randint(5, 15)
        return (f"{rng.choice(CITIES)}: {c['sky']}, top temperature {c['t']} degrees, overnight low "
                f"{c['low']}, winds {c['wind']} {c['w1']} to {c['w2']} km/h.")
    if family == "market":
        a, b = rng.sample(COMPANIES, 2)
        return (f"The ASX 200 closed {c['move']} {c['pct']} per cent at {c['index']} points, with {a} gaining "
                f"{rng.randint(1, 40) / 10} per cent and {b} down {rng.randint(1, 40) / 10} per cent.")
    if family == "sports":
        x, y = rng.sample(TEAMS, 2)
        g2, b2 = rng.randint(6, 14), rng.randint(5, 15)
        g1, b1 = g2 + rng.randint(1, 6), rng.randint(6, 18)
        return (f"{x} {g1}.{b1} ({g1 * 6 + b1}) defeated {y} {g2}.{b2} ({g2 * 6 + b2}) at {c['venue']} on "
                f"{c['day']}, with {_name(rng)} kicking {rng.randint(2, 8)} goals.")
    return (f"{_name(rng)} has been appointed {rng.choice(ROLES)} of {c['org']}, replacing {_name(rng)}, "
            f"who retires in {c['month']} after {rng.randint(3, 25)} years in the role.")


def _unique(gen: Generator, make: Callable[[], str], tries: int = 50) -> str | None:
    for _ in range(tries):
        text = make()
        if text not in gen.seen:
            gen.seen.add(text)
            return text
    return None


def _plant_lines(gen: Generator, rng: random.Random, kind: str, groups: list[list[tuple[str, str]]], sep: str) -> bool:
    """Insert one block of paragraphs, each a list of (unit kind, text) joined by `sep`, into a base article."""
    b = rng.choice(_targets(gen))
    paras = [Para([U(gen.label(), t, k) for k, t in g], sep=sep, used=True) for g in groups]
    _insert_block(gen, b, paras, rng)
    gen.events.append((kind, [u for p in paras for u in p.units], {}))
    return True


def template_report(gen: Generator, rng: random.Random) -> bool:
    family = rng.choice(["weather", "market", "sports", "appointment"])
    ctx = _report_context(family, rng)
    lines = [_unique(gen, lambda: _report_line(family, rng, ctx)) for _ in range(rng.randint(1, 2))]
    if None in lines:
        return False
    return _plant_lines(gen, rng, "template_report", [[("template_report", t)] for t in lines], " ")


FONTS = ["Sans", "Sans Bold", "Sans Oblique", "Sans Bold Oblique", "Serif", "Serif Bold", "Serif Italic", "Mono",
         "Mono Bold", "Sans Condensed"]
PKG_PARTS = (["lib", "python3-", "gir1.2-", "", "", "fonts-"],
             ["glib", "gtk", "pango", "cairo", "xml", "ssl", "curl", "png", "jpeg", "x11", "gnutls", "sqlite",
              "harfbuzz", "freetype", "dbus", "udev", "systemd", "nss", "krb5", "pam", "gdk-pixbuf", "atk"],
             ["", "2.0-0", "-3-0", "6", "1", "-dev", "-common", "-bin", "-data", "3"])


def table_rows(gen: Generator, rng: random.Random) -> bool:
    n = rng.randint(20, 60)
    rows: list[str] = []
    if rng.random() < 0.5:  # glyph coverage, as in a font's status file
        cp = rng.randrange(0x0100, 0x2F00)
        fonts = rng.sample(FONTS, rng.randint(2, 4))
        ver = f"2.{rng.randint(0, 30)}"
        while len(rows) < n:
            cp += rng.choice((1, 1, 1, 2, 3))
            if rng.random() < 0.2:
                fonts = sorted(rng.sample(FONTS, rng.randint(1, 4)), key=FONTS.index)
            if rng.random() < 0.1:
                ver = f"2.{rng.randint(0, 30)}"
            row = f"U+{cp:04x} uni{cp:04X} {ver} ({', '.join(sorted(fonts, key=FONTS.index))})"
            if row not in gen.seen:
                gen.seen.add(row)
                rows.append(row)
    else:  # installed packages: name, version, architecture, size
        tries = 0
        while len(rows) < n and tries < 1000:
            tries += 1
            pre, mid, post = (rng.choice(x) for x in PKG_PARTS)
            row = (f"{pre}{mid}{post} {rng.randint(0, 4)}.{rng.randint(0, 80)}.{rng.randint(0, 20)}-{rng.randint(1, 9)}"
                   f" {rng.choice(['amd64', 'all', 'i386', 'arm64'])} {rng.randint(12, 9000):,} kB")
            if row not in gen.seen:
                gen.seen.add(row)
                rows.append(row)
        if len(rows) < n:
            return False
    return _plant_lines(gen, rng, "table_rows", [[("table_rows", r) for r in rows]], "\n")


PROJECTS = ["GLib", "GTK", "at-spi2-core", "Pango", "libsoup", "gnome-shell", "NetworkManager", "PulseAudio", "cairo",
            "fontconfig", "HarfBuzz", "librsvg", "GStreamer", "libxml2", "Mutter", "gvfs", "dconf", "json-glib"]
VERBS = ["Fix", "Fix a crash in", "Fix a memory leak in", "Add", "Improve", "Remove", "Port", "Document",
         "Deprecate", "Speed up", "Handle errors in", "Avoid a race in"]
OBJECTS = ["{f}()", "the {n} parser", "{n} support", "the {n} backend", "the build with {b}", "{n} handling in {f}()",
           "introspection annotations for {f}()", "the {n} test suite"]
NOUNS = ["utf8", "variant", "keyfile", "bookmark", "unix socket", "dbus", "settings", "resource", "regex", "uri",
         "datetime", "thread pool", "main loop", "mapped file", "cursor theme", "accessibility", "clipboard", "font"]
BUILDS = ["meson 0.60", "clang 14", "MSVC", "gcc 12", "musl", "-Werror", "LTO", "cross compilation"]
LANGS = ["Basque", "Catalan", "Czech", "Danish", "Dutch", "Finnish", "French", "Galician", "German", "Greek",
         "Hungarian", "Indonesian", "Italian", "Japanese", "Korean", "Lithuanian", "Polish", "Portuguese", "Russian",
         "Serbian", "Slovenian", "Spanish", "Swedish", "Turkish", "Ukrainian"]


def _func(rng: random.Random) -> str:
    return (f"{rng.choice(['g', 'gtk', 'pango', 'soup', 'atk', 'gdk', 'cairo'])}_"
            f"{rng.choice(NOUNS).replace(' ', '_')}_{rng.choice(['new', 'get_type', 'parse', 'free', 'lookup', 'set_value', 'unref', 'iter_next'])}")


def _note(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return "- Updated translations: " + ", ".join(sorted(rng.sample(LANGS, rng.randint(3, 9))))
    obj = rng.choice(OBJECTS).format(f=_func(rng), n=rng.choice(NOUNS), b=rng.choice(BUILDS))
    bug = f" (#{rng.randint(100, 99999)})" if rng.random() < 0.7 else ""
    return f"- {rng.choice(VERBS)} {obj}{bug}"


def release_headers(gen: Generator, rng: random.Random) -> bool:
    project = rng.choice(PROJECTS)
    major, minor, micro = rng.randint(0, 3), rng.randrange(0, 80, 2) + rng.randint(0, 1), rng.randint(3, 12)
    style = rng.randrange(3)
    groups = []
    for k in range(rng.randint(2, 4)):  # newest first, as NEWS files are
        new, old = f"{major}.{minor}.{micro - k}", f"{major}.{minor}.{micro - k - 1}"
        header = [f"Overview of Changes from {project} {old} to {project} {new}", f"What's new in {project} {new}:",
                  f"{project} {new} ({rng.randint(2004, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d})"][style]
        header = _unique(gen, lambda: header, tries=1)
        notes = [_unique(gen, lambda: _note(rng)) for _ in range(rng.randint(2, 4))]
        if header is None or None in notes:
            return False
        groups.append([("release_headers", header)] + [("release_notes", t) for t in notes])
    return _plant_lines(gen, rng, "release_headers", groups, "\n")


LIBS = ["GTK", "GDK", "GSK", "GLIB", "GIO", "PANGO", "CLUTTER", "COGL", "MUTTER", "GST", "SOUP", "ATK", "GEGL", "WEBKIT"]
ENV_SUFFIX = ["DEBUG", "TRACE", "VERBOSE", "PROFILE", "LOG", "DEBUG_FLAGS"]
ENV_OPTS = ["debug", "trace", "profiling", "verbose", "logging"]
ENV_INFO = ["debugging", "tracing", "timing", "diagnostic", "rendering", "event"]


def _env_line(rng: random.Random) -> str:
    lib = rng.choice(LIBS)
    var = f"{lib}_{rng.choice(ENV_SUFFIX)}"
    if rng.random() < 0.7:
        return (f"{var}: Set this variable to a list of {rng.choice(ENV_OPTS)} options, which cause {lib.title()} "
                f"to print out different types of {rng.choice(ENV_INFO)} information.")
    return (f"{var}: If set, {lib.title()} prints {rng.choice(ENV_INFO)} information about "
            f"{rng.choice(NOUNS)} handling to standard error.")


def _new_env_line(gen: Generator, rng: random.Random) -> str | None:
    """An env line for a variable no other line of the corpus describes: two descriptions
    of one variable differing in a word are an edited copy, not a filled-in template."""
    for _ in range(50):
        line = _env_line(rng)
        var = "env:" + line.split(":", 1)[0]
        if var not in gen.seen:
            gen.seen.add(var)
            return line
    return None


def env_vars(gen: Generator, rng: random.Random) -> bool:
    lines = [_new_env_line(gen, rng) for _ in range(rng.randint(2, 4))]
    if None in lines:
        return False
    return _plant_lines(gen, rng, "env_vars", [[("env_vars", t)] for t in lines], " ")


LICENSES = ["GPL-2+", "GPL-2", "GPL-3+", "LGPL-2.1+", "LGPL-2+", "MIT", "BSD-3-clause", "Apache-2.0", "MPL-2.0", "Expat"]
DOMAINS = ["example.org", "example.com", "gnome.org", "debian.org", "kernel.org", "freedesktop.org", "redhat.com"]


def _stanza(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    y0 = rng.randint(1995, 2020)
    years = f"{y0}-{y0 + rng.randint(1, 8)}" if rng.random() < 0.7 else str(y0)
    mail = f"{first.lower()}{rng.choice(['.', '', '_'])}{last.lower()}@{rng.choice(DOMAINS)}"
    lead = "Copyright (C)" if rng.random() < 0.5 else "Copyright:"
    return f"{lead} {years} {first} {last} <{mail}>\nLicense: {rng.choice(LICENSES)}"


def copyright_stanza(gen: Generator, rng: random.Random) -> bool:
    lines = [_unique(gen, lambda: _stanza(rng)) for _ in range(rng.randint(2, 4))]
    if None in lines:
        return False
    return _plant_lines(gen, rng, "copyright_stanza", [[("copyright_stanza", t)] for t in lines], " ")


PLANTERS: dict[str, Callable[[Generator, random.Random], bool]] = {
    "subpara_copy": lambda g, r: subpara(g, "subpara_copy", r),
    "subpara_middle": lambda g, r: subpara(g, "subpara_middle", r),
    "recut": recut, "glued_reprint": glued_reprint, "heavy_ocr": heavy_ocr, "abridged": abridged,
    "reordered": reordered, "list_copy": list_copy, "quote_para": quote_para, "template_report": template_report,
    "table_rows": table_rows, "release_headers": release_headers, "env_vars": env_vars,
    "copyright_stanza": copyright_stanza,
}


def plant(gen: Generator, kind: str) -> bool:
    return PLANTERS[kind](gen, gen.rng2)
