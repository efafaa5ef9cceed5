"""Real-data check: what does dedup drop in this machine's /usr/share/doc, and is it right?

    .venv/bin/python -m benchmarks.accuracy.realdocs --files 2000 --sample 100 --seed 1

Builds a corpus of the package documentation here (copyright, NEWS*, README*,
changelog* files, .gz ones decompressed; text only: UTF-8 or Latin-1 without NUL
bytes, at most --max-bytes each), chosen deterministically: all candidates sorted
by path, then a seeded sample of --files of them. Writes it as JSONL under
benchmarks/data/realdocs/ (git-ignored), scans it with the library at dedup's
defaults, and writes `sample.md` (for a person: each of --sample drops, those whose
ids hash lowest under --seed, with the dropped text, the kept text it was dropped against, the numbers
and the file names, and a right / wrong box) and `sample.json` (the same, for
tools).

Judgements go to benchmarks/accuracy/realdocs_judged.json (committed):
`{"seed": 1, "files": 2000, "judgements": {"<drop id>": true | false | null, ...}}`
(true = the drop is right: the dropped text is a copy of the kept text; null =
not judged yet). `--init-judged` writes that file with every id of the current
sample set to null; `"against"` may record what each judged drop was dropped against
(kept file, offsets, reason). When the file exists, its ids are the current sample's
and each is still dropped against the same text, the script reports precision over
the judged ones; otherwise (another machine, another dedup) it says so, names the
drops to read, and reports nothing.

Only dedup's public API: `scan`, `Document`, `Config`, `ScanResult.drops`, `.spans`,
`.span_text`, `.clusters`. A drop that carries `part_start` / `part_end` (a
sentence run dropped from inside a span, not there yet) is shown by that part;
nothing here depends on those fields.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path

from dedup import Config, Document, scan

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "benchmarks" / "data" / "realdocs"
JUDGED = Path(__file__).resolve().parent / "realdocs_judged.json"
DOC_ROOT = Path("/usr/share/doc")
PATTERNS = ("copyright", "news", "readme", "changelog")
SHOW_CHARS = 1500


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def candidates(root: Path = DOC_ROOT) -> list[Path]:
    """Documentation files by name (copyright, NEWS*, README*, changelog*; maybe .gz), sorted by path."""
    out = []
    for p in root.rglob("*"):
        name = p.name.lower()
        base = name[:-3] if name.endswith(".gz") else name
        if not p.is_file() or p.is_symlink():
            continue
        if base == "copyright" or base.startswith(PATTERNS[1:]):
            out.append(p)
    return sorted(out, key=lambda p: str(p))


def read_text(path: Path, max_bytes: int) -> str | None:
    """The file's text (decompressed if .gz), or None if it is not text or too large."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                raw = f.read(max_bytes + 1)
        else:
            raw = path.read_bytes()[: max_bytes + 1]
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if len(raw) > max_bytes or b"\x00" in raw or not raw.strip():
        return None
    for enc in ("utf-8", "latin-1"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        # Latin-1 decodes anything: accept it only for text without control characters.
        if enc == "latin-1" and any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
            return None
        return text
    return None


def build(files: int, seed: int, max_bytes: int, root: Path = DOC_ROOT) -> list[Document]:
    """The corpus: a seeded sample of `files` candidates (in path order), text ones only."""
    cands = candidates(root)
    rng = random.Random(seed)
    chosen = sorted(rng.sample(cands, min(files, len(cands))), key=lambda p: str(p))
    docs = []
    for p in chosen:
        text = read_text(p, max_bytes)
        if text is not None:
            rel = str(p.relative_to(root))
            docs.append(Document(rel, text, "corpus.jsonl", len(docs) + 1))
    log(f"{len(cands)} candidate files under {root}; sampled {len(chosen)}; {len(docs)} are text")
    return docs


def drop_part(result, i: int, drop) -> tuple[int, int]:
    """Document offsets of what drop `i` removes: its span, or its part if the drop names one.

    part_start / part_end are taken as document offsets when they lie inside the
    span, else as offsets into the span's text.
    """
    s = result.spans[i]
    ps, pe = getattr(drop, "part_start", None), getattr(drop, "part_end", None)
    if ps is None or pe is None:
        return s.start, s.end
    if s.start <= ps < pe <= s.end:
        return ps, pe
    if 0 <= ps < pe <= s.end - s.start:
        return s.start + ps, s.start + pe
    return s.start, s.end


def records(result) -> list[dict]:
    """One record per drop, with a stable id: dropped file, its offsets, and the kept file."""
    cluster_of = {}
    for c, cl in enumerate(result.clusters):
        for d in cl.dropped:
            cluster_of[d] = c
    out = []
    for i, drop in result.drops.items():
        i = int(i)
        s = result.spans[i]
        start, end = drop_part(result, i, drop)
        doc = result.documents[s.doc]
        kept = int(drop.kept)
        if kept < len(result.spans):
            ks = result.spans[kept]
            kept_file, kept_at = result.documents[ks.doc].id, [ks.start, ks.end]
        else:
            kept_file, kept_at = "(index)", None
        out.append({
            "id": f"{doc.id}@{start}-{end}",
            "dropped_file": doc.id, "dropped_at": [start, end], "span_at": [s.start, s.end],
            "part": (start, end) != (s.start, s.end),
            "dropped_text": doc.text[start:end],
            "kept_file": kept_file, "kept_at": kept_at, "kept_text": result.span_text(kept),
            "same_file": kept_file == doc.id,
            "reason": str(drop.reason), "jaccard": round(float(drop.jaccard), 4),
            "containment": round(float(drop.containment), 4),
            "kept_containment": round(float(drop.kept_containment), 4),
            "cluster": cluster_of.get(i),
        })
    for part in getattr(result, "parts", ()):  # sentence runs dropped inside spans that stay
        s = result.spans[part.span]
        doc = result.documents[s.doc]
        ks = result.spans[part.kept] if part.kept < len(result.spans) else None
        out.append({
            "id": f"{doc.id}@{part.start}-{part.end}",
            "dropped_file": doc.id, "dropped_at": [part.start, part.end], "span_at": [s.start, s.end], "part": True,
            "dropped_text": doc.text[part.start : part.end],
            "kept_file": result.documents[ks.doc].id if ks else "(index)", "kept_at": [ks.start, ks.end] if ks else None,
            "kept_text": result.span_text(part.kept), "same_file": ks is not None and result.documents[ks.doc].id == doc.id,
            "reason": "sentence-run", "jaccard": round(part.jaccard, 4), "containment": round(part.containment, 4),
            "kept_containment": round(part.kept_containment, 4), "cluster": None,
        })
    return out


def _block(text: str) -> str:
    shown = text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS] + f"\n[... {len(text) - SHOW_CHARS} more characters]"
    fence = "````" if "```" in shown else "```"
    return f"{fence}text\n{shown}\n{fence}"


