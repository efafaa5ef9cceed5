"""The HTML report: one self-contained page (inline CSS, JS and SVG; no network) that shows
what a scan removed and why.

Input is what clusters.jsonl holds (cluster records, see writers.cluster_records),
plus, when known, the stats dict and the borderline pairs of a scan
(`pair_data`). Every piece of article text goes through html.escape here, at
build time; the page's script only pages through these pre-escaped fragments,
so an article holding `<script>` shows it as text.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .. import __version__
from ..config import Config
from ..io.writers import cluster_records, span_ref
from ..result import ScanResult
from ..shown import SHOWN
from . import align, borderline

# Clusters shown: the largest ones first. Past this the page says how many were left out.
MAX_CLUSTERS = 10_000
# Dropped members shown side by side with the kept span in one cluster; the rest are listed.
MAX_SIDE_BY_SIDE = 10
CLUSTERS_PER_PAGE = 25
ARTICLES_PER_PAGE = 100
# Equal runs shorter than this many tokens between changes count as part of the change.
DIFF_MIN_EQUAL = 3


def esc(value) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Settings:
    """The scan options the page explains; `known` is False when only clusters.jsonl was given."""

    threshold: float
    keep: str | None
    lsh_threshold: float | None
    ngram: int | None
    fingerprint: str | None
    known: bool

    @classmethod
    def of(cls, stats: dict | None, threshold: float | None = None, keep: str | None = None) -> Settings:
        params = (stats or {}).get("parameters") or {}  # "containment": a stats file from before the rename
        if params:
            return cls(
                params.get("threshold", params.get("containment", Config.threshold)), params.get("keep"), params.get("lsh_threshold"),
                params.get("ngram"), (stats or {}).get("fingerprint"), True,
            )
        return cls(threshold if threshold is not None else Config.threshold, keep, None, None, None, False)


# ---------------------------------------------------------------- data from a scan


def pair_data(result: ScanResult) -> dict | None:
    """The scan's borderline pairs and below-threshold histograms, JSON-ready (None if not measured)."""
    sample = result.pairs
    if sample is None:
        return None
    cluster_of: dict[int, int] = {}
    for n, c in enumerate(result.clusters):
        for i in (c.kept, *c.dropped):
            cluster_of[i] = n

    def side(i: int) -> dict:
        return {**span_ref(result, i), "text": result.span_text(i), "cluster": cluster_of.get(i)}

    def verdict(p: borderline.PairMeasure) -> str:
        for x, y, name_x, name_y in ((p.a, p.b, "A", "B"), (p.b, p.a, "B", "A")):
            drop = result.drops.get(x)
            if drop is not None and drop.kept == y:
                return f"{name_x} dropped against {name_y} ({drop.reason})"
        if p.containment < sample.threshold:
            return "kept apart: below the threshold"
        a, b = p.a in result.drops, p.b in result.drops
        if a and b:
            return "both dropped, each against a third span that is kept"
        if not (a or b):
            return "both kept: neither is covered by the other enough to drop it"
        return f"{'A' if a else 'B'} dropped against a third span; {'B' if a else 'A'} kept"

    def pair(p: borderline.PairMeasure) -> dict:
        return {
            "a": side(p.a), "b": side(p.b), "jaccard": round(p.jaccard, 4),
            "a_in_b": round(p.a_in_b, 4), "b_in_a": round(p.b_in_a, 4), "verdict": verdict(p),
        }

    return {
        "threshold": sample.threshold,
        "verified": sample.verified,
        "below": [pair(p) for p in sample.below],
        "above": [pair(p) for p in sample.above],
        "below_containment": list(sample.below_containment),
        "below_jaccard": list(sample.below_jaccard),
    }


def page_bytes(page: str) -> bytes:
    """The page as UTF-8. A lone surrogate (a file name that is not UTF-8, or a JSON
    `"\\ud83d"` in an id or text) cannot be UTF-8: it is shown as its escape (`\\xff`)."""
    return page.encode("utf-8", SHOWN)


def render_result(result: ScanResult, title: str = "dedup report") -> str:
    """The report of a finished scan, with its stats and borderline pairs."""
    return render(cluster_records(result), stats=result.stats, pairs=pair_data(result), title=title)


# ---------------------------------------------------------------- text with diff marks


