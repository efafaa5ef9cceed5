"""stages/glyphs.py: a misreading by one glyph confusion, not any word one edit away."""

from dedup.stages.glyphs import ocr_alike


def test_glyph_confusions_and_a_lost_character_are_misreadings():
    assert ocr_alike(b"woles", b"wales")  # a read as o
    assert ocr_alike(b"woodbriclge", b"woodbridge")  # cl for d
    assert ocr_alike(b"tlie", b"the")  # li for h
    assert ocr_alike(b"unied", b"united")  # a character lost


def test_other_words_one_edit_away_are_not():
    assert not ocr_alike(b"iraq", b"iran")  # q is not read for n
    assert not ocr_alike(b"ira", b"iran")  # too short to lose a character
    assert not ocr_alike(b"karlsson", b"krefting")
    assert not ocr_alike(b"wales", b"wales")


def test_fold_writes_each_confused_glyph_as_one_of_its_group():
    from dedup.stages.glyphs import fold, fold_all
    assert fold("Thc incidents werc three") == fold("The incidents were three") == "tho lnoldonts woro throo"
    assert fold("tlie") == fold("the")  # li for h
    texts = ["The tlie", "one\x1f\x1e\x1ftwo", "Ünïcode clean"]  # a text holding the separator: one by one
    assert fold_all(texts) == [fold(t) for t in texts]

