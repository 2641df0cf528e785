from semcache.streaming import replay_pieces


def test_replay_pieces_rebuild_the_text_exactly() -> None:
    for text in ("The capital of France is Paris.", "  spaced\n\nlines  ", "one", "", "a b c d e f g"):
        assert "".join(replay_pieces(text)) == text