def marked(text: str, ws: list[align.Word], marks: list[str], diff_class: str) -> str:
    """`text` escaped, with runs of matching words and of differing words wrapped in spans."""
    runs: list[list] = []  # [class, start, end]; gaps between words of one run belong to it
    for w, m in zip(ws, marks):
        # Punctuation-only words continue the run they stand in.
        cls = "ms" if m == align.SAME else diff_class if m == align.DIFF else (runs[-1][0] if runs else None)
        if runs and runs[-1][0] == cls:
            runs[-1][2] = w.end
        else:
            runs.append([cls, w.start, w.end])
    out, pos = [], 0
    for cls, start, end in runs:
        out.append(esc(text[pos:start]))
        piece = esc(text[start:end])
        out.append(f'<span class="{cls}">{piece}</span>' if cls else piece)
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def side_by_side(
    left: dict, right: dict, left_head: str, right_head: str, right_foot: str = "", cache: dict | None = None
) -> str:
    """Two spans in columns; matching words green, words only on the left blue, only on the right red."""
    wl, wr = align.words(left["text"], cache), align.words(right["text"], cache)
    ml, mr = align.marks(wl, wr, DIFF_MIN_EQUAL)
    return (
        '<div class="pair">'
        f'<div class="side left"><div class="head">{left_head}</div>'
        f'<div class="text">{marked(left["text"], wl, ml, "mk")}</div></div>'
        f'<div class="side right"><div class="head">{right_head}</div>'
        f'<div class="text">{marked(right["text"], wr, mr, "mx")}</div>{right_foot}</div>'
        "</div>"
    )


# ---------------------------------------------------------------- page pieces


def _article_key(m: dict) -> tuple:
    return (str(m.get("source") or ""), m.get("line") or 0, str(m.get("doc")))


def _where(m: dict, articles: dict[tuple, int]) -> str:
    """`doc ¶span` linking to the article, with offsets."""
    a = articles.get(_article_key(m))
    name = esc(m.get("doc"))
    link = f'<a class="doc" href="#a{a}">{name}</a>' if a is not None else f'<span class="doc">{name}</span>'
    return f'{link} <span class="para">¶{esc(m.get("span"))}</span> <span class="off">chars {esc(m.get("start"))}–{esc(m.get("end"))}</span>'


def _policy(keep: str | None) -> str:
    if keep == "first":
        return "<code>--keep first</code> keeps the copy that comes first in input order"
    if keep == "longest":
        return "<code>--keep longest</code> keeps the longest copy (ties: input order)"
    return "the keep policy (<code>--keep</code>) picks one"


def why(m: dict, s: Settings) -> str:
    """Why a dropped member was dropped, in a sentence."""
    c, kc, t = m["containment"], m["kept_containment"], s.threshold
    if m["reason"] == "exact":
        return f"Exact copy: the same shingle set as the kept span (after normalisation). {_policy(s.keep).capitalize()}."
    if m["reason"] == "sentence-run":
        first, stop = m["sentences"]
        which = f"sentence {first + 1}" if stop == first + 1 else f"sentences {first + 1}–{stop}"
        return (
            f"Sentence run: {which} of this span, {m['covered']:.0%} of their shingles found in text kept before "
            f"them (most in the kept span, C = {c:.3f}); the rest of the span stays, byte for byte."
        )
    if m["reason"] == "covered":
        return (
            "Covered: every sentence of this span lies in text kept before it, across several kept spans "
            f"(C = {c:.3f} in the one shown, the one that holds most of it)."
        )
    if m["reason"] == "contained":
        return (
            f"Contained: {c:.0%} of this span lies in the kept span (C = {c:.3f} ≥ threshold {t}), and the kept "
            f"span is fuller (only {kc:.0%} of it lies here), so the fuller copy is kept whatever the keep policy."
        )
    return (
        f"Near-equal: C = {c:.3f} ≥ threshold {t} and neither copy is clearly fuller, so {_policy(s.keep)}."
    )


def _measures(m: dict) -> str:
    return (
        '<div class="measures">'
        f'<span title="share of this span found in the kept one">C(dropped→kept) <b>{m["containment"]:.3f}</b></span>'
        f'<span title="share of the kept span found in this one">C(kept→dropped) <b>{m["kept_containment"]:.3f}</b></span>'
        f'<span title="|A∩B| / |A∪B|">Jaccard <b>{m["jaccard"]:.3f}</b></span></div>'
    )


