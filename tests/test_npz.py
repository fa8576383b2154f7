"""kb_core.npz: a .npz written an array a block at a time is the file np.savez writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb_core.npz import NpzWriter

ARRAYS = {
    "ids": np.array(["cards/arrival", "mail/forward", "é𝄞"], dtype=str),
    "vectors": np.arange(3 * 384, dtype=np.float32).reshape(3, 384).astype(np.float16),
    "rows": np.array([0, 0, 1, 2, 2, 2], dtype=np.int32),
    "anchors": np.array(["", "tips", "", "", "a-long-anchor", "b"], dtype=str),
    "keys": np.array([b"\x00" * 16, b"k" * 16], dtype="S16"),
    "model": np.array("0123456789abcdef"),
    "empty": np.zeros((0, 4), dtype=np.float64),
    "fortran": np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4)),
    # a header past 64 KiB needs the .npy format's version 2.0, as np.savez chooses
    "wide": np.zeros(2, dtype=[(f"field{i}", "<i2") for i in range(4000)]),
}


# np.savez warns of the version 2.0 header of "wide" (read only by NumPy 1.9 and later)
@pytest.mark.filterwarnings("ignore:Stored array in format 2.0")
@pytest.mark.parametrize("block", [1, 2, 1000])
def test_arrays_written_in_blocks_are_what_savez_writes(tmp_path: Path, block: int) -> None:
    np.savez(tmp_path / "savez.npz", **ARRAYS)  # type: ignore[arg-type]
    with NpzWriter(tmp_path / "blocks.npz") as npz:
        for name, array in ARRAYS.items():
            if array.ndim == 0 or array.flags.f_contiguous and array.ndim > 1:
                npz.add(name, array)  # a scalar has no rows; Fortran order is kept as such
                continue
            rows = [array[i : i + block] for i in range(0, len(array), block)]
            if array.dtype.kind == "U":  # lists of strings, as the build hands anchors
                rows = [[str(x) for x in r] for r in rows]
            npz.add_blocks(name, array.shape, array.dtype, rows)
    assert (tmp_path / "blocks.npz").read_bytes() == (tmp_path / "savez.npz").read_bytes()
    with np.load(tmp_path / "blocks.npz", max_header_size=2**20) as loaded:  # "wide"
        assert loaded.files == list(ARRAYS)
        for name, array in ARRAYS.items():
            assert loaded[name].dtype == array.dtype and np.array_equal(loaded[name], array)


@pytest.mark.filterwarnings("ignore:Stored array in format 2.0")
def test_whole_arrays_added_are_what_savez_writes(tmp_path: Path) -> None:
    np.savez(tmp_path / "savez.npz", **ARRAYS)  # type: ignore[arg-type]
    with open(tmp_path / "added.npz", "wb") as f, NpzWriter(f) as npz:  # a file object too
        for name, array in ARRAYS.items():
            npz.add(name, array)
    assert (tmp_path / "added.npz").read_bytes() == (tmp_path / "savez.npz").read_bytes()


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([np.zeros((2, 3))], "v: 2 rows written of 3"),
        ([np.zeros((2, 3))] * 2, r"v: a block of shape \(2, 3\) does not fit \(3, 3\)"),
        ([np.zeros((3, 2))], r"v: a block of shape \(3, 2\) does not fit \(3, 3\)"),
    ],
)
def test_blocks_that_do_not_fill_the_shape_are_refused(
    tmp_path: Path, blocks: list[np.ndarray], message: str
) -> None:
    with NpzWriter(tmp_path / "bad.npz") as npz, pytest.raises(ValueError, match=message):
        npz.add_blocks("v", (3, 3), np.float32, blocks)
