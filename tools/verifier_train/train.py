"""Offline: train the second stage (the *reader*) on the embedder's hidden states, by group k-fold.

    /work/.venv-train/bin/python -m tools.verifier_train.train /work/train/pairs.jsonl /work/train/states \\
        --out /work/train/reader

The reader is a small attention head over MiniLM's last hidden states of both prompts: each word piece of
one side attends to the other, compares itself with what it aligned to (and where that sits in the other
prompt, so word order and roles are visible), and the comparisons are pooled into one logit. The encoder
itself stays frozen: it is the shipped int8 MiniLM the cache already runs, so the reader adds one small
network, not another transformer. (A cross-encoder fine-tuned from MiniLM on this 2-core CPU ranked pairs
worse than cosine in the issue's probe; this head builds on the embedder instead of replacing it.)

One model per held-out group (`dataset.GROUPS`), trained without that group's rows or the pairs generated
from them, and one on every group: the shipped one. Writes `fold-<group>.onnx`, `reader.onnx`,
`oof-<group>.jsonl` (each row's logit from the model that never saw it) and `fold-<group>.json` (the
hyper-parameters, seed and losses). Everything below is fixed: same data and seed, same models.
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

import numpy as np
import torch
from torch import nn

from tools.verifier_train.dataset import GROUPS, normalize
from tools.verifier_train.options import add_fold_options, apply_overrides, folds

__all__ = ["HYPER", "Reader", "main"]

HYPER = {
    "seed": 7,
    "basis": 96,  # PCA dimensions of the hidden states the head reads (fixed, from the training rows)
    "width": 64,
    "epochs": 3,
    "dropout": 0.1,
    "batch": 128,
    "lr": 2e-3,
    "weight_decay": 0.01,
    "threads": 1,
    # "sqrt": each group's rows weigh in proportion to the square root of its size (Quora's 81k rows
    # teach the most, the intent sets still count); "equal": every group weighs the same in total.
    "group_weight": "equal",
    # Generated pairs kept: "all", "negatives" (near-misses only: the generated paraphrases are near-copies
    # that teach "any edit means another question") or "none".
    "synthetic": "all",
    # Train only on pairs at least this similar: where the reader is asked (0: every pair).
    "min_cosine": 0.0,
}


class Reader(nn.Module):
    """q, c: [B, T, basis] hidden states in the PCA basis; qm, cm: [B, T] 1/0 masks; cosine: [B] the cache's
    similarity of the pair -> [B] logits of "same request"."""

    def __init__(self, width: int, dims: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(dims, width), nn.GELU(), nn.Dropout(dropout))
        self.compare = nn.Sequential(nn.Linear(4 * width + 3, width), nn.GELU(), nn.Dropout(dropout))
        self.out = nn.Sequential(nn.Linear(4 * width + 1, width), nn.GELU(), nn.Dropout(dropout), nn.Linear(width, 1))
        # Residual on the similarity: the logit starts as a logistic regression on cosine, and the head
        # learns only what cosine misses (a head that replaced it ranked worse than cosine on unseen data).
        last = self.out[-1]
        assert isinstance(last, nn.Linear)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.slope = nn.Parameter(torch.tensor(1.0))
        self.offset = nn.Parameter(torch.tensor(0.0))
        self.scale = 1.0 / math.sqrt(width)

    def _side(self, a: torch.Tensor, am: torch.Tensor, b: torch.Tensor, bm: torch.Tensor,
              e: torch.Tensor) -> torch.Tensor:  # fmt: skip
        """Each piece of `a` against what it aligns to in `b`, pooled: [B, 2*width]."""
        weights = torch.softmax(e + (bm[:, None, :] - 1.0) * 1e4, dim=-1)  # [B, Ta, Tb]
        aligned = weights @ b
        pos_a = _positions(am)
        pos_b = _positions(bm)
        where = (weights * pos_b[:, None, :]).sum(-1)  # where in b each piece of a aligned, 0..1
        order = torch.stack([pos_a, where, pos_a - where], dim=-1)
        v = self.compare(torch.cat([a, aligned, a - aligned, a * aligned, order], dim=-1))
        mask = am[:, :, None]
        mean = (v * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        peak = (v + (mask - 1.0) * 1e4).max(dim=1).values
        return torch.cat([mean, peak], dim=-1)

    def forward(self, q: torch.Tensor, qm: torch.Tensor, c: torch.Tensor, cm: torch.Tensor,
                cosine: torch.Tensor) -> torch.Tensor:  # fmt: skip
        a, b = self.proj(q), self.proj(c)
        e = (a @ b.transpose(1, 2)) * self.scale
        pooled = torch.cat([self._side(a, qm, b, cm, e), self._side(b, cm, a, qm, e.transpose(1, 2))], dim=-1)
        z = (cosine[:, None] - 0.9) / 0.05  # centred on the band the cache decides in, as features.py does
        residual = self.out(torch.cat([pooled, z], dim=-1))[:, 0]
        logit: torch.Tensor = self.slope * z[:, 0] + self.offset + residual
        return logit


class Served(nn.Module):
    """What ships: raw hidden states [B, T, 384] in, the PCA basis and the cosine computed inside."""

    def __init__(self, reader: Reader, mean: np.ndarray, basis: np.ndarray) -> None:
        super().__init__()
        self.reader = reader
        self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))
        self.register_buffer("basis", torch.from_numpy(basis.astype(np.float32)))

    def forward(self, q: torch.Tensor, qm: torch.Tensor, c: torch.Tensor, cm: torch.Tensor) -> torch.Tensor:
        pq = (q * qm[:, :, None]).sum(1) / qm.sum(1, keepdim=True)
        pc = (c * cm[:, :, None]).sum(1) / cm.sum(1, keepdim=True)
        cosine = torch.nn.functional.cosine_similarity(pq, pc, dim=-1)
        project = lambda x: (x - self.mean) @ self.basis  # noqa: E731
        out: torch.Tensor = self.reader(project(q), qm, project(c), cm, cosine)
        return out


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Each piece's place in its prompt, 0 (first) .. 1 (last)."""
    index = torch.cumsum(mask, dim=1) - 1.0
    length = (mask.sum(1, keepdim=True) - 1.0).clamp(min=1.0)
    return index / length * mask


