"""stages/templates.py: filled-in templates are never copies; edited copies still are."""

from dedup import Config, Document, scan
from dedup.stages.templates import code_words, identifiers


def drops_between(texts: list[str], config: Config = Config(sentences=True)) -> int:
    """How many of these one-line documents a scan drops (each is judged against the others)."""
    result = scan([Document(str(i), t) for i, t in enumerate(texts)], config)
    return len(result.drops)


HEADERS = [f"Overview of Changes from GLib 2.{a}.{b} to GLib 2.{a}.{b + 1} in this stable release series"
           for a, b in [(15, 0), (15, 1), (14, 6), (13, 2)]]
ROWS = [f"U+{c:04x} uni{c:04X} 2.{v} (Sans, Sans Bold, Sans Oblique, Serif, Serif Bold, Mono)" for c, v in
        [(0x57D, 3), (0x4AF, 2), (0x4B0, 2), (0x531, 1)]]
ENV = [f"{lib}_DEBUG: Set this variable to a list of debug options, which cause {lib.title()} to print out "
       "different types of debugging information." for lib in ("GTK", "GDK", "GSK")]


def test_release_headers_table_rows_and_env_vars_are_kept():
    assert drops_between(HEADERS) == 0
    assert drops_between(ROWS) == 0
    assert drops_between(ENV) == 0


def test_the_same_lines_are_dropped_as_whole_spans_only_without_the_rule():
    # --whole-spans (the default): containment alone takes the shared frame for a copy.
    assert drops_between(ROWS, Config(sentences=False)) > 0


def test_a_copy_with_one_corrected_figure_is_still_a_copy():
    a = ("We are hearing as many as 35 people have been shot at the factory but we cannot confirm that, "
         "said a police dispatcher in the town late on Tuesday night.")
    b = a.replace("35", "39")
    assert drops_between([a, b]) == 1


def test_an_ocr_error_is_not_a_value():
    a = ("One fire at Appin in the southern highlands was quickly brought under control by crews "
         "working through the night, the service said on Sunday morning.")
    b = a.replace("quickly", "quick1y").replace("southern", "5outhern")
    assert drops_between([a, b]) == 1


def test_a_figure_beside_a_changed_word_is_not_a_missing_value():
    # The 400 is in both texts; only the words next to it changed (misread here). Counted by
    # shingle, every 4-gram holding 400 was missing and the pair looked like a filled-in template.
    a = "Australia has linked $10 million of aid to a new agreement with Nauru to accept an extra 400 asylum seekers."
    b = "Australia has linked $10 million of aid to a new agreement with Nauru to accept au extro 400 asylum 5eekers."
    assert drops_between([a, b]) == 1


def test_two_variables_are_apart_though_one_names_the_others_word():
    # GTK_PROFILE's text says "verbose"; GTK_VERBOSE is still another variable. Before, the
    # pair was refused as a template but the sentence-run stage took one as the other's copy.
    a = ("GTK_PROFILE: Set this variable to a list of verbose options, which cause Gtk to print out "
         "different types of event information.")
    b = ("GTK_VERBOSE: Set this variable to a list of profiling options, which cause Gtk to print out "
         "different types of diagnostic information.")
    assert drops_between([a, b]) == 0
    assert drops_between([b, a]) == 0


def test_a_name_beside_a_changed_word_is_not_a_missing_name():
    a = ("Senior officials have been infuriated by a popular demonstration of interest in American "
         "institutions such as the FBI and the CIA.")
    b = a.replace("such as the FBI", "as such the FBI")
    assert drops_between([a, b]) == 1


def test_reports_that_differ_in_names_are_kept():
    # People's names in ordinary capitals are what tells one appointment notice or one
    # city's forecast from another: values, as numbers are.
    notices = [f"{who} has been appointed director of the Reserve Bank, replacing {old}, who retires in "
               "December after 13 years in the role." for who, old in
               [("Julie Fraser", "Mark Ryan"), ("Anne Nguyen", "Sarah Ryan"), ("Peter Thompson", "Michael Chen")]]
    assert drops_between(notices) == 0
    forecasts = [f"{city}: showers clearing, top temperature 18 degrees, overnight low 10, winds south-easterly "
                 "5 to 20 km/h." for city in ("Sydney", "Wollongong", "Newcastle")]
    assert drops_between(forecasts) == 0


def test_a_copy_that_keeps_its_names_is_still_a_copy():
    a = ("Julie Fraser has been appointed director of the Reserve Bank, replacing Mark Ryan, who retires "
         "in December after 13 years in the role, the bank said on Tuesday.")
    b = a.replace("the bank said on Tuesday", "a spokesman for the bank said")
    assert drops_between([a, b]) == 1


def test_numbers_count_as_often_as_they_occur():
    # Two commits' diffstats: the same numbers appear on both sides, but not as often.
    a = "src/fccache.c | 2 ++\n 1 file changed, 2 insertions(+)"
    b = "src/fccache.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)"
    assert drops_between([b, a]) == 0  # found in Debian's docs: dropped as near-equal before
    assert drops_between([a, b]) == 0


