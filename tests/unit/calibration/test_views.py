"""Conversation views: the same lookups with chats judged by the history rule, by the model over the whole
keys, by the model over the last user turns alone, or by it and the rule; each scored by one fold's choice."""

from __future__ import annotations

import numpy as np
import pytest

from semcache.calibration import crossval, learn
from semcache.calibration.cvreport import CrossValidation, cv_section
from semcache.calibration.metrics import Observed
from semcache.calibration.table import VIEWS, build, served_mask
from semcache.verify.features import vector

from .test_learn import cand, rows

CHAT = 4  # the conversation row of `rows()`


def test_each_view_judges_only_the_conversation_rows_differently() -> None:
    observed = rows()
    rule, whole, question, questions = (build("t", observed, has_negatives=True, view=v) for v in VIEWS)
    assert rule.conversation.tolist() == questions.conversation.tolist() == [i == CHAT for i in range(6)]
    assert not whole.conversation.any() and not question.conversation.any()
    singles = [i for i in range(6) if i != CHAT]
    for other in (whole, question, questions):
        assert np.array_equal(rule.x[singles], other.x[singles]), other.view
    chat = observed[CHAT]
    c = chat.candidates[0]
    assert whole.x[CHAT].tolist() == list(vector(chat.query, c.entry.prompt, c.similarity))
    last_turns = list(vector("cancel it", "cancel it please", c.similarity))
    assert question.x[CHAT].tolist() == questions.x[CHAT].tolist() == last_turns


def test_the_question_and_rule_view_needs_the_rule_and_the_model() -> None:
    observed = rows()
    rule = build("t", observed, has_negatives=True)
    questions = build("t", observed, has_negatives=True, view="question_and_rule")
    assert rule.conversation_ok[CHAT]
    doubt = np.ones(6)
    doubt[CHAT] = 0.1  # the model doubts the chat's candidate
    for table, served in ((rule, True), (questions, False)):
        assert served_mask(table, 0.85, probs=doubt, min_probability=0.5)[CHAT] == served, table.view
    history_differs = Observed(
        "user: hi\nassistant: hello\nuser: cancel it", True, None,
        (cand("e6", "user: my gym plan\nassistant: ok\nuser: cancel it", 0.95),), frozenset({"e6"}),
    )  # fmt: skip
    refused = build("t", [history_differs], has_negatives=True, view="question_and_rule")
    assert not served_mask(refused, 0.85, probs=np.ones(1), min_probability=0.5)[0]
    # The last user turns alone do not see that the histories differ: the model serves it.
    alone = build("t", [history_differs], has_negatives=True, view="question")
    assert served_mask(alone, 0.85, probs=np.ones(1), min_probability=0.5)[0]


def test_an_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown conversation view 'flat'"):
        build("t", rows(), has_negatives=True, view="flat")


def test_every_view_is_scored_by_the_held_out_files_own_fold() -> None:
    tables = [build(f"f{i}", rows(0.01 * i), has_negatives=True) for i in range(3)]
    folds = crossval.leave_one_file_out(tables, 0.05)
    views = [build("f0", rows(), has_negatives=True, view=v) for v in VIEWS]
    got = crossval.by_view(views, folds[0])
    assert [(r.name, r.view) for r in got] == [("f0", v) for v in VIEWS]
    assert [r.held_out for r in got] == [learn.score_choice(t, folds[0].choice) for t in views]
    assert got[0].held_out == folds[0].held_out
    cv = CrossValidation(folds, learn.fit(tables, 0.05), folds, [], conversations=got)
    text = "".join(cv_section(cv, 0.05))
    assert "Should the pair model judge chats too?" in text
    assert "| f0 | the pair model and guards over the whole keys, history included |" in text
