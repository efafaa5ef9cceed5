"""Markdown tables for benchmarks/README.md's Accuracy section."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from .labels import COPY_KINDS, HARD_NEGATIVE_KINDS
from .runner import Run
from .score import Score
from .sweep import Row

START, END = "<!-- accuracy:start -->", "<!-- accuracy:end -->"
KIND_ORDER = [
    "doubled_edited", "doubled_inserted", "doubled_removed", "doubled_glued",
    "syndicated_quotes", "syndicated_whitespace", "syndicated_words", "syndicated_ocr",
    "reprint_block", "reprint_lines", "footer_copy",
    "subpara_copy", "subpara_middle", "recut", "glued_reprint", "heavy_ocr", "abridged", "reordered", "list_copy",
    "inserted", "glued_host", "shared_phrase", "subheading", "same_story", "original", "header", "footer",
    "subpara_new", "subpara_rest", "quote_own", "quote_para", "quote_source", "template_report", "table_rows", "release_headers",
    "release_notes", "env_vars", "copyright_stanza",
]
# What the per-kind cell of a unique kind means, where it is not plain "units lost".
KIND_NOTES = {
    "quote_own": "own sentence of a quoting paragraph: lost",
    "quote_para": "the quotation itself: removed (report only)",
    "quote_source": "the sentence quoted elsewhere: lost",
    "subpara_new": "new sentences around a copied run: lost",
    "subpara_rest": "source paragraph's sentences outside the run: lost",
}


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f} %"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def tools_table(runs: dict[str, list[Run]]) -> str:
    base = statistics.fmean(r.seconds for r in runs["dedup"])
    rows = []
    for name, rs in runs.items():
        f1 = [r.score.f1 for r in rs]
        cp = [r.score.cluster_precision for r in rs if r.score.cluster_precision is not None]
        cr = [r.score.cluster_recall for r in rs if r.score.cluster_recall is not None]
        sec = statistics.fmean(r.seconds for r in rs)
        rows.append([
            f"**{name}**" if name == "dedup" else name,
            f"{statistics.fmean(f1):.4f}", f"{min(f1):.4f}",
            f"{statistics.fmean(r.score.removal_precision for r in rs):.4f}",
            f"{statistics.fmean(r.score.removal_recall for r in rs):.4f}",
            pct(max(r.score.unique_lost_share for r in rs), 2),
            str(sum(r.score.dup_groups_lost for r in rs)),
            "yes" if all(r.score.byte_identical for r in rs) else f"no ({sum(r.score.documents - r.score.byte_identical_docs for r in rs)} docs)",
            f"{statistics.fmean(cp):.4f} / {statistics.fmean(cr):.4f}" if cp else "n/a",
            f"{sec:.2f} s ({sec / base:.2f}x)",
        ])
    head = ["tool", "F1 mean", "F1 worst", "precision", "recall", "unique lost (worst)",
            "dup lost entirely (all seeds)", "byte-identical", "cluster P / R", "time per corpus (vs dedup)"]
    return table(head, rows)


def kinds_table(runs: dict[str, list[Run]], tools: list[str]) -> str:
    rows = []
    for kind in KIND_ORDER:
        cells, planted = [], 0
        for tool in tools:
            total = {}
            for r in runs[tool]:
                for key, v in r.score.kinds.get(kind, {}).items():
                    total[key] = total.get(key, 0) + v
            planted = total.get("planted", 0)
            if not planted:
                cells.append("-")
            elif "resolved" in total:
                cell = f"{pct(total['resolved'] / planted)}"
                cells.append(cell + (f", {total['lost']} lost" if total.get("lost") else ""))
            else:
                lost = total.get("lost", 0)
                cells.append(f"{lost} lost" + (f" ({pct(lost / planted)})" if lost else ""))
        if planted:
            rows.append([kind, str(planted)] + cells)
    return table(["planted kind", "units (all seeds)"] + [f"{t}" for t in tools], rows)


def sweep_table(rows: list[Row], chosen: Row | None) -> str:
    out = []
    for r in rows:
        s = r.summary()
        mark = " **(chosen)**" if chosen is not None and r is chosen else ""
        out.append([
            s["setting"] + mark, f"{s['f1_mean']:.4f}", f"{s['f1_worst']:.4f}", f"{s['precision']:.4f}",
            f"{s['recall']:.4f}", pct(s["unique_lost_worst"], 2), str(s["dup_lost"]),
            f"{s['cluster_precision']:.3f} / {s['cluster_recall']:.3f}",
            "yes" if s["samples_ok"] else "**no**", f"{s['lsh_false_positives']:.0f}", f"{s['seconds']:.2f}",
        ])
    head = ["setting (others at defaults)", "F1 mean", "F1 worst", "precision", "recall", "unique lost (worst)",
            "dup lost", "cluster P / R", "samples ok", "unverified candidates", "scan s"]
    return table(head, out)


def examples_block(runs: list[Run], limit: int = 2) -> str:
    seen: dict[str, list] = {}
    for r in runs:
        for kind, items in r.score.examples.items():
            seen.setdefault(kind, [])
            for item in items:
                if len(seen[kind]) < limit and item not in seen[kind]:
                    seen[kind].append(item)
    if not seen:
        return "No planted duplicate survived with both copies, and nothing unique was lost."
    lines = []
    for kind, items in sorted(seen.items()):
        for item in items:
            if kind in ("unique_lost", "dup_lost"):
                lines.append(f"- `{kind}`: " + " / ".join(f"“{x[:160]}”" for x in item if isinstance(x, str)))
            else:
                copy, src = item
                lines.append(f"- `{kind}`, both kept: copy “{copy[:160]}” — source “{src[:160]}”")
    return "\n".join(lines)


def write_section(readme: Path, body: str) -> None:
    """Replace the text between the accuracy markers (or append the section)."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    block = f"{START}\n{body.rstrip()}\n{END}"
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def reasons_table(reasons, examples) -> str:
    """Why copies survived with their source, with one example span pair per row."""
    if not reasons:
        return "No planted copy survived beside its source."
    rows = []
    for (kind, why), n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        ex = examples.get((kind, why))
        cell = f"“{ex[0][:120]}” vs “{ex[1][:120]}”" if ex else ""
        rows.append([kind, why, str(n), cell.replace("|", "/").replace("\n", " ")])
    return table(["kind", "why both were kept", "copies (all seeds)", "example: copy's span vs source's span"], rows)


