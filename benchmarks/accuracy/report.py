"""Markdown tables for benchmarks/README.md's Accuracy section."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from .runner import Run
from .sweep import Row

START, END = "<!-- accuracy:start -->", "<!-- accuracy:end -->"
KIND_ORDER = [
    "doubled_edited", "doubled_inserted", "doubled_removed", "doubled_glued",
    "syndicated_quotes", "syndicated_whitespace", "syndicated_words", "syndicated_ocr",
    "reprint_block", "reprint_lines", "footer_copy",
    "inserted", "glued_host", "shared_phrase", "subheading", "same_story", "original", "header", "footer",
]


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
                cells.append(f"{total.get('lost', 0)} lost")
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