def cluster_html(rec: dict, s: Settings, articles: dict[tuple, int], cache: dict | None = None) -> str:
    members = rec["members"]
    kept = next((m for m in members if m.get("kept")), members[0])
    dropped = [m for m in members if m is not kept]
    reasons: dict[str, int] = {}
    for m in dropped:
        reasons[m["reason"]] = reasons.get(m["reason"], 0) + 1
    badges = "".join(f'<span class="badge {esc(r)}">{esc(r)} ×{n}</span>' for r, n in sorted(reasons.items()))
    cs = [m["containment"] for m in dropped]
    crange = f"C {min(cs):.2f}" + (f"–{max(cs):.2f}" if max(cs) != min(cs) else "") if cs else ""
    n = esc(rec["cluster"])
    parts = [
        f'<details class="cluster" id="c{n}" data-c="{n}"><summary>'
        f'<span class="cid">#{n}</span><span class="size">{len(members)} spans</span>{badges}'
        f'<span class="crange">{crange}</span>'
        f'<span class="keptdoc">kept: {esc(kept.get("doc"))} ¶{esc(kept.get("span"))}</span></summary>'
        '<div class="body">'
    ]
    kept_head = f'<span class="tag kept">kept</span> {_where(kept, articles)}'
    # Dropped copies with the very same text (boilerplate) are shown side by side once.
    same_text: dict[str, list[dict]] = {}
    for m in dropped:
        same_text.setdefault(m["text"], []).append(m)
    shown = [group[0] for group in list(same_text.values())[:MAX_SIDE_BY_SIDE]]
    for m in shown:
        head = f'<span class="tag drop">dropped · {esc(m["reason"])}</span> {_where(m, articles)}'
        copies = len(same_text[m["text"]]) - 1
        if copies:
            head += f' <span class="copies">+ {copies} more with this exact text (listed below)</span>'
        foot = _measures(m) + f'<p class="why">{why(m, s)}</p>'
        parts.append(side_by_side(kept, m, kept_head, head, foot, cache))
    shown_ids = {id(m) for m in shown}
    rest = [m for m in dropped if id(m) not in shown_ids]
    if rest:
        parts.append(
            f'<p class="note">{len(rest)} more dropped spans, not shown side by side:</p><table class="rest">'
            "<tr><th>span</th><th>reason</th><th>C(dropped→kept)</th><th>C(kept→dropped)</th><th>Jaccard</th></tr>"
        )
        for m in rest:
            parts.append(
                f'<tr><td>{_where(m, articles)}</td><td>{esc(m["reason"])}</td><td>{m["containment"]:.3f}</td>'
                f'<td>{m["kept_containment"]:.3f}</td><td>{m["jaccard"]:.3f}</td></tr>'
            )
        parts.append("</table>")
    parts.append("</div></details>")
    return "".join(parts)


def histogram_svg(series: list[tuple[str, str, list[int]]], marker: float | None, marker_label: str, xlabel: str) -> str:
    """Stacked bars over [0, 1]: series are (label, css class, counts per bin); a dashed line at `marker`."""
    bins = len(series[0][2])
    totals = [sum(c[k] for _, _, c in series) for k in range(bins)]
    top = max(totals) if any(totals) else 1
    nonzero = [t for t in totals if t]
    log = bool(nonzero) and top / min(nonzero) > 50  # a few huge bins would flatten the rest

    def height(v: float) -> float:
        return (math.log10(1 + v) / math.log10(1 + top) if log else v / top) * 150 if v else 0.0

    w, x0, y0, plot_w = 560, 44, 170, 500
    bw = plot_w / bins
    out = [f'<svg class="hist" viewBox="0 0 {w} 212" role="img" aria-label="{esc(xlabel)}">']
    for tick in range(0, 11, 2):
        x = x0 + plot_w * tick / 10
        out.append(f'<line class="grid" x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{y0}"/>')
        out.append(f'<text class="tick" x="{x:.1f}" y="{y0 + 15}" text-anchor="middle">{tick / 10:.1f}</text>')
    out.append(f'<text class="tick" x="{x0 - 6}" y="{y0 - 150 + 4}" text-anchor="end">{top}</text>')
    out.append(f'<text class="tick" x="{x0 - 6}" y="{y0 + 4}" text-anchor="end">0</text>')
    for k in range(bins):
        base = 0.0
        tips = []
        for label, cls, counts in series:
            v = counts[k]
            if not v:
                continue
            h_top = height(base + v)
            h_base = height(base)
            out.append(
                f'<rect class="{cls}" x="{x0 + k * bw + 0.5:.1f}" y="{y0 - h_top:.1f}" width="{bw - 1:.1f}" '
                f'height="{max(h_top - h_base, 0.8):.1f}"/>'
            )
            base += v
            tips.append(f"{v} {label}")
        if tips:
            lo, hi = k / bins, (k + 1) / bins
            out.append(
                f'<rect class="hit" x="{x0 + k * bw:.1f}" y="20" width="{bw:.1f}" height="{y0 - 20}">'
                f"<title>{lo:.2f}–{hi:.2f}: {esc(', '.join(tips))}</title></rect>"
            )
    out.append(f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0 + plot_w}" y2="{y0}"/>')
    if marker is not None:
        x = x0 + plot_w * marker
        anchor = "end" if marker > 0.75 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(f'<line class="marker" x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{y0}"/>')
        out.append(f'<text class="marker-label" x="{x + dx:.1f}" y="14" text-anchor="{anchor}">{esc(marker_label)}</text>')
    scale = " (log scale)" if log else ""
    out.append(f'<text class="xlabel" x="{x0 + plot_w / 2}" y="206" text-anchor="middle">{esc(xlabel)}{scale}</text>')
    out.append("</svg>")
    return "".join(out)


