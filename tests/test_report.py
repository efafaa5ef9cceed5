"""The HTML report: content, escaping, self-containment, and the page in headless Chromium."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dedup import Config, Document, scan
from dedup.report import align, borderline

# The settings these pages were written and checked at (the GUIDE's 5-gram numbers,
# the planted near-miss between 0.55 and 0.7); the defaults are 4-grams / 0.55.
GUIDE = Config(ngram=5, threshold=0.7)
from dedup.cli import app
from dedup.report.html import pair_data, render, render_result
from dedup.io.writers import cluster_records

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ARTIFACTS = ROOT / "tests" / "artifacts"
S003 = "003_15fa05f4d3cf0d4f.txt"


def load_samples() -> list[Document]:
    return [Document(p.name, p.read_text(encoding="utf-8"), p.name) for p in sorted(SAMPLES.glob("*.txt"))]


# ---------------------------------------------------------------- a planted-cluster corpus


def planted() -> tuple[list[Document], dict]:
    """30 articles of unrelated random words, plus copies planted with known answers."""
    rng = random.Random(3)
    vocab = sorted({"".join(rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(rng.randint(1, 4)))
                    for _ in range(6000)})

    def para(n: int) -> list[str]:
        return [rng.choice(vocab) for _ in range(n)]

    base = [[para(rng.randint(45, 70)) for _ in range(4)] for _ in range(30)]
    texts = {f"a{d:02d}": [" ".join(p) for p in paras] for d, paras in enumerate(base)}
    edited = list(base[1][2])
    edited[10], edited[30] = "edited", "changed"
    inserted = base[2][0][:20] + para(14) + base[2][0][20:]
    n = len(base[3][1])
    k = 4 + round(0.62 * (n - 4))  # a copy sharing its first k words: C = (k - 4) / (n - 4) ~ 0.62
    near_miss = base[3][1][:k] + para(n - k)
    triple_b, triple_c = list(base[4][0]), list(base[4][0])
    triple_b[5] = "variant"
    triple_c[-3] = "another"
    texts["b30"] = ["Fresh opening paragraph " + " ".join(para(30)), texts["a00"][1].replace(base[0][1][3], base[0][1][3].upper())]
    texts["b31"] = [" ".join(edited), " ".join(para(50))]
    texts["b32"] = [" ".join(inserted)]
    texts["b33"] = [" ".join(near_miss)]
    texts["b34"] = [" ".join(triple_b)]
    texts["b35"] = [" ".join(para(40)), " ".join(triple_c)]
    docs = [Document(f"{k}.txt", "\n\n".join(v) + "\n", f"{k}.txt") for k, v in sorted(texts.items())]
    expected = {  # kept (doc, span) -> sorted dropped (doc, span), reason
        ("a00.txt", 1): ([("b30.txt", 1)], "exact"),
        ("a01.txt", 2): ([("b31.txt", 0)], "near-equal"),
        ("b32.txt", 0): ([("a02.txt", 0)], "contained"),
        ("a04.txt", 0): ([("b34.txt", 0), ("b35.txt", 1)], "near-equal"),
    }
    return docs, {"clusters": expected, "near_miss": (("a03.txt", 1), ("b33.txt", 0))}


def test_planted_corpus_has_the_planted_clusters_and_the_near_miss():
    docs, want = planted()
    result = scan(docs, GUIDE)
    got = {}
    for rec in cluster_records(result):
        kept, *dropped = rec["members"]
        got[(kept["doc"], kept["span"])] = (
            sorted((m["doc"], m["span"]) for m in dropped), {m["reason"] for m in dropped}
        )
    assert got == {k: (v, {r}) for k, (v, r) in want["clusters"].items()}
    pairs = pair_data(result)
    below = [((p["a"]["doc"], p["a"]["span"]), (p["b"]["doc"], p["b"]["span"])) for p in pairs["below"]]
    assert want["near_miss"] in below
    near = pairs["below"][below.index(want["near_miss"])]
    assert 0.55 < max(near["a_in_b"], near["b_in_a"]) < 0.7
    assert near["verdict"] == "kept apart: below the threshold"
    # Just above the threshold (< 0.85): the edited copy, and the two variants of the 3-member cluster,
    # which are each other's neighbours but are both dropped against a04's paragraph.
    above = {((p["a"]["doc"], p["a"]["span"]), (p["b"]["doc"], p["b"]["span"])): p["verdict"] for p in pairs["above"]}
    assert above == {
        (("a01.txt", 2), ("b31.txt", 0)): "B dropped against A (near-equal)",
        (("b34.txt", 0), ("b35.txt", 1)): "both dropped, each against a third span that is kept",
    }


# ---------------------------------------------------------------- borderline sampling


def test_borderline_sample_window_order_and_histograms():
    sizes = np.array([100, 100, 100, 100, 50, 10])
    pairs = np.array([[0, 1], [0, 2], [0, 3], [1, 2], [4, 0], [1, 5]])[:, :]
    pairs = np.sort(pairs, axis=1)
    inter = np.array([69, 60, 50, 75, 40, 1])  # containments .69 .60 .50 .75 .80 .10
    rep = np.array([10, 11, 12, 13, 14, 15])
    s = borderline.sample(pairs, inter, sizes, rep, threshold=0.7, limit=2, margin=0.15)
    assert s.verified == 6
    assert [(p.a, p.b, round(p.containment, 2)) for p in s.below] == [(10, 11, 0.69), (10, 12, 0.6)]  # .50 outside window
    assert [(p.a, p.b, round(p.containment, 2)) for p in s.above] == [(11, 12, 0.75), (10, 14, 0.8)]
    p = s.above[1]  # unit 4 (span 14, 50 shingles) inside unit 0 (span 10): oriented by span
    assert (p.a_in_b, p.b_in_a) == (0.4, 0.8)
    assert sum(s.below_containment) == 4  # .69 .60 .50 .10
    assert s.below_containment[int(0.69 * 50)] == 1 and s.below_containment[5] == 1
    assert borderline.histogram([1.0, 0.0, 0.999])[-1] == 2


def test_borderline_sample_empty():
    s = borderline.sample(np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64), np.array([]), np.array([]), 0.7)
    assert s.below == s.above == () and sum(s.below_containment) == 0


def test_scan_result_carries_the_pair_sample():
    result = scan(load_samples(), GUIDE)
    assert result.pairs is not None and result.pairs.verified == result.stats["candidates"]["total"]
    (p,) = result.pairs.above  # 003's doubled paragraph: the only verified pair
    assert {result.spans[p.a].index, result.spans[p.b].index} == {0, 2}


# ---------------------------------------------------------------- word diff


def test_word_marks_ignore_normalisation_and_show_edits():
    kept = "He said “yes” to the $ 2.5 billion deal. An extra sentence is inserted here. Then it ended."
    drop = "He said \"YES\" to the $2.5 billion deal. Then it stopped."
    wk, wd = align.words(kept), align.words(drop)
    mk, md = align.marks(wk, wd)
    show = lambda ws, ms, text: {text[w.start:w.end]: m for w, m in zip(ws, ms)}  # noqa: E731
    k, d = show(wk, mk, kept), show(wd, md, drop)
    assert d["\"YES\""] == k["“yes”"] == align.SAME
    assert d["$2.5"] == align.SAME and k["$"] == align.NEUTRAL
    assert k["extra"] == k["inserted"] == align.DIFF
    assert d["stopped."] == k["ended."] == align.DIFF
    assert d["Then"] == align.SAME


def test_rows_partition_both_sides_in_order():
    a = "— one two three four five six seven eight"
    b = "one two three FOOR five six seven eight nine ten …"
    wa, wb = align.words(a), align.words(b)
    rows = align.rows(wa, wb)
    assert [i for _, ra, _ in rows for i in ra] == list(range(len(wa)))
    assert [i for _, _, rb in rows for i in rb] == list(range(len(wb)))
    assert [t for t, _, _ in rows] == ["equal", "replace", "equal", "insert"]


def test_short_equal_runs_fold_into_the_change():
    a, b = "alpha beta to the gamma delta", "omega sigma to the kappa lambda"
    ops = align.opcodes(align.words(a), align.words(b), min_equal=3)
    assert [o[0] for o in ops] == ["replace"]


# ---------------------------------------------------------------- the page as text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(page)
    return p.tags


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_samples_report_content():
    page = render_result(scan(load_samples(), GUIDE))
    data = _data(page)
    assert len(data["clusters"]) == 1
    cluster = data["clusters"][0]
    assert f"kept: {S003} ¶2" in cluster and f"{S003}</a> <span class=\"para\">¶0" in cluster
    assert "dropped · contained" in cluster and "<b>0.724</b>" in cluster and "<b>0.383</b>" in cluster
    # The edit "America's" (dropped copy) vs "the US" (kept copy) is marked on each side.
    assert '<span class="mx">America&#x27;s</span>' in cluster
    assert '<span class="mk">the US</span>' in cluster
    assert "Contained: 72% of this span lies in the kept span" in cluster
    assert "threshold 0.7" in page and "keep <b>first</b>" in page
    assert "Just above the threshold: duplicates <span class=\"count\">1</span>" in page
    assert "A dropped against B (contained)" in page


def test_page_is_self_contained():
    page = render_result(scan(load_samples(), GUIDE))
    tags = _tags(page)
    names = {t for t, _ in tags}
    assert not names & {"link", "img", "iframe", "object", "embed", "base", "form"}
    for tag, attrs in tags:
        assert "src" not in attrs, tag
        assert attrs.get("href", "#").startswith("#"), attrs
    assert any(t == "meta" and "default-src 'none'" in a.get("content", "") for t, a in tags)
    assert "@import" not in page and "url(" not in page


def hostile_docs() -> list[Document]:
    evil = (
        "<script>document.documentElement.setAttribute('data-pwned','script')</script> "
        "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\"> "
        "</script><!-- the same paragraph twice, so it lands in a cluster and its text is shown in full"
    )
    return [
        Document('evil<b>"one"</b>', evil + "\n\nA second paragraph that is unique to the first article here.\n"),
        Document("evil-two", "An opening paragraph of the second article, unrelated to anything.\n\n" + evil + "\n"),
    ]


def test_article_text_and_ids_are_escaped():
    result = scan(hostile_docs(), Config(min_tokens=3))
    assert len(result.clusters) == 1
    page = render_result(result)
    assert "<script>document" not in page and "<img" not in page and "<b>\"one\"" not in page
    assert page.count("<script") == 3  # error hook, data block, the page's own script
    data = _data(page)  # the JSON block parsed: it was not cut short by the text's </script>
    assert "&lt;script&gt;document.documentElement" in data["clusters"][0]
    assert "evil&lt;b&gt;&quot;one&quot;&lt;/b&gt;" in data["articles"][0] + data["articles"][1]


# ---------------------------------------------------------------- CLI


def test_scan_report_and_report_command(tmp_path):
    runner = CliRunner()
    out, html1 = tmp_path / "cleaned", tmp_path / "report.html"
    res = runner.invoke(app, ["scan", str(SAMPLES), "--out", str(out), "--report", str(html1),
                              "--stats", str(tmp_path / "stats.json"), "-q"])
    assert res.exit_code == 0, res.output
    page1 = html1.read_text(encoding="utf-8")
    assert "Just below the threshold" in page1

    html2 = tmp_path / "from-clusters.html"
    res = runner.invoke(app, ["report", str(out / "clusters.jsonl"), "--out", str(html2)])
    assert res.exit_code == 0, res.output
    page2 = html2.read_text(encoding="utf-8")
    assert "borderline pairs need" not in page1
    assert "are not stored in clusters.jsonl: run <code>dedup scan … --report report.html</code>" in page2
    assert "(assumed: clusters.jsonl does not record the options" in page2
    assert _data(page2)["clusters"] == _data(page1)["clusters"]  # the same clusters either way

    html3 = tmp_path / "with-stats.html"
    res = runner.invoke(app, ["report", str(out / "clusters.jsonl"), "--stats", str(tmp_path / "stats.json"),
                              "--out", str(html3)])
    assert res.exit_code == 0, res.output
    assert "keep <b>first</b>" in html3.read_text(encoding="utf-8")


def flat(res) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(res.output.split())


def test_report_errors_name_file_and_line(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "clusters.jsonl"
    bad.write_text('{"cluster": 0, "size": 1, "members": []}\n', encoding="utf-8")
    res = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and f"{bad}:1" in flat(res) and "members" in flat(res)
    bad.write_text("not json\n", encoding="utf-8")
    res = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and f"{bad}:1" in flat(res)
    res = runner.invoke(app, ["report", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2 and "no such file" in flat(res)
    assert not (tmp_path / "r.html").exists()


def test_scan_refuses_a_report_over_an_input(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Some text here.\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["scan", str(src / "a.txt"), "--out", str(tmp_path / "o"), "--report", str(src / "a.txt")])
    assert res.exit_code == 2 and "would overwrite the input" in flat(res)
    res = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "o"), "--report", str(src / "r.html")])
    assert res.exit_code == 2 and "inside the input folder" in flat(res)
    assert (src / "a.txt").read_text(encoding="utf-8") == "Some text here.\n"
    assert sorted(p.name for p in src.iterdir()) == ["a.txt"]


def test_report_is_deterministic():
    docs, _ = planted()
    assert render_result(scan(docs, GUIDE)) == render_result(scan(list(docs), GUIDE))


def test_cluster_cap_says_what_was_left_out():
    result = scan(planted()[0], GUIDE)
    records = list(cluster_records(result))
    (big,) = [r["cluster"] for r in records if r["size"] == 3]
    page = render(records, stats=result.stats, max_clusters=2)
    assert len(_data(page)["clusters"]) == 2
    assert "Showing the 2 largest of 4 clusters" in page
    assert f'id="c{big}"' in _data(page)["clusters"][0]  # the 3-member cluster comes first


# ---------------------------------------------------------------- in a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("DEDUP_REQUIRE_BROWSER"),
    reason="chromium not installed (tests/run.sh installs it)",
)


def chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM, "chromium is required (DEDUP_REQUIRE_BROWSER is set); install the Debian package chromium"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--mute-audio",
        "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp_path / 'chromium-profile'}", *args, url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def load_page(tmp_path: Path, page: Path, fragment: str = "") -> str:
    """The DOM after the page's script ran; fails on any script error."""
    proc = chromium(tmp_path, page.as_uri() + fragment, "--dump-dom")
    dom = proc.stdout
    assert "Uncaught" not in proc.stderr, proc.stderr[-2000:]
    head = dom[: dom.index("<head")]
    assert "data-js-errors" not in head, head
    assert re.search(r'data-ready="\d+"', head), "the page's script did not run to its end"
    return dom


