"""config.py: validation naming the option, derived LSH shape, fingerprint."""

import dataclasses
import json

import pytest

from dedup import Config, ConfigError
from dedup.config import optimal_bands

BAD = {
    "ngram-zero": ("ngram", {"ngram": 0}),
    "ngram-too-big": ("ngram", {"ngram": 33}),
    "ngram-float": ("ngram", {"ngram": 2.5}),
    "ngram-bool": ("ngram", {"ngram": True}),
    "ngram-str": ("ngram", {"ngram": "5"}),
    "threshold-zero": ("threshold", {"threshold": 0}),
    "threshold-above-one": ("threshold", {"threshold": 1.2}),
    "threshold-negative": ("threshold", {"threshold": -0.5}),
    "threshold-nan": ("threshold", {"threshold": float("nan")}),
    "threshold-str": ("threshold", {"threshold": "0.7"}),
    "threshold-bool": ("threshold", {"threshold": True}),
    "lsh-threshold-zero": ("lsh_threshold", {"lsh_threshold": 0.0}),
    "lsh-threshold-inf": ("lsh_threshold", {"lsh_threshold": float("inf")}),
    "min-tokens-zero": ("min_tokens", {"min_tokens": 0}),
    "num-perm-zero": ("num_perm", {"num_perm": 0}),
    "num-perm-too-big": ("num_perm", {"num_perm": 4096}),
    "anchor-rate-zero": ("anchor_rate", {"anchor_rate": 0}),
    "max-bucket-one": ("max_bucket", {"max_bucket": 1}),
    "keep-unknown": ("keep", {"keep": "last"}),
    "segment-unknown": ("segment", {"segment": "sentence"}),
    "seed-negative": ("seed", {"seed": -1}),
    "seed-too-big": ("seed", {"seed": 2**32}),
    "seed-bool": ("seed", {"seed": True}),
    "bands-without-rows": ("bands", {"bands": 8}),
    "rows-without-bands": ("rows", {"rows": 8}),
    "bands-zero": ("bands", {"bands": 0, "rows": 4}),
    "rows-zero": ("rows", {"bands": 4, "rows": 0}),
    "bands-bool": ("bands", {"bands": True, "rows": 4}),
    "bands-times-rows-too-big": ("bands", {"bands": 20, "rows": 8, "num_perm": 128}),
}


@pytest.mark.parametrize("option,kwargs", BAD.values(), ids=BAD.keys())
def test_bad_value_raises_config_error_naming_option(option, kwargs):
    with pytest.raises(ConfigError, match=option) as raised:
        Config(**kwargs)
    assert raised.value.option == option


def test_config_error_is_value_error():
    with pytest.raises(ValueError):
        Config(keep="random")


def test_good_edge_values_accepted():
    Config(threshold=1.0, lsh_threshold=1, ngram=1, min_tokens=1, num_perm=1, anchor_rate=1, max_bucket=2, seed=0)
    Config(ngram=32, num_perm=1024, seed=2**32 - 1)
    Config(bands=16, rows=8, num_perm=128)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().ngram = 3  # type: ignore[misc]


def test_replace_validates():
    assert Config().replace(keep="longest").keep == "longest"
    with pytest.raises(ConfigError, match="ngram"):
        Config().replace(ngram=0)


@pytest.mark.parametrize("threshold,num_perm", [(0.4, 128), (0.5, 128), (0.8, 256), (0.3, 64)])
def test_derived_band_rows(threshold, num_perm):
    bands, rows = optimal_bands(threshold, num_perm)
    assert bands * rows <= num_perm
    # the S-curve's midpoint (1/b)^(1/r) lies near the threshold
    assert abs((1 / bands) ** (1 / rows) - threshold) < 0.15
    assert Config(lsh_threshold=threshold, num_perm=num_perm).band_rows == (bands, rows)


def test_explicit_band_rows_win():
    assert Config(bands=4, rows=32).band_rows == (4, 32)


def test_params_list_every_option_and_derived_shape():
    config = Config()
    params = config.params()
    assert {f.name for f in dataclasses.fields(Config)} <= set(params)
    assert (params["bands"], params["rows"]) == config.band_rows
    assert "normalization_version" in params
    json.dumps(params)  # serialisable as written into stats and outputs


def test_fingerprint_stable():
    assert Config().fingerprint == Config().fingerprint
    assert len(Config().fingerprint) == 16
    assert Config(keep="longest").fingerprint == Config(keep="longest").fingerprint


CHANGES = {
    "ngram": {"ngram": 6},
    "shingle": {"shingle": "char"},
    "threshold": {"threshold": 0.8},
    "min_tokens": {"min_tokens": 5},
    "lsh_threshold": {"lsh_threshold": 0.6},
    "num_perm": {"num_perm": 64},
    "bands-rows": {"bands": 2, "rows": 5},
    "anchor_rate": {"anchor_rate": 8},
    "max_bucket": {"max_bucket": 50},
    "keep": {"keep": "longest"},
    "segment": {"segment": "line"},
    "seed": {"seed": 2},
    "sentences": {"sentences": True},
}


def test_changes_cover_every_option():
    named = {k for change in CHANGES.values() for k in change}
    assert named == {f.name for f in dataclasses.fields(Config)}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_fingerprint_changes_with_any_parameter(change):
    assert Config(**change).fingerprint != Config().fingerprint
    assert Config(**change).params() != Config().params()


def test_fingerprints_all_distinct():
    prints = {Config(**change).fingerprint for change in CHANGES.values()} | {Config().fingerprint}
    assert len(prints) == len(CHANGES) + 1


def test_sentences_must_be_a_bool():
    with pytest.raises(ConfigError, match="sentences"):
        Config(sentences="yes")


# --- the threshold's old name -------------------------------------------------------


def test_threshold_is_the_keyword_the_cli_and_stats_use():
    config = Config(threshold=0.7)
    assert config.threshold == 0.7
    assert config.params()["threshold"] == 0.7 and "containment" not in config.params()


def test_containment_keyword_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"Config\(threshold=\.\.\.\)"):
        old = Config(containment=0.7)
    assert old == Config(threshold=0.7)
    with pytest.warns(DeprecationWarning, match="Config.threshold"):
        assert old.containment == 0.7
    with pytest.warns(DeprecationWarning), pytest.raises(ConfigError, match="threshold"):
        Config(containment=0.7, threshold=0.8)
    with pytest.warns(DeprecationWarning), pytest.raises(ConfigError, match="threshold"):
        Config(containment=1.5)


def test_fingerprint_unchanged_by_the_rename():
    # The fingerprint of the defaults as written into every output before the rename
    # (samples/ --out marker of the release before): old outputs and indexes still match.
    assert Config().fingerprint == "8da4c30c4373edab"