def test_hyphenated_names_with_a_digit_are_identifiers():
    # Debian's pointer line names another package in each changelog (at-spi2-common, libglib2.0-0).
    line = "# Older entries have been removed from this changelog.\n# To read the complete changelog use `apt changelog {}`."
    assert drops_between([line.format("libglib2.0-0"), line.format("at-spi2-common")]) == 0
    assert identifiers("a 5-year-old boy won 2-1 on x86-64") == {b"x86", b"64"}


NOTICE = ("Permission to use, copy, modify, distribute, and sell this software and its documentation for any "
          "purpose is hereby granted without fee, provided that the above copyright notice appear in all copies "
          "and that both that copyright notice and this permission notice appear in supporting documentation, "
          "and that the name of {0} not be used in advertising or publicity pertaining to distribution of the "
          "software without specific, written prior permission.  {0} makes no representations about the "
          "suitability of this software for any purpose.  It is provided as is without express or implied warranty.")


def test_the_same_notice_for_another_holder_is_kept():
    # Near-equal but for the holder's name: `Keith Packard` against `Open Software Foundation`.
    assert drops_between([NOTICE.format("Keith Packard"), NOTICE.format("Open Software Foundation")]) == 0
    assert drops_between([NOTICE.format("Keith Packard"), NOTICE.format("Open Software Foundation")],
                         Config(sentences=False)) == 1


CLAUSE = ("Except as contained in this notice, the name of {0} shall not be used in advertising or otherwise "
          "to promote the sale, use or other dealings in this Software without prior written authorization "
          "from {0}.")


def test_a_clause_for_another_holder_is_kept_though_it_names_no_value():
    # Names alone (no digit, no capitals): the advertising clause of the X11 licence for two
    # holders, dropped as a copy on Debian's docs (containment 0.76) before names-only texts
    # were read as templates.
    pair = [CLAUSE.format("The Open Group"), CLAUSE.format("the Digital Equipment Corporation")]
    assert drops_between(pair) == 0
    assert drops_between(pair[::-1]) == 0
    assert drops_between(pair, Config(sentences=False)) == 1
    # A one-letter capital before a name is part of it (`the X Consortium`): without it the
    # words the X11 side misses fell short of VALUE_SHARE (6 values of 13; real docs, seed 4).
    x11 = ("Except as contained in this notice, the name of the X Consortium or of the XFree86 Project shall "
           "not be used in advertising or otherwise to promote the sale, use or other dealings in this Software "
           "without prior written authorization from the X Consortium and the XFree86 Project.")
    assert drops_between([x11, CLAUSE.format("The Open Group")]) == 0


def test_a_misread_or_glued_name_is_still_a_copy():
    # syndicated_ocr of the accuracy benchmark: the names differ only by OCR's errors.
    a = ("Wayne Arthurs and Todd Woodbridge are scheduled to lead Australia in the doubles against "
         "Cedric Pioline and Fabrice Santoro.")
    b = a.replace("Woodbridge", "Woodbriclge").replace("Pioline and", "Pioline ancl")
    assert drops_between([a, b]) == 1
    c = ("The United States has now deployed gunships along the Pakistani border to try and stop Osama "
         "bin Laden crossing into Pakistan.")
    d = c.replace("United", "Unied").replace("into Pakistan", "intoPakistan")
    assert drops_between([c, d]) == 1


def test_a_name_misread_in_a_line_with_numbers_is_still_a_copy():
    # heavy_ocr of the accuracy benchmark, seed 4: Woles for Wales made the line a template.
    a = "The nation's road toll has risen to 37, after another death on New South Wales roads."
    assert drops_between([a, a.replace("Wales", "Woles")]) == 1


def test_another_name_one_edit_away_is_no_misreading():
    a = "The ambassador to Iran said the talks with the envoys would resume next week after the holiday."
    assert drops_between([a, a.replace("Iran", "Iraq")]) == 0


def test_a_name_of_two_words_both_misread_is_not_another_name():
    # heavy_ocr, accuracy benchmark: `Indiau Parliarnent` for `Indian Parliament` read as two
    # holders' names (named_apart) once the misreadings raised the pair above SAME_TEXT.
    a = ("India's Home Minister, LK Advani, has been quoted by the Reuters news agency as telling a meeting of "
         "business and industry leaders in New Delhi that the man has confessed to planning suicide attacks in "
         "Australia and Britain, as well as on the Indian Parliament. The report says Mr Advani says Indian "
         "authorities have confirmed and verified the confessions.")
    b = ("India's Home Minis ter, LK Advani, has been quoted by thc Reuters news agency os telling a meeting of "
         "business and industry leaders in New Delhi that the man has confessed to planning suicide attacks in "
         "Australia and Britain, as wel1 as on thc Indiau Parliarnent. The report soys MrAdvani says "
         "Indianauthorities have confirm ed and verified the confessions.")
    assert drops_between([a, b]) == 1


def test_a_notice_whose_name_changed_on_one_side_only_is_a_copy():
    # One word of two missing (Packard in both): an edit, not another holder.
    assert drops_between([NOTICE.format("Keith Packard"), NOTICE.format("Mr Packard")]) == 1


