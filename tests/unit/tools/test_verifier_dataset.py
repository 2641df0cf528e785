"""The training tools' restated normaliser is the cache's: a model must learn the prompts the cache embeds."""

from __future__ import annotations

import pytest

from semcache.normalize import normalize_text
from tools.verifier_train.dataset import normalize


@pytest.mark.parametrize(
    "text",
    ["  What IS the  capital\tof France? ", "ﬁnd Straße №5", "Ｆｕｌｌ　ｗｉｄｔｈ", "line\nbreak\r\n", "", "ÇA VA?"],
)
def test_the_restated_normaliser_matches_the_caches(text: str) -> None:
    assert normalize(text) == normalize_text(text)
