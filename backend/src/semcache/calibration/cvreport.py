"""Pure: the cross-validated section that leads docs/quality.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from semcache.calibration.bounded import BoundRow, bound_section
from semcache.calibration.crossval import Bin, Fold, ViewRow
from semcache.calibration.learn import Choice
from semcache.calibration.report import pct, versus_static

__all__ = ["IN_SAMPLE", "CrossValidation", "cv_section"]


@dataclass(frozen=True)
class CrossValidation:
    folds: list[Fold]
    fitted: Choice  # on all files: what ships
    guards_only: list[Fold]  # the same folds with the model off: does the model pay?
    bounds: list[BoundRow]  # CACHE_MAX_ERROR on each file as a stream, with its fold's model
    #: The same folds with the word features alone (no reader): does the reader pay? None: not reading.
    without_reader: list[Fold] | None = None
    calibration: list[Bin] | None = None  # held-out predicted vs observed
    #: Files with conversation keys, scored by their fold with chats judged each way (`table.VIEWS`).
    conversations: list[ViewRow] | None = None


def cv_table(folds: Sequence[Fold], target: float) -> str:
    head = (
        "| held-out file | fitted on the others: threshold, cut-off, guards | hit rate | wrong-answer rate "
        "| predicted wrong | served | of the wrong: on `same` rows | best static at same wrong rate: threshold, hit "
        "| gain | target met |\n"
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|\n"
    )
    rows = []
    for f in folds:
        m, c = f.held_out, f.choice
        fitted = f"{c.model.min_similarity:.2f}, {c.model.min_probability:.2f}, {', '.join(c.guards) or 'none'}"
        rows.append(
            f"| {f.name} | {fitted} | {pct(m.hit_rate)} | {pct(m.wrong_rate)} "
            f"| {'n/a' if f.predicted_wrong is None else pct(f.predicted_wrong)} | {m.served} "
            f"| {m.served_positives - m.right_positives} of {m.wrong} "
            f"| {versus_static(f.has_negatives, m, f.baseline, f.gain, target)} |"
        )
    return head + "\n".join(rows) + "\n"


def weights_table(choice: Choice) -> str:
    names = choice.model.features
    cells = " | ".join(f"{w:+.2f}" for w in choice.model.weights)
    return f"| {' | '.join(names)} | bias |\n|{'---:|' * (len(names) + 1)}\n| {cells} | {choice.model.bias:+.2f} |\n"


def calibration_table(bins: Sequence[Bin]) -> str:
    rows = [
        f"| {b.low:.2f}-{b.high:.2f} | {b.rows} | {pct(b.predicted)} | {pct(b.observed)} | {pct(1 - b.observed)} |"
        for b in bins
    ]
    head = (
        "| predicted right | candidates | mean predicted | observed right | observed wrong |\n"
        "|---|---:|---:|---:|---:|\n"
    )
    return head + "\n".join(rows) + "\n"


#: What each conversation view means, as the report's rows name it.
VIEW_NAMES = {
    "rule": "the history rule (as shipped)",
    "whole": "the pair model and guards over the whole keys, history included",
    "question": "the pair model and guards over the last user turns alone",
    "question_and_rule": "the pair model over the last user turns, then the history rule",
}


def conversations_table(rows: Sequence[ViewRow]) -> str:
    head = (
        "| held-out file | conversation keys judged by | hit rate | wrong-answer rate | served |\n"
        "|---|---|---:|---:|---:|\n"
    )
    body = [
        f"| {r.name} | {VIEW_NAMES[r.view]} | {pct(r.held_out.hit_rate)} | {pct(r.held_out.wrong_rate)} "
        f"| {r.held_out.served} |"
        for r in rows
    ]
    return head + "\n".join(body) + "\n"


def _conversation_section(cv: CrossValidation) -> list[str]:
    return [CONVERSATIONS, conversations_table(cv.conversations)] if cv.conversations else []


def _reader_sections(cv: CrossValidation, target: float) -> list[str]:
    out = []
    if cv.without_reader is not None:
        out += [WITHOUT_READER, cv_table(cv.without_reader, target)]
    if cv.calibration:
        out += [CALIBRATION, calibration_table(cv.calibration)]
    return out


def cv_section(cv: CrossValidation, target: float) -> list[str]:
    c = cv.fitted
    shipped = "pair_model_reader.json" if c.model.reads else "pair_model.json"
    return [
        "## Cross-validated: each file scored by settings fitted without it\n",
        CV_METHOD,
        cv_table(cv.folds, target),
        f"\nFitted on all files (the shipped model, `semcache/data/{shipped}`): threshold "
        f"**{c.model.min_similarity:.2f}**, model cut-off **{c.model.min_probability:.2f}**, guards kept on top "
        f"of the model: **{', '.join(c.guards) or 'none'}**. Its weights:\n",
        weights_table(c),
        *_reader_sections(cv, target),
        GUARDS_ONLY,
        cv_table(cv.guards_only, target),
        *_conversation_section(cv),
        *bound_section(cv.bounds),
    ]


CV_METHOD = """Leave one file out: the pair model's weights (a logistic regression over the similarity and the features
of `verify/features.py`), the similarity threshold, the model's cut-off and which hand-written guards
still run on top of it are all fitted on the other files (`calibration/learn.py`: the highest mean hit
rate whose mean wrong-answer rate over those files is within half the target, a margin for data it has
not seen), then scored once on the file left out. No number in this table comes from a file that took
part in choosing its setting. The static baseline, in contrast, is the best threshold *on the held-out
file itself* (hindsight), so the gain is a lower bound. Conversation keys keep the hand-written history
rule (every guard on the questions, then the history check) at the fitted threshold; the model is trained
on single prompts only. "Predicted wrong": the fold's model's own mean chance of a wrong answer over the
single prompts it served there (mean 1 - p), to read beside the observed rate: where they part, its
probability does not mean on that file what it says. "On `same` rows": wrong hits served to a query that
has a labelled paraphrase stored, but got another stored prompt the labels do not link to it (reading
them, mostly a paraphrase the labels miss, such as a second wording of the same documentation sentence in
gptcache). One choice here was made with sight of this table: the fitting rule (half the target) was picked
among three (mean within the target, every file within it, mean within half of it).
"""

WITHOUT_READER = """
Does the reader pay? The same folds with the word features and the similarity alone (no reader logit;
the model of `CACHE_VERIFY_READER=false`), fitted the same way on the other files:
"""

CALIBRATION = """
Is the probability a probability? Every held-out file's candidates inside its fold's threshold, scored by
its fold's model (fitted without that file, its reader logits from a reader trained without it), pooled
and binned by the predicted chance that serving the candidate is right:
"""

GUARDS_ONLY = """
Does the model pay? The same folds with the model off (cut-off fixed at 0: threshold and guards alone,
fitted the same way on the other files):
"""

CONVERSATIONS = """
Should the pair model judge chats too? Each file with conversation keys, scored by its fold's settings
(the threshold and model fitted on the other files' single prompts) with those keys judged four ways:
"""

IN_SAMPLE = """The tables below score the settings in force on the same files they were fitted on: they
show what the shipped defaults do here, not how they carry over to other data (see the table above).
"""
