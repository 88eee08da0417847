"""Names for the numpy arrays the engine passes around, by what their elements are.

Type aliases only: the arrays stay plain numpy arrays. Naming the element type lets the type
checker tell a mask from row positions, keys or typed values.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# One flag per row (failing, null, valid...).
Mask = npt.NDArray[np.bool_]
# Raw bytes: a string array's data, or the bitmap of `checks.keys.DenseKeys`.
Bytes = npt.NDArray[np.uint8]
# Row positions, line numbers, counts. numpy types its index results (intp) as at most 64 bits,
# so they are Int64s too.
Int64s = npt.NDArray[np.int64]
Float64s = npt.NDArray[np.float64]
# 64-bit keys of values (see `checks.keys`).
Keys = npt.NDArray[np.uint64]
# A typed column's values: integer, boolean, date and datetime as int64, number as float64.
Typed = Int64s | Float64s
