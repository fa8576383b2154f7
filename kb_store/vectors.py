"""The ``query_vectors`` cache: each distinct normalised query's sentence vector, per model.

``kb gaps`` reads it to group failed searches by meaning (``kb_reports.gaps.semantic``), and
writes back what it had to encode; the API writes the vectors of failed searches as it logs
them (``Store.log_events``). A vector is stored as little-endian float16 bytes: half the
storage, and the cosines move by about 1e-3, far below any threshold step.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from kb_core.semantic import DIMENSIONS, MODEL_NAME
from kb_store.tables import query_vectors

log = logging.getLogger(__name__)

__all__ = ["load_vectors", "save_vectors", "write_vectors"]

Matrix = npt.NDArray[np.float32]

READ_CHUNK = 2_000  # queries per IN (...) list: SQLite allows 32,766 parameters, keep it modest
WRITE_CHUNK = 5_000  # rows per INSERT


def _to_bytes(vector: Matrix) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def load_vectors(conn: sa.Connection, queries: Collection[str]) -> dict[str, Matrix]:
    """Cached vectors of ``queries`` (the current model's only); empty when the store has no
    ``query_vectors`` table yet (a store migrated before it existed)."""
    if not queries or not sa.inspect(conn).has_table(query_vectors.name):
        return {}
    c = query_vectors.c
    wanted = sorted(queries)
    names: list[str] = []
    blobs: list[bytes] = []
    width = DIMENSIONS * 2  # float16
    for i in range(0, len(wanted), READ_CHUNK):
        chunk = wanted[i : i + READ_CHUNK]
        rows = conn.execute(
            sa.select(c.query, c.vector).where(c.model == MODEL_NAME, c.query.in_(chunk))
        )
        for q, data in rows:
            if len(data) == width:  # anything else was written by another model's shape
                names.append(str(q))
                blobs.append(bytes(data))
    if not names:
        return {}
    # one conversion for all rows: per-row astype cost a second over a month's queries
    matrix = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(names), DIMENSIONS)
    matrix = matrix.astype(np.float32)
    return {q: matrix[i] for i, q in enumerate(names)}


def save_vectors(url: str, vectors: Mapping[str, Matrix]) -> bool:
    """Write new vectors to the store's cache; False (and a warning) when it cannot be written.

    A report must not fail because its cache could not be kept (a read-only store, a replica,
    a store not migrated yet): the next report encodes those queries again.
    """
    if not vectors:
        return True
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            write_vectors(conn, vectors)
        return True
    except sa.exc.SQLAlchemyError as exc:
        log.warning("could not cache %d query vectors in the store: %s", len(vectors), exc)
        return False
    finally:
        engine.dispose()


def write_vectors(conn: sa.Connection, vectors: Mapping[str, Matrix]) -> None:
    """Insert ``vectors`` into ``query_vectors`` in ``conn``'s transaction, keeping rows that
    are already there (another writer may have cached the same query)."""
    rows = [
        {"query": q, "model": MODEL_NAME, "vector": _to_bytes(v)}
        for q, v in sorted(vectors.items())
        if len(q) <= 200
    ]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: sa.Insert = pg_insert(query_vectors).on_conflict_do_nothing()
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(query_vectors).on_conflict_do_nothing()
    else:  # pragma: no cover - the store supports SQLite and PostgreSQL
        stmt = query_vectors.insert()
    for i in range(0, len(rows), WRITE_CHUNK):
        conn.execute(stmt, rows[i : i + WRITE_CHUNK])
