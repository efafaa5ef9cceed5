"""Fuzz the readers, the segmenter, the normalizer and scan() on hostile bytes.

    .venv/bin/python -m tests.fuzz --seconds 60              # every target, 60 s each
    .venv/bin/python -m tests.fuzz --target readers --runs 200000
    .venv/bin/python -m tests.fuzz --engine hypothesis --seconds 30

Engine: atheris (coverage-guided libFuzzer, `pip install atheris`) when it imports,
else hypothesis with a large budget. A finding is any exception other than our
documented input errors (dedup.errors.InputError for a bad JSONL record), a broken
invariant (assertion), or, with atheris, an input taking longer than --timeout.
Crashing inputs are saved under --artifacts. Exit status 0 means no finding.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("readers", "segment", "normalize", "scan")
MAX_LEN = 4096

# Bytes below 0x20 stand for pieces that matter to segmenting and tokenising, so
# random bytes make paragraphs, odd blank lines, URLs and glued sentences often.
_PIECES = [
    "\n", "\n\n", "\r\n", "\r", " ", "\t", "\u00a0", "\ufeff", "\u200b", "\u2028", "\u3000", "\x0b", "\x0c",
    "\x1c", "\x85", "http://", "www.", "@", ".", "-", "+", "\u201c", "\u2019", "\u4e2d", "\u0e01", "e\u0301",
    "\ufb01", "\u1e9e", "\u0130", "\ud800", "\udc00", "word ",
]


def text_from_bytes(data: bytes) -> str:
    """Any str from fuzz bytes; the first byte picks a mapping (structured, UTF-8, raw UTF-16 units)."""
    if not data:
        return ""
    scheme, body = data[0] % 3, data[1:]
    if scheme == 0:
        return "".join(_PIECES[b] if b < len(_PIECES) else chr(b) for b in body)
    if scheme == 1:
        return body.decode("utf-8", "replace")
    return body[: len(body) & ~1].decode("utf-16-le", "surrogatepass")  # lone surrogates included


def check_readers(data: bytes) -> None:
    """Decoding, JSONL parsing and gunzip: only InputError for bad records may escape."""
    from dedup import InputError
    from dedup.io import readers

    if not data:
        return
    mode, payload = data[0] % 5, data[1:]
    if mode == 0:
        try:
            text, enc = readers.decode_text(payload)
        except readers._Skip:
            return
        assert text.encode(enc) == payload, "decoded text does not write back byte for byte"
    elif mode in (1, 2, 3):
        kind = ("jsonl", "sniff", "text")[mode - 1]
        skip = bool(payload[:1]) and payload[0] & 1 == 1
        src = readers.Source("-", "stdin", kind)
        opts = readers.ReadOptions(skip_bad_records=skip, max_bytes=1 << 20)
        try:
            docs, skipped = readers.read_source(src, opts, stdin=io.BytesIO(payload))
        except InputError as e:
            assert not skip, "--skip-bad-records must never stop on a record"
            assert e.line is not None and e.path == "<stdin>"
            return
        for doc in docs:
            assert isinstance(doc.text, str)
            if doc.record is not None:
                assert doc.record["text"] is doc.text and isinstance(doc.id, str)
        assert all(s.path == "<stdin>" for s in skipped)
    else:
        from dedup.io import compressed

        limit = 1 << 16
        for kind in (compressed.GZIP, compressed.ZSTD):
            try:
                out = compressed.decompress(io.BytesIO(payload), kind, limit, "fuzz")
                assert len(out) <= limit
            except (compressed.Broken, compressed.TooLarge):
                pass
        packed = gzip.compress(payload, mtime=0)
        assert compressed.decompress(io.BytesIO(packed), compressed.GZIP, len(payload) + 1, "fuzz") == payload


def check_segment(data: bytes) -> None:
    """Spans are ordered, disjoint, trimmed and non-empty; only blank text lies between them;
    removing any subset of spans leaves exactly the others."""
    from dedup.stages import segment as seg
    from dedup.stages.normalize import tokens

    text = text_from_bytes(data)
    for mode in ("auto", "paragraph", "line"):
        spans = seg.segment(text, mode)
        pos = 0
        for s, e in spans:
            assert pos <= s < e <= len(text), (mode, spans)
            assert not text[s].isspace() and not text[e - 1].isspace(), (mode, text[s:e])
            assert not tokens(text[pos:s]), f"words between spans: {text[pos:s]!r}"
            pos = e
        assert not tokens(text[pos:])
        dropped = {k for k in range(len(spans)) if (k * 2654435761 + len(text)) % 3 == 0}
        ranges = seg.removal_ranges(spans, dropped, len(text))
        clean = seg.cut(text, ranges)
        assert len(clean) == len(text) - sum(e - s for s, e in ranges)
        for k, (s, e) in enumerate(spans):
            inside = any(rs <= s and e <= re_ for rs, re_ in ranges)
            touched = any(rs < e and s < re_ for rs, re_ in ranges)
            assert inside if k in dropped else not touched, (k, spans, ranges)


def check_normalize(data: bytes) -> None:
    """normalize is idempotent; tokens hold no whitespace and hash without error."""
    from dedup.stages.normalize import normalize, tokens
    from dedup.stages.shingle import shingle_sets

    text = text_from_bytes(data)
    once = normalize(text)
    assert normalize(once) == once, "normalize is not idempotent"
    toks = tokens(text)
    assert all(t and not any(c.isspace() for c in t) for t in toks)
    assert tokens(" ".join(toks)) == toks
    values, offsets = shingle_sets([toks], 3)
    assert offsets[-1] == len(values) and (len(values) > 0) == bool(toks)


def check_scan(data: bytes) -> None:
    """scan() on up to three fuzzed documents: no exception, no chaining, clean texts consistent,
    and every clean record a valid UTF-8 JSON line that parses back to itself."""
    from dedup import Config, Document, scan
    from dedup.io.writers import json_line

    if len(data) < 2:
        return
    config = Config(ngram=1 + data[0] % 3, min_tokens=1 + data[1] % 4, anchor_rate=1 + data[0] % 4)
    parts = data[2:].split(b"\xff", 2)
    docs = [Document(f"d{k}", text_from_bytes(p)) for k, p in enumerate(parts)]
    result = scan(docs, config)
    for i, drop in result.drops.items():
        assert drop.containment >= config.threshold - 1e-9
        assert i != drop.kept and drop.kept not in result.drops
    for d, doc in enumerate(docs):
        clean = result.clean_text(d)
        for i in result.doc_spans[d]:
            if i not in result.drops:
                assert result.span_text(i) in clean
        record = {"id": doc.id, "text": clean}
        assert json.loads(json_line(record).decode("utf-8")) == record


CHECKS: dict[str, Callable[[bytes], None]] = {
    "readers": check_readers, "segment": check_segment, "normalize": check_normalize, "scan": check_scan,
}
SEEDS = [
    b"\x00" + (ROOT / "samples" / "003_15fa05f4d3cf0d4f.txt").read_bytes()[:MAX_LEN],
    b"\x01" + b'{"id": 1, "text": "a b c"}\n{"text": "\\ud83d x"}\n[1]\n{"text": 5}\n',
    b"\x02\xef\xbb\xbf{\"text\": \"hi\"}\r\n",
    b"\x04" + gzip.compress(b"hello world\n" * 20, mtime=0),
    b"\x00\xff\xfeh\x00i\x00",
    b"\x00a\n\n  \xc2\xa0\n\nb http://x.org/a-b c.d@e.fg Ankara.Erdogan",
]


# --- engines --------------------------------------------------------------------------------


def run_atheris(target: str, seconds: int, runs: int, timeout: int, artifacts: Path) -> None:
    """In this process: coverage-guided fuzzing of one target; exits when done (libFuzzer)."""
    import atheris

    with atheris.instrument_imports(include=["dedup"]):
        import dedup.io.readers, dedup.pipeline, dedup.stages.segment, dedup.stages.normalize  # noqa: E401,F401

    corpus = Path(tempfile.mkdtemp(prefix=f"dedup-fuzz-{target}-"))
    for k, seed in enumerate(SEEDS):
        (corpus / f"seed{k}").write_bytes(seed)
    artifacts.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0], str(corpus), f"-max_len={MAX_LEN}", f"-timeout={timeout}", "-rss_limit_mb=4096",
        f"-artifact_prefix={artifacts}/{target}-", "-print_final_stats=1",
    ]
    args += [f"-max_total_time={seconds}"] if seconds else []
    args += [f"-runs={runs}"] if runs else []
    atheris.Setup(args, CHECKS[target])
    atheris.Fuzz()


def run_hypothesis(target: str, seconds: int, runs: int) -> int:
    """Random and mutated byte strings through one target; returns the number of executions."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    check, count = CHECKS[target], 0
    for seed in SEEDS:
        check(seed)
        count += 1
    deadline = time.monotonic() + seconds if seconds else None
    budget = runs or 10**12
    while count < budget and (deadline is None or time.monotonic() < deadline):
        batch = min(100, budget - count)

        @settings(max_examples=batch, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(st.binary(max_size=MAX_LEN) | st.sampled_from(SEEDS).flatmap(_mutations))
        def run(data: bytes) -> None:
            nonlocal count
            count += 1
            check(data)

        run()
    return count


def _mutations(seed: bytes):
    from hypothesis import strategies as st

    return st.tuples(st.integers(0, len(seed)), st.integers(0, 64), st.binary(max_size=64)).map(
        lambda t: seed[: t[0]] + t[2] + seed[t[0] + t[1] :]
    )


def _atheris_available() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--target", action="append", choices=TARGETS, help="repeatable; default: all")
    p.add_argument("--seconds", type=int, default=60, help="time budget per target (0: none)")
    p.add_argument("--runs", type=int, default=0, help="executions per target (0: no limit)")
    p.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    p.add_argument("--timeout", type=int, default=10, help="atheris: seconds one input may take")
    p.add_argument("--artifacts", type=Path, default=Path(tempfile.gettempdir()) / "dedup-fuzz-artifacts")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not args.seconds and not args.runs:
        p.error("give --seconds or --runs")
    targets = args.target or list(TARGETS)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _atheris_available() else "hypothesis"

    if args.child:  # one atheris target in this process
        run_atheris(targets[0], args.seconds, args.runs, args.timeout, args.artifacts)
        return 0

    failed, rows = [], []
    for target in targets:
        started = time.monotonic()
        if engine == "atheris":
            cmd = [sys.executable, "-m", "tests.fuzz", "--child", "--target", target, "--seconds", str(args.seconds),
                   "--runs", str(args.runs), "--timeout", str(args.timeout), "--artifacts", str(args.artifacts)]
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace")
            done = re.findall(r"Done (\d+) runs", proc.stderr)
            execs = int(done[-1]) if done else 0
            ok = proc.returncode == 0 and bool(done)
            if not ok:
                sys.stderr.write(proc.stderr[-6000:])
        else:
            try:
                execs, ok = run_hypothesis(target, args.seconds, args.runs), True
            except Exception:
                import traceback

                traceback.print_exc()
                execs, ok = 0, False
        rows.append((target, engine, execs, time.monotonic() - started, "ok" if ok else "FINDING"))
        if not ok:
            failed.append(target)
    print(f"{'target':<10} {'engine':<11} {'executions':>11} {'seconds':>8}  result")
    for target, eng, execs, secs, result in rows:
        print(f"{target:<10} {eng:<11} {execs:>11} {secs:>8.1f}  {result}")
    print(f"total executions: {sum(r[2] for r in rows)}")
    if failed:
        print(f"findings in: {', '.join(failed)} (atheris inputs saved under {args.artifacts})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
