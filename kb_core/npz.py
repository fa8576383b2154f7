"""Writing a ``.npz`` file as :func:`numpy.savez` writes one, an array a block at a time.

``np.savez`` takes whole arrays: a build's section vectors (about 100,000 rows at cpp-docs,
75 MB as float16) and their anchors (58 MB as one fixed-width string array) were held whole
until the file was written. :class:`NpzWriter` writes each array into its member of the zip
file as its rows come, so only a block of them is ever held. The file is the one ``np.savez``
writes, byte for byte: the same members in the same order, each holding the same bytes (the
``.npy`` header, then the data in C order), dated as ``np.savez`` dates them (1980-01-01).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy


class NpzWriter:
    """An uncompressed ``.npz`` file being written, member by member (``np.savez``'s layout).

    Use it as a context manager: the zip file's directory is written when it closes. Raises
    ValueError when an array's blocks do not fill the shape it was given.
    """

    def __init__(self, file: str | os.PathLike[str] | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def __enter__(self) -> NpzWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def add(self, name: str, array: Any) -> None:
        """Write ``array`` whole as member ``name`` (``name.npy``), as ``np.savez`` does."""
        with self._zip.open(name + ".npy", "w", force_zip64=True) as out:  # as np.savez
            npy.write_array(out, np.asanyarray(array), allow_pickle=False)

    def add_blocks(
        self, name: str, shape: tuple[int, ...], dtype: Any, blocks: Iterable[Any]
    ) -> None:
        """Write member ``name``, an array of ``shape`` and ``dtype``, from ``blocks``: its
        rows in order, each block converted with ``np.asarray(block, dtype)`` (a list of
        strings becomes a block of ``dtype``'s width, as a whole array of them would)."""
        dtype = np.dtype(dtype)
        header = {"shape": shape, "fortran_order": False, "descr": npy.dtype_to_descr(dtype)}
        rows = 0
        with self._zip.open(name + ".npy", "w", force_zip64=True) as out:
            try:  # the oldest version that can hold the header, as np.save chooses
                npy.write_array_header_1_0(out, header)
            except ValueError:
                npy.write_array_header_2_0(out, header)
            for block in blocks:
                part = np.ascontiguousarray(np.asarray(block, dtype=dtype))
                if part.shape[1:] != shape[1:] or rows + len(part) > shape[0]:
                    raise ValueError(f"{name}: a block of shape {part.shape} does not fit {shape}")
                out.write(part.tobytes())
                rows += len(part)
        if rows != shape[0]:
            raise ValueError(f"{name}: {rows} rows written of {shape[0]}")
