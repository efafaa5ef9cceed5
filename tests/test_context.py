"""stages/context.py: short value lines (diffstats, sign-offs, release headers) are copies only in their place."""

from dedup import Config, Document, scan

SENTENCES = Config(sentences=True)


def commit(sha: str, message: str) -> str:
    return (f"commit {sha * 40}\nAuthor: Thomas Klausner <wiz@NetBSD.org>\nDate:   Mon Mar 14 10:00:00 2016 +0100\n\n"
            f"    {message}\n\n"
            "    Signed-off-by: Thomas Klausner <wiz@NetBSD.org>\n"
            "    Reviewed-by: Matthieu Herrb <matthieu.herrb@laas.fr>\n"
            "    Signed-off-by: Alan Coopersmith <alan.coopersmith@oracle.com>\n\n"
            " src/fcfreetype.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n")


CHANGELOG = "\n".join([
    commit("a", "Fix the build of the scanner on NetBSD when the headers are missing from the system."),
    commit("b", "Use the right type for the device count so that large machines report every device."),
])


def test_two_commits_keep_their_own_sign_offs_and_diffstat():
    # Word for word the same lines, each the metadata of another commit: nothing is a copy.
    result = scan([Document("libpciaccess", CHANGELOG)], SENTENCES)
    assert result.drops == {}
    assert result.clean_text(0) == CHANGELOG


def test_the_same_lines_without_the_rule_were_dropped():
    # What the rule changes: the decision on shingle sets alone drops the second commit's lines.
    result = scan([Document("libpciaccess", CHANGELOG)], Config(sentences=False))
    dropped = [CHANGELOG[result.spans[s].start : result.spans[s].end] for s in result.drops]
    assert any(t.startswith("Signed-off-by") for t in dropped) and any(t.startswith("src/fcfreetype.c") for t in dropped)


def test_a_whole_file_copied_drops_every_line_against_the_same_place():
    docs = [Document("fontconfig-config", CHANGELOG), Document("libfontconfig1", CHANGELOG)]
    result = scan(docs, SENTENCES)
    assert result.clean_text(0) == CHANGELOG
    assert result.clean_text(1).strip() == ""
    # Each line of the copy goes against the line at its own offset, not the first of its kind.
    for s, drop in result.drops.items():
        dropped, kept = result.spans[s], result.spans[drop.kept]
        assert (dropped.doc, kept.doc) == (1, 0)
        assert dropped.start == kept.start


def release(package: str, body: str) -> str:
    return (f"{package} (2:1.0.7-1) unstable; urgency=low\n\n  * {body}\n\n"
            f" -- Cyril Brulebois <kibi@debian.org>  Sun, 20 Mar 2011 12:00:00 +0100\n")


def test_another_packages_release_header_is_kept():
    a = release("libxv", "New upstream release with the fixes for the video extension requests.")
    b = release("libice", "New upstream release with a fix for the authentication of the client.")
    result = scan([Document("libice", b), Document("libxv", a)], SENTENCES)
    assert result.clean_text(0) == b and result.clean_text(1) == a


def test_a_table_reprinted_one_row_a_line_is_still_dropped():
    # Each row's neighbours are rows dropped against the same table: its place is the table's.
    rows = ["GTK_DEBUG=interactive gtk4-demo 4.6.9 x86_64 12 MB", "LIBGL_ALWAYS_SOFTWARE=1 glxgears 8.4.0 amd64 3 MB",
            "MESA_LOADER_DRIVER_OVERRIDE=zink vkcube 1.3.204 i386 7 MB", "G_MESSAGES_DEBUG=all nautilus 42.6 arm64 31 MB"]
    intro = "The coverage of the fonts in this release, as measured on the build machine for every script."
    table = intro + "\n\n" + "\n".join(rows) + "\n"
    other = ("A reader sent us the table below, which we print as we received it in the mail this week.\n\n"
             + "\n\n".join(rows) + "\n\nWe will come back to it in the next issue of the newsletter.\n")
    result = scan([Document("a", table), Document("b", other)], Config(sentences=True, min_tokens=4))
    assert result.clean_text(0) == table
    kept = result.clean_text(1)
    assert not any(r in kept for r in rows)
    assert "A reader sent us" in kept and "next issue" in kept


def test_records_of_one_line_are_copies_of_each_other():
    # Alone in its document, a value line stands by nothing, as its copy does: JSONL rows dedupe.
    row = "GTK_DEBUG=interactive gtk4-demo 4.6.9 x86_64 12 MB 2024-01-02"
    result = scan([Document("1", row), Document("2", "LIBGL_ALWAYS_SOFTWARE=1 glxgears 8.4.0"), Document("3", row)], SENTENCES)
    assert list(result.drops) == [2] and result.drops[2].kept == 0


def test_sibling_copies_whose_trailers_name_their_package_lose_their_last_sign_off_too():
    # The trailer names each file's own package, so the sign-off before it had other text
    # beside it in the copy and stayed (19 such lines on Debian's docs): the two trailers are
    # one template at the file's end.
    trailer = "\n# Older entries have been removed from this changelog.\n# To read the complete changelog use `apt changelog {}`.\n"
    # (The line before the sign-off is a value line too, so it tells no place: libc's case.)
    body = ("glibc (2.29-1) unstable; urgency=medium\n\n"
            "  * debian/patches/any/submitted-ld.so-cache-new-format.diff: default to the\n"
            "    new format for ld.so.cache.  Closes: #908946.\n\n"
            " -- Aurelien Jarno <aurel32@debian.org>  Fri, 16 Aug 2019 12:42:42 +0200\n")
    a, b = body + trailer.format("libc6"), body + trailer.format("libc-dev-bin")
    result = scan([Document("libc6", a), Document("libc-dev-bin", b)], SENTENCES)
    assert result.clean_text(0) == a
    copy = result.clean_text(1)
    assert trailer.format("libc-dev-bin").strip() in copy and "Closes" not in copy
    assert "Aurelien Jarno" not in copy


def test_the_entry_past_a_date_line_is_not_the_next_row_of_a_table():
    # Fails on the code before: the date lines are too short to judge, so the second entry's
    # line stood right after the first one's and went against it as the next row of a table.
    text = ("2021-08-18  Alexei Podtelezhnikov  <apodtele@gmail.com>\n\n"
            "\t* builds/windows/ftsystem.c (FT_Stream_Open): Cast to remove warning.\n\n"
            "2021-08-18  Alexei Podtelezhnikov  <apodtele@gmail.com>\n\n"
            "\t* builds/windows/ftsystem.c (FT_Stream_Open): Support UNICODE compilation.\n")
    assert scan([Document("freetype", text)], SENTENCES).drops == {}
    # (rows right beside each other still are: test_a_table_reprinted_one_row_a_line_is_still_dropped)
