"""Looking at what a scan found: the HTML report (html), `dedup explain` (explain), the
word alignment both show (align), and the near-threshold pairs the report samples (borderline)."""