def screenshot(tmp_path: Path, page: Path, name: str, capsys) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    chromium(tmp_path, page.as_uri(), "--window-size=1300,2200", "--hide-scrollbars", f"--screenshot={shot}")
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kB
    with capsys.disabled():
        print(f"\n  report screenshot: {shot}")
    return shot


def _rendered_list(dom: str) -> str:
    """The part of the DOM the script built (the cluster list), not the JSON it came from."""
    start = dom.index('<div id="cluster-list"')
    return dom[start : dom.index("</section>", start)]


@needs_browser
def test_browser_samples_report_shows_the_003_cluster(tmp_path, capsys):
    page = tmp_path / "samples.html"
    page.write_text(render_result(scan(load_samples(), GUIDE)), encoding="utf-8")
    dom = load_page(tmp_path, page)
    shown = _rendered_list(dom)
    assert re.search(r'<details class="cluster" id="c0" data-c="0" open="">', shown)
    assert f"kept: {S003} ¶2" in shown
    assert '<span class="mx">America\'s</span>' in shown and '<span class="mk">the US</span>' in shown
    assert shown.count('class="ms"') > 10  # the matching text is highlighted
    screenshot(tmp_path, page, "report-samples.png", capsys)


@needs_browser
def test_browser_planted_report_pages_and_links(tmp_path, capsys):
    docs, _ = planted()
    records = list(cluster_records(scan(docs, GUIDE)))
    # 4 planted clusters, renumbered into 60 so the list has three pages.
    many = [{**r, "cluster": n} for n in range(60) for r in records[n % 4 : n % 4 + 1]]
    page = tmp_path / "planted.html"
    page.write_text(render(many), encoding="utf-8")
    order = [r["cluster"] for r in sorted(many, key=lambda r: (-r["size"], r["cluster"]))]  # largest first
    first, last = order[0], order[-1]
    dom = load_page(tmp_path, page, f"#c{last}")
    shown = _rendered_list(dom)
    assert f'id="c{last}"' in shown and f'id="c{first}"' not in shown  # the link paged to the third page
    assert re.search(f'id="c{last}" data-c="{last}" open=""', shown)
    assert 'aria-current="page">3<' in dom
    dom = load_page(tmp_path, page, "#a1")
    assert re.search(r'<tr id="a1" class="hl">', dom)

    real = tmp_path / "planted-real.html"
    result = scan(docs, GUIDE)
    real.write_text(render_result(result), encoding="utf-8")
    dom = load_page(tmp_path, real)
    assert _rendered_list(dom).count('<details class="cluster"') == 4
    screenshot(tmp_path, real, "report-planted.png", capsys)


