"""Check that two `kb build` outputs are the same, for changes meant to alter speed only.

    .venv/bin/python bench/same_build.py BUILD_A BUILD_B

Compares, and prints every difference (exit 1 if any):
  every published file byte for byte (public/, internal/ and the other languages' portals),
  the manifests less their build moments (``built_at``, and ``as_of``: build both with the same
  ``--at`` to compare that too), and each search index's stored
  documents, terms with their postings (document, frequency) per field, vocabulary, metadata
  (kb_search.json), build state (kb_documents.json, less its salt: a digest of the code, which
a change to the code changes by design) and every vector array (kb_vectors.npz).
The work folder (``.work``, caches) and Whoosh's segment file names (random) are not compared.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb_core.search.schema import INDEX_NAME, META_FILE, VOCAB_FILE  # noqa: E402

STATE_FILE = "kb_documents.json"
VECTORS_FILE = "kb_vectors.npz"


def _files(top: Path) -> dict[str, Path]:
    return {
        p.relative_to(top).as_posix(): p
        for p in top.rglob("*")
        if p.is_file() and ".work" not in p.relative_to(top).parts
    }


def _index_dirs(top: Path) -> list[str]:
    return sorted(
        p.parent.relative_to(top).as_posix()
        for p in top.rglob(META_FILE)
        if ".work" not in p.relative_to(top).parts
    )


def _manifest(path: Path) -> Any:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("built_at", None)
    data.pop("as_of", None)
    return data


def _index_content(where: Path) -> Iterator[tuple[str, Any]]:
    """(what, digest) pairs of one index: stored documents, and each field's terms' postings."""
    ix = whoosh_index.open_dir(str(where), indexname=INDEX_NAME)
    with ix.searcher() as s:
        docs = sorted(
            json.dumps(fields, sort_keys=True, default=str) for fields in s.all_stored_fields()
        )
        yield "documents", docs
        reader = s.reader()
        ids = {n: reader.stored_fields(n).get("id", n) for n in reader.all_doc_ids()}
        for field in sorted(reader.indexed_field_names()):
            h = hashlib.sha256()
            count = 0
            for term in reader.lexicon(field):
                count += 1
                postings = reader.postings(field, term)
                items = sorted((str(ids[d]), w) for d, w in postings.items_as("weight"))
                h.update(repr((term, items)).encode())
            yield f"terms of {field} ({count})", h.hexdigest()
    for name in (META_FILE, VOCAB_FILE):
        path = where / name
        yield name, path.read_bytes() if path.exists() else None
    path = where / STATE_FILE
    state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    if isinstance(state, dict):
        state.pop("salt", None)
    yield STATE_FILE, state
    path = where / VECTORS_FILE
    if path.exists():
        with np.load(path) as z:
            for key in sorted(z.files):
                arr = z[key]
                yield f"{VECTORS_FILE}:{key}", (arr.dtype.str, arr.shape, arr.tobytes())


def compare(a: Path, b: Path) -> list[str]:
    """Every difference between the two builds, as lines to print."""
    out: list[str] = []
    fa, fb = _files(a), _files(b)
    indexes = set(_index_dirs(a)) | set(_index_dirs(b))

    def in_index(rel: str) -> bool:
        return any(rel.startswith(d + "/") for d in indexes)

    for rel in sorted(set(fa) | set(fb)):
        if in_index(rel):
            continue
        if rel not in fa or rel not in fb:
            out.append(f"only in {'B' if rel not in fa else 'A'}: {rel}")
            continue
        if rel.startswith("manifest") and rel.endswith(".json"):
            if _manifest(fa[rel]) != _manifest(fb[rel]):
                out.append(f"manifest differs: {rel}")
        elif fa[rel].read_bytes() != fb[rel].read_bytes():
            out.append(f"file differs: {rel}")
    for d in sorted(indexes):
        if not (a / d).is_dir() or not (b / d).is_dir():
            out.append(f"index only in one build: {d}")
            continue
        ca, cb = dict(_index_content(a / d)), dict(_index_content(b / d))
        for what in sorted(set(ca) | set(cb)):
            if ca.get(what) != cb.get(what):
                out.append(f"index {d}: {what} differs")
    return out


def main() -> None:
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    diffs = compare(a, b)
    for line in diffs:
        print(line)
    files = len(_files(a))
    print(
        f"{'DIFFERENT' if diffs else 'same'}: {files} files, indexes {_index_dirs(a)}"
        + (f", {len(diffs)} difference(s)" if diffs else "")
    )
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