def sample_md(sample: list[dict], header: str) -> str:
    lines = [header, ""]
    for n, r in enumerate(sample, 1):
        kept_at = f"{r['kept_at'][0]}-{r['kept_at'][1]}" if r["kept_at"] else "?"
        lines += [
            f"## {n}. `{r['id']}`",
            "",
            f"- reason **{r['reason']}**; containment (dropped in kept) **{r['containment']:.3f}**, "
            f"kept in dropped {r['kept_containment']:.3f}, Jaccard {r['jaccard']:.3f}"
            + ("; a part of its span" if r["part"] else ""),
            f"- dropped from `{r['dropped_file']}` at {r['dropped_at'][0]}-{r['dropped_at'][1]}; "
            f"kept in `{r['kept_file']}` at {kept_at}" + (" (same file)" if r["same_file"] else ""),
            "- judgement: [ ] right (a copy of the kept text)   [ ] wrong (says something the kept text does not)",
            "",
            "Dropped:", "", _block(r["dropped_text"]), "",
            "Kept:", "", _block(r["kept_text"]), "",
        ]
    return "\n".join(lines)


def sample_drops(recs: list[dict], k: int, seed: int) -> list[dict]:
    """The k drops whose ids hash lowest under `seed`, sorted by id: a drop is sampled or not
    by its own id, so a change of dedup that adds or removes some drops changes the sample
    only there, and a reading carries over to the next version but for the drops it changed."""
    def key(r: dict) -> bytes:
        return hashlib.sha256(f"{seed}:{r['id']}".encode("utf-8", "surrogatepass")).digest()

    return sorted(sorted(recs, key=key)[:k], key=lambda r: r["id"])


def _some(ids: list[str], k: int = 10) -> str:
    """The first k of `ids`, comma-separated, with " ..." when there are more."""
    return ", ".join(ids[:k]) + (" ..." if len(ids) > k else "")