@needs_browser
def test_browser_does_not_run_article_script(tmp_path):
    page = tmp_path / "hostile.html"
    page.write_text(render_result(scan(hostile_docs(), Config(min_tokens=3))), encoding="utf-8")
    dom = load_page(tmp_path, page)
    assert "data-pwned" not in dom[: dom.index("<head")]
    shown = _rendered_list(dom)
    assert "&lt;script&gt;document.documentElement.setAttribute" in shown
    assert "&lt;img src=x" in shown and "<img" not in dom


@needs_browser
def test_browser_empty_report(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(render_result(scan([Document("a", "Nothing repeats in this short article at all, really.")], Config())),
                    encoding="utf-8")
    dom = load_page(tmp_path, page)
    assert "No duplicates found." in _rendered_list(dom) and 'data-ready="0"' in dom


def test_identical_dropped_copies_are_shown_once():
    text = "the same boilerplate paragraph about signing up for the daily newsletter today"
    docs = [Document(f"d{k}", f"Unique opening words of article number {k} here.\n\n{text}\n") for k in range(4)]
    page = render_result(scan(docs, GUIDE))
    (cluster,) = _data(page)["clusters"]
    assert cluster.count('<div class="pair">') == 1
    assert "+ 2 more with this exact text (listed below)" in cluster
    assert "2 more dropped spans, not shown side by side" in cluster and cluster.count("<tr><td>") == 2


def test_stats_files_from_before_the_threshold_rename_are_read():
    from dedup.report.html import Settings

    assert Settings.of({"parameters": {"containment": 0.7, "keep": "first"}}).threshold == 0.7
    assert Settings.of({"parameters": Config(threshold=0.6).params()}).threshold == 0.6


def test_a_sentence_run_is_explained_as_one():
    # Before, every reason but exact and contained fell through to the near-equal text.
    from test_runs import NEW, SOURCE

    source = " ".join(SOURCE[:3])
    story = " ".join([NEW[0], *SOURCE[:2], NEW[1]])  # the source's first two sentences inside a new paragraph
    page = render_result(scan([Document("a", source), Document("b", story)], Config(sentences=True)))
    assert "dropped · sentence-run" in page
    assert "Sentence run: sentences 2–3 of this span" in page and "Near-equal" not in page