def test_a_wire_dateline_is_not_a_name_of_the_text():
    # Fails on the code before: the reprint's first line, its dateline glued on, was refused
    # against the source paragraph as naming something else (BRISBANE against the QC of the
    # source's second sentence), so both copies of the sentence stayed (accuracy benchmark,
    # reprint_lines, seed 2).
    from dedup import Config, Document, scan
    from dedup.stages.templates import identifiers

    source = ("The Royal Commission into the Building Industry has ended the first day of public hearings in "
              "Melbourne. Counsel assisting Lionel Robbards QC told the commission of a culture of fear in the "
              "building industry.")
    reprint = ("BRISBANE, Oct 25 (Northern Herald) - The Royal Commission into the Building Industry has ended the "
               "first day of public hearings in Melbourne.")
    result = scan([Document("src", source), Document("reprint", reprint)], Config(sentences=True))
    assert [result.clean_text(0), result.clean_text(1)] == [source, ""]
    assert identifiers("WASHINGTON (Reuters) - The FBI said") == {b"fbi"}
    assert identifiers("GTK_DEBUG (env) - a list") >= {b"gtk_debug"}, "not a dateline: names stay"


TRAILER = "# Older entries have been removed from this changelog.\n# To read the complete changelog use `apt changelog {}`."


def test_code_spans_name_what_they_act_on():
    # Fails on the code before: no digit, no capitals, so the two lines were not even read as
    # templates and each package's pointer went against another's (341 drops on Debian's docs).
    assert drops_between([TRAILER.format("libaudit-common"), TRAILER.format("apt-transport-https")]) == 0
    assert drops_between([TRAILER.format("libaudit-common")] * 2) == 1
    # The old quotes `like this' are no code spans; a code span's words written plain elsewhere
    # are the same names (upstream NEWS quoted in a Debian changelog).
    assert code_words("The `help' builtin no longer does prefix matching, so `help read' does not match `readonly'.") == set()
    news = "* `pipecmd_exec` now calls `_exit` rather than `exit`, to avoid bugs such as functions registered using `atexit` being called multiple times."
    debian = "- pipecmd_exec now calls _exit rather than exit, to avoid bugs such as functions registered using atexit being called multiple times (LP: #1276257)."
    assert drops_between([news, debian]) == 1


CHROMIUM = ("Copyright: Copyright (c) {} The Chromium Authors. All rights reserved. Use of this source code is "
            "governed by a BSD-style license that can be found in the LICENSE file.")


def test_copyright_notices_with_other_years_are_kept():
    # Fails on the code before (one year in 30 words was a corrected figure): both dropped.
    assert drops_between([CHROMIUM.format("2006-2013"), CHROMIUM.format("2006-2009")]) == 0
    assert drops_between([CHROMIUM.format("2009-2013"), CHROMIUM.format("2009")]) == 0
    assert drops_between([CHROMIUM.format("2006-2009")] * 2) == 1
    # A notice inside a stanza of several names more years than its copy: still a copy.
    stanza = ("Files: *\nCopyright: 1995-2020, The OpenSSL Project Authors\n 1995-1998, Eric A. Young, Tim J. Hudson\n"
              " 2004-2014 Akamai Technologies.\nLicense: OpenSSL")
    assert drops_between([stanza, "Copyright (c) 1995-1998 Eric A. Young, Tim J. Hudson"]) == 1


def test_an_edit_that_puts_a_name_where_a_word_stood_is_still_a_copy():
    # Fails on the code before: UN on one side and USS on the other read as two names apart
    # (accuracy benchmark, doubled_edited, seed 2: the doubled paragraph stayed twice).
    source = ("But the UN's deputy envoy to Afghanistan, Ahmed Fawzi, says he is not concerned about the administrative "
              "delays. \"This is not something we can push through, it's not instant coffee and water,\" he said.")
    edited = source.replace("the UN's", "the on").replace("This is not", "This USS not")
    result = scan([Document("a", source + "\n\n" + edited)], Config(sentences=True))
    assert result.clean_text(0).strip() == source
    # A name in the other's slot, or one more name, is a template still.
    assert drops_between([ENV[0], ENV[0].replace("GTK_DEBUG", "GTK_DEBUG_FLAGS")]) == 0
    header = "This document details the changes between this version, bash-5.2-{}, and the previous version, bash-5.2-{}."
    assert drops_between([header.format("rc2", "rc1"), header.format("rc3", "rc2")]) == 0


def test_a_hidden_files_path_is_an_identifier():
    # Fails on the code before: `fc-cat/.cvsignore` (a dot after the slash) named nothing, so
    # one commit's diffstat went against another's `INSTALL | 4 ++--` line.
    stat = "{} | 4 ++--\n 1 file changed, 2 insertions(+), 2 deletions(-)"
    assert identifiers(stat.format("fc-cat/.cvsignore")) >= {b"fc-cat/.cvsignore", b"cvsignore"}
    assert drops_between([stat.format("INSTALL"), stat.format("fc-cat/.cvsignore")]) == 0