def judged_precision(sample: list[dict], path: Path = JUDGED) -> str:
    if not path.exists():
        return f"no judgements yet ({path.name} absent; --init-judged writes one to fill in)"
    data = json.loads(path.read_text(encoding="utf-8"))
    marks = data.get("judgements", {})
    ids = [r["id"] for r in sample]
    if set(marks) != set(ids):
        missing = sorted(set(ids) - set(marks))
        return (f"{path.name} does not judge this sample ({len(missing)} sampled ids not in it, "
                f"{len(set(marks) - set(ids))} ids not sampled; another machine, seed or dedup version): no precision "
                f"reported; to read: {_some(missing)}")
    against = data.get("against", {})  # what each judged drop was dropped against, when judged
    moved = [r["id"] for r in sample if r["id"] in against and against[r["id"]] != [r["kept_file"], r["kept_at"], r["reason"]]]
    if moved:
        return (f"{path.name} judges this sample's ids, but {len(moved)} of the drops are now against other text: "
                f"no precision reported; to read again: {_some(moved)}")
    done = [marks[i] for i in ids if isinstance(marks[i], bool)]
    if not done:
        return f"{path.name} matches the sample, but none of its {len(ids)} drops is judged yet"
    right = sum(done)
    return f"judged precision {right / len(done):.3f} ({right} right of {len(done)} judged; {len(ids) - len(done)} not judged)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.accuracy.realdocs", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000, help="documentation files to sample")
    ap.add_argument("--sample", type=int, default=100, help="drops to sample for judging")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-bytes", type=int, default=1_000_000, help="skip files larger than this (decompressed)")
    ap.add_argument("--root", type=Path, default=DOC_ROOT)
    ap.add_argument("--judged", type=Path, default=JUDGED,
                    help=f"the judgements to report precision by (default {JUDGED.name}, seed 1's; realdocs_judged_seed2.json: seed 2's)")
    ap.add_argument("--init-judged", action="store_true", help="write the --judged file with this sample's ids, unjudged")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    docs = build(args.files, args.seed, args.max_bytes, args.root)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "corpus.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n")
    config = Config(sentences=True)  # the accuracy mode (opt-in, see dedup/config.py)
    t1 = time.perf_counter()
    result = scan(docs, config)
    scan_s = time.perf_counter() - t1
    recs = records(result)
    sample = sample_drops(recs, args.sample, args.seed)
    chars = sum(len(d.text) for d in docs)
    dropped_chars = sum(r["dropped_at"][1] - r["dropped_at"][0] for r in recs)
    reasons: dict[str, int] = {}
    for r in recs:
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    stats = (f"{len(docs)} files, {chars / 1e6:.1f} M characters, {len(result.spans)} spans; "
             f"{len(recs)} drops ({dropped_chars / max(1, chars):.1%} of the characters; "
             + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
             + f"), {sum(r['same_file'] for r in recs)} within one file; {len(result.clusters)} clusters; "
             f"scan {scan_s:.1f} s")
    header = (f"# Sampled drops in /usr/share/doc (dedup defaults)\n\n"
              f"`python -m benchmarks.accuracy.realdocs --files {args.files} --sample {args.sample} --seed {args.seed}`: "
              f"{stats}. {len(sample)} drops sampled (seed {args.seed}), sorted by id. Mark each right or wrong, "
              f"then record the marks in `{args.judged.name}` (true = right) under the drop's id.\n\n"
              f"Config: `{json.dumps(config.params())}`")
    (OUT / "sample.md").write_text(sample_md(sample, header) + "\n", encoding="utf-8")
    meta = {"files": args.files, "sample": args.sample, "seed": args.seed, "config": config.params(), "stats": stats}
    (OUT / "sample.json").write_text(json.dumps({**meta, "drops": sample}, ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    if args.init_judged:
        args.judged.write_text(json.dumps({"seed": args.seed, "files": args.files, "sample": args.sample,
                                      "judgements": {r["id"]: None for r in sample}}, indent=1) + "\n",
                          encoding="utf-8")
        log(f"wrote {args.judged} (every drop unjudged)")
    print(stats)
    print(f"wrote {(OUT / 'sample.md').relative_to(ROOT)} and sample.json ({len(sample)} drops) "
          f"in {time.perf_counter() - t0:.0f} s")
    print(judged_precision(sample, args.judged))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