def _legend(series: list[tuple[str, str, list[int]]]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i class="sw {cls}"></i>{esc(label)} ({sum(c)})</span>' for label, cls, c in series
    ) + "</div>"


def similarity_section(records: list[dict], pairs: dict | None, s: Settings) -> str:
    dropped = [m for r in records for m in r["members"] if not m.get("kept")]
    hc = list(borderline.histogram([m["containment"] for m in dropped]))
    hj = list(borderline.histogram([m["jaccard"] for m in dropped]))
    cont = [("dropped spans", "bar-drop", hc)]
    jac = [("dropped spans", "bar-drop", hj)]
    if pairs is not None:
        cont.insert(0, ("verified pairs kept apart", "bar-apart", pairs["below_containment"]))
        jac.insert(0, ("verified pairs kept apart", "bar-apart", pairs["below_jaccard"]))
        note = (
            f"Grey: the {sum(pairs['below_containment'])} verified candidate pairs whose containment stayed below the "
            f"threshold (kept apart), by the larger of their two containments. Orange: dropped spans, by their "
            f"containment in (and Jaccard with) the kept span. Exact copies sit at 1.0."
        )
    else:
        note = (
            "Orange: dropped spans, by their containment in (and Jaccard with) the kept span; exact copies sit at 1.0. "
            "Pairs that stayed below the threshold are not in clusters.jsonl: run "
            "<code>dedup scan … --report report.html</code> to see them here."
        )
    lsh = s.lsh_threshold
    return (
        '<section id="similarity"><h2>Similarities</h2><div class="charts">'
        f'<figure><figcaption>Containment C(A→B) = |A∩B| / |A|</figcaption>'
        f'{histogram_svg(cont, s.threshold, f"threshold {s.threshold}", "containment")}{_legend(cont)}</figure>'
        f'<figure><figcaption>Jaccard J = |A∩B| / |A∪B|</figcaption>'
        f'{histogram_svg(jac, lsh, f"LSH tuned for J = {lsh}" if lsh is not None else "", "Jaccard")}{_legend(jac)}</figure>'
        f'</div><p class="note">{note}</p></section>'
    )