def pca(rows: np.ndarray, dims: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and a whitened basis [384, dims] from a seeded sample of hidden-state rows."""
    rng = np.random.default_rng(seed)
    sample = np.asarray(rows[np.sort(rng.choice(len(rows), min(len(rows), 200_000), replace=False))], dtype=np.float64)
    mean = sample.mean(0)
    _, s, vt = np.linalg.svd(sample - mean, full_matrices=False)
    scale = s[:dims] / math.sqrt(len(sample))
    return mean.astype(np.float32), (vt[:dims].T / scale).astype(np.float32)


class States:
    def __init__(self, folder: Path, dims: int, seed: int) -> None:
        raw = np.load(folder / "states.npy", mmap_mode="r")
        self.offsets = np.load(folder / "offsets.npy")
        texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
        self.index = {t: i for i, t in enumerate(texts)}
        self.mean, self.basis = pca(raw, dims, seed)
        self.rows = np.concatenate([
            (np.asarray(raw[i : i + 500_000], dtype=np.float32) - self.mean) @ self.basis
            for i in range(0, len(raw), 500_000)
        ])  # fmt: skip
        pooled = np.stack(
            [
                np.asarray(raw[a:b], dtype=np.float32).mean(0)
                for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)
            ]
        )
        self.pooled = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def get(self, i: int) -> np.ndarray:
        return self.rows[self.offsets[i] : self.offsets[i + 1]]

    def batch(self, ids: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        parts = [self.get(i) for i in ids]
        width = max(len(p) for p in parts)
        x = np.zeros((len(parts), width, parts[0].shape[1]), dtype=np.float32)
        m = np.zeros((len(parts), width), dtype=np.float32)
        for k, p in enumerate(parts):
            x[k, : len(p)] = p
            m[k, : len(p)] = 1.0
        return torch.from_numpy(x), torch.from_numpy(m)

    def cosine(self, qs: Sequence[int], cs: Sequence[int]) -> torch.Tensor:
        return torch.from_numpy((self.pooled[list(qs)] * self.pooled[list(cs)]).sum(1).astype(np.float32))


def load_pairs(path: Path, states: States) -> list[dict[str, object]]:
    pairs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            # a is stored, b is asked: the reader sees (query=b, cached=a), as the cache does.
            row["q"], row["c"] = states.index[normalize(row["b"])], states.index[normalize(row["a"])]
            pairs.append(row)
    return pairs


def _weights(rows: Sequence[dict[str, object]]) -> np.ndarray:
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[str(r["group"])] = sizes.get(str(r["group"]), 0) + 1
    power = 0.5 if HYPER["group_weight"] == "sqrt" else 1.0
    w = np.array([1.0 / sizes[str(r["group"])] ** power for r in rows])
    return w / w.mean()


def _batches(rows: Sequence[dict[str, object]], size: int, rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar length (less padding), batches shuffled."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    chunks = [order[i : i + size * 50] for i in range(0, len(order), size * 50)]
    out = []
    for chunk in chunks:
        chunk.sort(key=lambda i: int(rows[i]["len"]))  # type: ignore[call-overload]
        out += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def train(rows: Sequence[dict[str, object]], states: States, seed: int) -> tuple[Reader, list[float]]:
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = Reader(int(HYPER["width"]), int(HYPER["basis"]), float(HYPER["dropout"]))
    opt = torch.optim.AdamW(model.parameters(), lr=float(HYPER["lr"]), weight_decay=float(HYPER["weight_decay"]))
    weights = _weights(rows)
    epochs = int(HYPER["epochs"])
    batches_per_epoch = math.ceil(len(rows) / int(HYPER["batch"]))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=float(HYPER["lr"]), total_steps=epochs * batches_per_epoch)
    losses = []
    for epoch in range(epochs):
        total, seen, t0 = 0.0, 0, time.monotonic()
        for ids in _batches(rows, int(HYPER["batch"]), rng):
            q, qm = states.batch([int(rows[i]["q"]) for i in ids])  # type: ignore[call-overload]
            c, cm = states.batch([int(rows[i]["c"]) for i in ids])  # type: ignore[call-overload]
            cos = states.cosine([int(rows[i]["q"]) for i in ids], [int(rows[i]["c"]) for i in ids])  # type: ignore[call-overload]
            y = torch.tensor([float(bool(rows[i]["same"])) for i in ids])
            w = torch.tensor(weights[ids], dtype=torch.float32)
            loss = (
                nn.functional.binary_cross_entropy_with_logits(model(q, qm, c, cm, cos), y, reduction="none") * w
            ).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(ids)
            seen += len(ids)
        losses.append(total / seen)
        print(
            f"  epoch {epoch + 1}: loss {total / seen:.4f} ({time.monotonic() - t0:.0f}s)", file=sys.stderr, flush=True
        )
    return model.eval(), losses


@torch.no_grad()
def logits(model: Reader, rows: Sequence[dict[str, object]], states: States) -> list[float]:
    out = []
    for i in range(0, len(rows), 512):
        part = rows[i : i + 512]
        q, qm = states.batch([int(r["q"]) for r in part])  # type: ignore[call-overload]
        c, cm = states.batch([int(r["c"]) for r in part])  # type: ignore[call-overload]
        cos = states.cosine([int(r["q"]) for r in part], [int(r["c"]) for r in part])  # type: ignore[call-overload]
        out += model(q, qm, c, cm, cos).tolist()
    return out


def export(model: Reader, states: States, path: Path) -> None:
    served = Served(model, states.mean, states.basis).eval()
    q, qm = torch.randn(1, 9, 384), torch.ones(1, 9)
    c, cm = torch.randn(1, 7, 384), torch.ones(1, 7)
    axes = {"q": {0: "batch", 1: "tq"}, "qm": {0: "batch", 1: "tq"}, "c": {0: "batch", 1: "tc"},
            "cm": {0: "batch", 1: "tc"}, "logit": {0: "batch"}}  # fmt: skip
    torch.onnx.export(served, (q, qm, c, cm), str(path), input_names=["q", "qm", "c", "cm"],
                      output_names=["logit"], dynamic_axes=axes, opset_version=17, dynamo=False)  # fmt: skip


def _kept(r: dict[str, object], states: States) -> bool:
    if r["file"] == "synthetic" and (HYPER["synthetic"] == "none" or (HYPER["synthetic"] == "negatives" and r["same"])):
        return False
    cosine = float(states.cosine([int(r["q"])], [int(r["c"])])[0])  # type: ignore[call-overload]
    return cosine >= float(HYPER["min_cosine"])


def _fold(held: str, rows: Sequence[dict[str, object]], states: States, out: Path) -> None:
    """Train without `held` ("all": on everything, the shipped model); its ONNX, record and held-out logits."""
    train_rows = [r for r in rows if r["group"] != held and _kept(r, states)]
    print(f"fold {held}: {len(train_rows)} rows", file=sys.stderr, flush=True)
    model, losses = train(train_rows, states, int(HYPER["seed"]))
    export(model, states, out / ("reader.onnx" if held == "all" else f"fold-{held}.onnx"))
    record = {"held_out": held, "train_rows": len(train_rows), "losses": losses, "hyper": HYPER, "rows": len(rows)}
    (out / f"fold-{held}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    if held == "all":
        return
    test = [r for r in rows if r["group"] == held]
    with (out / f"oof-{held}.jsonl").open("w", encoding="utf-8") as f:
        for r, z in zip(test, logits(model, test, states), strict=True):
            cosine = float(states.cosine([int(r["q"])], [int(r["c"])])[0])  # type: ignore[call-overload]
            keep = {k: r[k] for k in ("a", "b", "same", "group", "file", "row", "rule")}
            f.write(json.dumps(keep | {"logit": z, "cosine": cosine}) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("states", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    add_fold_options(parser)
    args = parser.parse_args(argv)
    apply_overrides(HYPER, args.set)
    torch.set_num_threads(int(HYPER["threads"]))
    states = States(args.states, int(HYPER["basis"]), int(HYPER["seed"]))
    rows = load_pairs(args.pairs, states)
    for r in rows:
        r["len"] = int(states.offsets[int(r["q"]) + 1] - states.offsets[int(r["q"])]) + int(  # type: ignore[call-overload]
            states.offsets[int(r["c"]) + 1] - states.offsets[int(r["c"])]
        )  # type: ignore[call-overload]
    args.out.mkdir(parents=True, exist_ok=True)
    for held in folds({str(r["group"]) for r in rows}, args.only):
        _fold(held, rows, states, args.out)
    folds_file = {stem: f"fold-{group}.onnx" for stem, group in GROUPS.items()}
    (args.out / "folds.json").write_text(json.dumps(folds_file, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