def kind_total(runs: list[Run], kind: str) -> dict:
    total: dict[str, int] = {}
    for r in runs:
        for key, v in r.score.kinds.get(kind, {}).items():
            total[key] = total.get(key, 0) + v
    return total


def kind_shares_table(runs: list[Run]) -> str:
    """One tool's kinds, for a terminal: copies resolved, unique units lost, as shares and counts, per seed too."""
    rows = []
    for kind in KIND_ORDER:
        total = kind_total(runs, kind)
        planted = total.get("planted", 0)
        if not planted:
            continue
        copy = kind in COPY_KINDS
        key = "resolved" if copy else "lost"
        per_seed = " ".join(f"{r.score.kinds[kind][key] / r.score.kinds[kind]['planted']:.3f}"
                            for r in runs if r.score.kinds.get(kind, {}).get("planted"))
        what = "copies resolved" if copy else KIND_NOTES.get(kind, "hard negative: lost" if kind in HARD_NEGATIVE_KINDS else "unique: lost")
        rows.append([kind, what, str(planted), f"{total.get(key, 0)}", pct(total.get(key, 0) / planted), per_seed])
    return table(["kind", "measure", "units", "count", "share", "per seed"], rows)


def summary(s: Score) -> dict:
    """The headline numbers of one run: F1, unique lost, the weakest copy kind, heavy OCR, the worst hard negative."""
    def share(kind: str, key: str) -> float | None:
        c = s.kinds.get(kind, {})
        return c[key] / c["planted"] if c.get("planted") else None

    copies = {k: share(k, "resolved") for k in COPY_KINDS if k != "heavy_ocr" and share(k, "resolved") is not None}
    hard = {k: share(k, "lost") for k in HARD_NEGATIVE_KINDS if share(k, "lost") is not None}
    worst_copy = min(copies, key=copies.get) if copies else None
    worst_hard = max(hard, key=hard.get) if hard else None
    return {
        "f1": s.f1, "unique_lost": s.unique_lost_share,
        "min_resolved": copies.get(worst_copy) if worst_copy else None, "min_resolved_kind": worst_copy,
        "heavy_ocr_resolved": share("heavy_ocr", "resolved"),
        "hard_max_lost": hard.get(worst_hard) if worst_hard else None, "hard_max_lost_kind": worst_hard,
        "quote_own_lost": share("quote_own", "lost"), "quote_removed": share("quote_para", "lost"),
    }


def _f(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def summary_lines(runs: list[Run], seeds: list[int]) -> str:
    """A line per seed and one for the worst seed on each measure (worst of each taken separately)."""
    sums = [summary(r.score) for r in runs]
    lines = []
    for seed, m in zip(seeds, sums):
        lines.append(
            f"seed {seed}: removal F1 {_f(m['f1'])}, unique lost {pct(m['unique_lost'], 2)}, "
            f"min kind resolved (excl. heavy_ocr) {_f(m['min_resolved'], 3)} ({m['min_resolved_kind']}), "
            f"heavy_ocr resolved {_f(m['heavy_ocr_resolved'], 3)}, "
            f"hard negatives max lost {_f(m['hard_max_lost'], 3)} ({m['hard_max_lost_kind']}); "
            f"quote_para: own sentence lost {_f(m['quote_own_lost'], 3)}, quote removed {_f(m['quote_removed'], 3)}")

    def worst(key: str, pick):
        vals = [(m[key], seed, m) for seed, m in zip(seeds, sums) if m[key] is not None]
        return pick(vals, key=lambda v: v[0]) if vals else (None, None, {})

    f1, unique, kind, ocr, hard = (worst("f1", min), worst("unique_lost", max), worst("min_resolved", min),
                                   worst("heavy_ocr_resolved", min), worst("hard_max_lost", max))
    lines.append(
        f"worst seed: removal F1 {_f(f1[0])} (seed {f1[1]}), unique lost {pct(unique[0] or 0, 2)} (seed {unique[1]}), "
        f"min kind resolved {_f(kind[0], 3)} ({kind[2].get('min_resolved_kind')}, seed {kind[1]}), "
        f"heavy_ocr resolved {_f(ocr[0], 3)} (seed {ocr[1]}), "
        f"hard negatives max lost {_f(hard[0], 3)} ({hard[2].get('hard_max_lost_kind')}, seed {hard[1]})")
    return "\n".join(lines)