def borderline_section(pairs: dict | None, s: Settings, articles: dict[tuple, int]) -> str:
    head = '<section id="borderline"><h2>Borderline pairs</h2>'
    if pairs is None:
        return head + (
            '<p class="note">Borderline pairs (verified pairs just below and just above the threshold) are measured '
            "during a scan and are not stored in clusters.jsonl: run <code>dedup scan … --report report.html</code> "
            "to list them here.</p></section>"
        )
    m = borderline.MARGIN
    parts = [
        head,
        f'<p class="note">Verified candidate pairs within {m} of the threshold {s.threshold} (at most '
        f"{borderline.LIMIT} on each side, closest first), out of {pairs['verified']} verified pairs of distinct "
        "shingle sets. A pair counts as a duplicate when the smaller span's containment in the other reaches the "
        "threshold. Open a row to compare the spans.</p>",
    ]
    for key, title in (("below", "Just below the threshold: kept apart"), ("above", "Just above the threshold: duplicates")):
        rows = pairs[key]
        parts.append(f'<h3>{title} <span class="count">{len(rows)}</span></h3>')
        if not rows:
            parts.append(f'<p class="note">No verified pair within {m} {key} the threshold.</p>')
            continue
        parts.append('<div class="pairs">')
        for p in rows:
            c = max(p["a_in_b"], p["b_in_a"])
            summary = (
                f'<summary><span class="num">C {c:.3f}</span><span class="num">J {p["jaccard"]:.3f}</span>'
                f'<span class="who">A {_where(p["a"], articles)}</span><span class="who">B {_where(p["b"], articles)}</span>'
                f'<span class="verdict">{esc(p["verdict"])}</span></summary>'
            )
            foot = (
                f'<div class="measures"><span>C(A→B) <b>{p["a_in_b"]:.3f}</b></span>'
                f'<span>C(B→A) <b>{p["b_in_a"]:.3f}</b></span><span>Jaccard <b>{p["jaccard"]:.3f}</b></span></div>'
            )
            body = side_by_side(p["a"], p["b"], f'<span class="tag">A</span> {_where(p["a"], articles)}',
                                f'<span class="tag">B</span> {_where(p["b"], articles)}', foot)
            parts.append(f'<details class="bpair {key}">{summary}<div class="body">{body}</div></details>')
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def summary_section(records: list[dict], stats: dict | None, s: Settings) -> str:
    members = [m for r in records for m in r["members"]]
    dropped = [m for m in members if not m.get("kept")]
    reasons = {r: sum(m["reason"] == r for m in dropped) for r in ("exact", "near-equal", "contained")}
    docs = {_article_key(m) for m in members}
    cards: list[tuple[str, str]] = []
    if stats:
        cand = stats.get("candidates", {})
        cards += [
            ("articles", f"{stats.get('documents', 0):,}"),
            ("spans", f"{stats.get('spans', 0):,}"),
        ]
    cards += [
        ("clusters", f"{len(records):,}"),
        ("spans dropped", f"{len(dropped):,}"),
    ]
    if stats:
        cards += [
            ("duplicate ratio", f"{stats.get('duplicate_ratio', 0):.1%}"),
            ("duplicate articles", f"{stats.get('duplicate_documents', 0):,}"),
            ("candidate pairs", f"{cand.get('total', 0):,}"),
            ("LSH false positives", f"{cand.get('false_positives', 0):,}"),
        ]
    else:
        cards += [
            ("dropped characters", f"{sum(m['end'] - m['start'] for m in dropped):,}"),
            ("articles in clusters", f"{len(docs):,}"),
        ]
    cards += [(f"dropped: {r}", f"{n:,}") for r, n in reasons.items()]
    skipped = ((stats or {}).get("inputs") or {}).get("skipped") or []
    if skipped:
        cards.append(("inputs skipped", f"{len(skipped):,}"))
    cards.append(("largest cluster", f"{max((r['size'] for r in records), default=0):,} spans"))
    grid = "".join(f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>' for k, v in cards)
    if s.known:
        settings = (
            f"threshold (containment) <b>{esc(s.threshold)}</b> · keep <b>{esc(s.keep)}</b> · "
            f"{esc(s.ngram)}-word shingles · LSH tuned for Jaccard {esc(s.lsh_threshold)} · "
            f"fingerprint <code>{esc(s.fingerprint)}</code>"
        )
    else:
        settings = (
            f"threshold <b>{esc(s.threshold)}</b> (assumed: clusters.jsonl does not record the options; pass "
            "<code>--stats</code> with the scan's stats file to show them) · keep policy "
            f"<b>{esc(s.keep or 'unknown')}</b>"
        )
    return f'<section id="summary"><h2>Summary</h2><div class="cards">{grid}</div><p class="settings">{settings}</p></section>'


def article_rows(records: list[dict]) -> tuple[dict[tuple, int], list[str], list[str]]:
    """Articles that have spans in clusters: their anchor numbers, row HTML and filter keys."""
    per: dict[tuple, dict] = {}
    for r in records:
        for m in r["members"]:
            a = per.setdefault(_article_key(m), {"m": m, "clusters": [], "kept": 0, "dropped": 0})
            if r["cluster"] not in a["clusters"]:
                a["clusters"].append(r["cluster"])
            a["kept" if m.get("kept") else "dropped"] += 1
    keys = sorted(per)
    index = {k: n for n, k in enumerate(keys)}
    rows, filters = [], []
    for n, k in enumerate(keys):
        a, m = per[k], per[k]["m"]
        where = esc(m.get("source") or "") + (f":{esc(m['line'])}" if m.get("line") is not None else "")
        links = " ".join(f'<a href="#c{esc(c)}">#{esc(c)}</a>' for c in sorted(a["clusters"]))
        rows.append(
            f'<tr id="a{n}"><td class="doc">{esc(m.get("doc"))}</td><td class="src">{where}</td>'
            f'<td class="num">{a["kept"]}</td><td class="num">{a["dropped"]}</td><td class="links">{links}</td></tr>'
        )
        filters.append(f"{m.get('doc')} {m.get('source') or ''}".lower())
    return index, rows, filters


def _json_for_script(obj) -> str:
    """JSON safe inside <script>: '</' and '<!' escaped, so neither </script> nor <!-- can appear."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/").replace("<!", "\\u003c!")


def render(
    clusters: Iterable[dict], *, stats: dict | None = None, pairs: dict | None = None,
    threshold: float | None = None, keep: str | None = None, title: str = "dedup report",
    max_clusters: int = MAX_CLUSTERS,
) -> str:
    """The whole page. `threshold`/`keep` are used only when `stats` does not carry the parameters."""
    records = list(clusters)
    s = Settings.of(stats, threshold, keep)
    index, art_rows, art_keys = article_rows(records)
    ordered = sorted(records, key=lambda r: (-r["size"], r["cluster"]))
    shown = ordered[:max_clusters]
    cache: dict = {}
    cluster_items = [cluster_html(r, s, index, cache) for r in shown]
    cut = ""
    if len(ordered) > len(shown):
        cut = (
            f'<p class="note warn">Showing the {len(shown):,} largest of {len(ordered):,} clusters '
            "(the page stays responsive up to about 10,000); clusters.jsonl has them all.</p>"
        )
    data = {
        "clusters": cluster_items,
        "clusterIds": [r["cluster"] for r in shown],
        "articles": art_rows,
        "articleKeys": art_keys,
        "perPage": CLUSTERS_PER_PAGE,
        "articlesPerPage": ARTICLES_PER_PAGE,
    }
    body = (
        f'<header><h1>{esc(title)}</h1><nav><a href="#summary">Summary</a><a href="#similarity">Similarities</a>'
        '<a href="#clusters">Clusters</a><a href="#borderline">Borderline pairs</a><a href="#articles">Articles</a></nav></header>'
        "<main>"
        + summary_section(records, stats, s)
        + similarity_section(records, pairs, s)
        + '<section id="clusters"><h2>Clusters <span class="count">' + f"{len(records):,}" + "</span></h2>"
        + '<p class="note">Largest first. Each dropped span is shown beside the kept span it was dropped against: '
        '<span class="ms">matching words</span>, <span class="mk">only in the kept span</span> (e.g. an inserted '
        'sentence), <span class="mx">only in the dropped span</span> (these words leave the clean output). '
        "Words are compared after normalisation (case, quotes, spacing).</p>"
        + cut
        + '<div class="pager" data-for="cluster-list"></div><div id="cluster-list" class="list">'
        "<noscript>The cluster list needs JavaScript (it pages through the clusters); clusters.jsonl holds the same data.</noscript>"
        '</div><div class="pager" data-for="cluster-list"></div></section>'
        + borderline_section(pairs, s, index)
        + '<section id="articles"><h2>Articles <span class="count">' + f"{len(art_rows):,}" + "</span></h2>"
        '<p class="note">Articles with spans in clusters, with links to their clusters.</p>'
        '<input id="article-filter" type="search" placeholder="Filter by article id or file" aria-label="Filter articles">'
        '<table class="articles"><thead><tr><th>article</th><th>file</th><th>kept</th><th>dropped</th><th>clusters</th></tr>'
        '</thead><tbody id="article-list"></tbody></table><div class="pager" data-for="article-list"></div></section>'
        "</main>"
        f'<footer>dedup {esc(__version__)} · a self-contained page: no network access, no external files</footer>'
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><script>{_ERRORS_JS}</script><style>{_CSS}</style></head><body>"
        + body
        + f'<script type="application/json" id="report-data">{_json_for_script(data)}</script>'
        + f"<script>{_JS}</script></body></html>\n"
    )


# Collects script errors on the page itself, so a headless browser's DOM dump shows them.
_ERRORS_JS = (
    "window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message));"
    "document.documentElement.setAttribute('data-js-errors',window.__errors.join(' | '));});"
)

_CSS = """
:root{--bg:#f4f5f7;--card:#fff;--ink:#1d2433;--muted:#667085;--line:#e3e6ea;--accent:#3451b2;
--same:#dcf2e3;--kept:#d7e6ff;--drop:#ffd9d6;--dropbar:#f08c3a;--apart:#b8bfca}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header{position:sticky;top:0;z-index:2;background:#1d2433;color:#fff;display:flex;align-items:center;gap:24px;padding:10px 24px;box-shadow:0 1px 4px rgba(0,0,0,.2)}
header h1{font-size:18px;margin:0;font-weight:600}
header nav a{color:#cfd6e4;text-decoration:none;margin-right:16px;font-size:14px}
header nav a:hover{color:#fff}
main{max-width:1280px;margin:0 auto;padding:8px 24px 40px}
section{margin-top:28px;scroll-margin-top:60px}
h2{font-size:20px;margin:0 0 12px}
h3{font-size:16px;margin:18px 0 8px}
.count{display:inline-block;background:#e4e8f1;color:#3b4660;border-radius:10px;padding:0 8px;font-size:13px;font-weight:600;vertical-align:middle}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card .v{font-size:22px;font-weight:650}
.card .k{color:var(--muted);font-size:13px}
.settings,.note{color:var(--muted);font-size:14px}
.note.warn{color:#9a3412}
code{font:13px ui-monospace,"DejaVu Sans Mono",monospace;background:#eceff4;padding:0 4px;border-radius:4px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;flex:1 1 520px}
figcaption{font-weight:600;font-size:14px}
svg.hist{width:100%;height:auto;display:block}
svg .grid{stroke:#eef0f3}
svg .axis{stroke:#98a2b3}
svg .tick,svg .xlabel{font-size:11px;fill:var(--muted)}
svg .bar-drop{fill:var(--dropbar)}
svg .bar-apart{fill:var(--apart)}
svg .hit{fill:transparent}
svg .hit:hover{fill:rgba(52,81,178,.08)}
svg .marker{stroke:#c0262d;stroke-width:1.5;stroke-dasharray:4 3}
svg .marker-label{font-size:11px;fill:#c0262d;font-weight:600}
.legend{display:flex;gap:16px;font-size:13px;color:var(--muted)}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:baseline}
.sw.bar-drop{background:var(--dropbar)}.sw.bar-apart{background:var(--apart)}
.ms{background:var(--same);border-radius:2px}
.mk{background:var(--kept);border-radius:2px;box-shadow:0 1px 0 #6d9be8}
.mx{background:var(--drop);border-radius:2px;box-shadow:0 1px 0 #e0736b}
details.cluster,details.bpair{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:8px 0;scroll-margin-top:60px}
tr{scroll-margin-top:60px}
details.cluster[open],details.bpair[open]{box-shadow:0 2px 8px rgba(16,24,40,.06)}
summary{cursor:pointer;padding:9px 14px;display:flex;flex-wrap:wrap;gap:10px;align-items:center;list-style:none}
summary::-webkit-details-marker{display:none}
summary::before{content:"▸";color:var(--muted);width:10px}
details[open]>summary::before{content:"▾"}
.cid{font-weight:700;color:var(--accent)}
.size{font-weight:600}
.badge{font-size:12px;border-radius:10px;padding:1px 8px;background:#eef1f6;color:#394150}
.badge.contained{background:#fde7d5;color:#8a3b0b}.badge.near-equal{background:#e8e3fb;color:#4b2e9a}.badge.exact{background:#dff3e6;color:#17633a}
.crange{font-variant-numeric:tabular-nums;color:var(--muted);font-size:13px}
.keptdoc{margin-left:auto;color:var(--muted);font-size:13px;max-width:45%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.body{padding:0 14px 12px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:10px 0;padding-top:10px;border-top:1px solid var(--line)}
.side .head{font-size:13px;color:var(--muted);margin-bottom:4px}
.side .text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fbfbfc;border:1px solid var(--line);border-radius:6px;padding:10px 12px;font-size:14px;line-height:1.6;max-height:40em;overflow-y:auto}
.tag{font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;border-radius:4px;padding:1px 6px;background:#eef1f6;color:#394150;margin-right:4px}
.tag.kept{background:#dff3e6;color:#17633a}.tag.drop{background:#fde2e0;color:#9b1c1c}
.doc{font-weight:600;color:var(--ink)}
a.doc{color:var(--accent);text-decoration:none}a.doc:hover{text-decoration:underline}
.para{font-weight:600}.off{font-size:12px}
.measures{display:flex;flex-wrap:wrap;gap:14px;font-size:13px;margin-top:6px;font-variant-numeric:tabular-nums}
.why{font-size:13px;margin:6px 0 0;color:#394150}
.copies{font-size:12px;color:#9a3412;font-weight:600}
table{border-collapse:collapse;width:100%;background:var(--card);font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
td.num{font-variant-numeric:tabular-nums;text-align:right}
td.links a{color:var(--accent);margin-right:6px;text-decoration:none}
tr.hl td{background:#fff7d6}
.num{font-variant-numeric:tabular-nums;font-weight:600}
.who{font-size:13px}.verdict{margin-left:auto;font-size:13px;color:var(--muted)}
.pager{display:flex;gap:4px;align-items:center;margin:8px 0;flex-wrap:wrap;font-size:14px}
.pager button{border:1px solid var(--line);background:var(--card);border-radius:6px;padding:3px 10px;cursor:pointer;font:inherit}
.pager button[aria-current]{background:var(--accent);color:#fff;border-color:var(--accent)}
.pager button:disabled{opacity:.4;cursor:default}
.pager .info{color:var(--muted);margin-left:8px}
#article-filter{padding:6px 10px;border:1px solid var(--line);border-radius:6px;width:min(420px,100%);margin-bottom:8px;font:inherit}
footer{text-align:center;color:var(--muted);font-size:12px;padding:20px}
@media (max-width:800px){.pair{grid-template-columns:1fr}}
"""

_JS = r"""
(function(){
  var data = JSON.parse(document.getElementById('report-data').textContent);
  // Each list pages through pre-rendered, pre-escaped HTML fragments.
  function Pager(listId, items, perPage, empty){
    this.list = document.getElementById(listId); this.items = items; this.perPage = perPage; this.empty = empty;
    this.navs = document.querySelectorAll('.pager[data-for="' + listId + '"]'); this.page = 0;
  }
  Pager.prototype.pages = function(){ return Math.max(1, Math.ceil(this.items.length / this.perPage)); };
  Pager.prototype.show = function(page){
    var self = this, n = this.pages();
    this.page = Math.min(Math.max(page, 0), n - 1);
    var start = this.page * this.perPage;
    this.list.innerHTML = this.items.slice(start, start + this.perPage).join('') || this.empty;
    this.navs.forEach(function(nav){ self.drawNav(nav); });
  };
  Pager.prototype.drawNav = function(nav){
    var self = this, n = this.pages();
    nav.textContent = '';
    if (n <= 1) return;
    function button(label, page, current){
      var b = document.createElement('button');
      b.type = 'button'; b.textContent = label;
      if (current) b.setAttribute('aria-current', 'page');
      if (page < 0 || page >= n) b.disabled = true;
      b.addEventListener('click', function(){ self.show(page); self.list.scrollIntoView({block: 'start'}); });
      nav.appendChild(b);
    }
    button('‹ prev', this.page - 1, false);
    var shown = {}, marks = [0, n - 1];
    for (var p = this.page - 3; p <= this.page + 3; p++) marks.push(p);
    marks.filter(function(p){ return p >= 0 && p < n; }).sort(function(a, b){ return a - b; }).forEach(function(p, i, all){
      if (shown[p]) return; shown[p] = true;
      if (i > 0 && p - all[i - 1] > 1){ var gap = document.createElement('span'); gap.textContent = '…'; nav.appendChild(gap); }
      button(String(p + 1), p, p === self.page);
    });
    button('next ›', this.page + 1, false);
    var info = document.createElement('span'); info.className = 'info';
    var start = this.page * this.perPage;
    info.textContent = (start + 1) + '–' + Math.min(start + this.perPage, this.items.length) + ' of ' + this.items.length;
    nav.appendChild(info);
  };

  var clusters = new Pager('cluster-list', data.clusters, data.perPage, '<p class="note">No duplicates found.</p>');
  var articles = new Pager('article-list', data.articles, data.articlesPerPage, '<tr><td colspan="5" class="note">No article.</td></tr>');
  clusters.show(0);
  // Open the first clusters so the page shows something at once.
  Array.prototype.slice.call(document.querySelectorAll('#cluster-list details.cluster'), 0, 3)
    .forEach(function(d){ d.open = true; });
  articles.show(0);

  var filter = document.getElementById('article-filter');
  filter.addEventListener('input', function(){
    var q = filter.value.trim().toLowerCase();
    articles.items = q ? data.articles.filter(function(_, i){ return data.articleKeys[i].indexOf(q) >= 0; }) : data.articles;
    articles.show(0);
  });

  // #c12 opens cluster 12 on its page; #a3 shows article 3's row.
  function route(){
    var h = decodeURIComponent(location.hash.slice(1)), m;
    if ((m = /^c(\d+)$/.exec(h))){
      var k = data.clusterIds.indexOf(Number(m[1]));
      if (k < 0) return;
      clusters.show(Math.floor(k / clusters.perPage));
      var el = document.getElementById(h);
      if (el){ el.open = true; el.scrollIntoView({block: 'start'}); }
    } else if ((m = /^a(\d+)$/.exec(h))){
      if (filter.value){ filter.value = ''; articles.items = data.articles; }
      articles.show(Math.floor(Number(m[1]) / articles.perPage));
      var row = document.getElementById(h);
      if (row){
        document.querySelectorAll('tr.hl').forEach(function(r){ r.classList.remove('hl'); });
        row.classList.add('hl'); row.scrollIntoView({block: 'center'});
      }
    }
  }
  window.addEventListener('hashchange', route);
  if (location.hash) route();
  document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.documentElement.setAttribute('data-ready', String(data.clusters.length));
})();
"""
