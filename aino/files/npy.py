"""One NumPy array as `.npy` bytes, and back, read strictly: nothing is unpickled or evaluated.

A `.npy` member is
    b"\\x93NUMPY" major minor   header length (2 bytes in version 1, 4 in versions 2 and 3)
    header                      a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}
    data                        prod(shape) * itemsize bytes
`read_npy` checks every field before it allocates: the dtype must be a plain number (bool, integer,
float; text where the caller allows it), the shape a short tuple of sizes, and the data exactly as
long as the shape says. Anything else is a ValueError naming `what` was read.
"""

import ast
import io

import numpy

MAGIC = b"\x93NUMPY"
MAX_HEADER_BYTES = 1 << 16  # NumPy writes about 128 bytes; a longer header is not an array's
MAX_DIMENSIONS = 32  # NumPy's own limit is 64; no aino array comes close
NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats
TEXT_KIND = "U"  # fixed-width unicode: no objects inside, allowed where the caller says so


def npy_bytes(array):
    """`array` in the .npy format (never pickled: object arrays are refused by NumPy)."""
    buffer = io.BytesIO()
    numpy.save(buffer, numpy.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def read_npy(data, what, allow_text=False):
    """The array in `data` (.npy bytes), or a ValueError naming `what` and what is wrong with it."""
    descr, fortran_order, shape, start = _read_header(bytes(data[: MAX_HEADER_BYTES + 12]), what)
    dtype = _plain_dtype(descr, what, allow_text)
    count = 1
    for size in shape:
        count *= size
    needed = count * dtype.itemsize
    if len(data) - start != needed:
        raise ValueError(
            f"{what}: the header declares shape {shape} of {dtype.str} ({needed} bytes of data), "
            f"but {len(data) - start} bytes follow it")
    flat = numpy.frombuffer(data, dtype=dtype, count=count, offset=start)
    return flat.reshape(shape, order="F" if fortran_order else "C").copy()


def _read_header(data, what):
    if data[:6] != MAGIC or len(data) < 10:
        raise ValueError(f"{what} is not a .npy array (it does not start with {MAGIC!r})")
    major, minor = data[6], data[7]
    if (major, minor) not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"{what}: .npy format version {major}.{minor}; expected 1.0, 2.0 or 3.0")
    width = 2 if major == 1 else 4
    length = int.from_bytes(data[8: 8 + width], "little")
    start = 8 + width + length
    if length > MAX_HEADER_BYTES or start > len(data):
        raise ValueError(f"{what}: the .npy header claims {length} bytes; at most {MAX_HEADER_BYTES} are read")
    try:
        text = data[8 + width: start].decode("utf-8" if major == 3 else "latin1")
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, UnicodeDecodeError) as error:
        raise ValueError(f"{what}: the .npy header is not a Python literal ({type(error).__name__})") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError(f"{what}: the .npy header must hold exactly descr, fortran_order and shape")
    shape, fortran_order = header["shape"], header["fortran_order"]
    if not isinstance(fortran_order, bool):
        raise ValueError(f"{what}: fortran_order must be True or False, got {fortran_order!r}")
    if (not isinstance(shape, tuple) or len(shape) > MAX_DIMENSIONS
            or not all(type(size) is int and size >= 0 for size in shape)):
        raise ValueError(f"{what}: the shape must be a tuple of at most {MAX_DIMENSIONS} sizes >= 0, got {shape!r}")
    return header["descr"], fortran_order, shape, start


def _plain_dtype(descr, what, allow_text):
    kinds = NUMERIC_KINDS + (TEXT_KIND if allow_text else "")
    if not isinstance(descr, str) or len(descr) > 16:
        raise ValueError(f"{what}: dtype {descr!r} is not a plain number type (structured arrays are refused)")
    try:
        dtype = numpy.dtype(descr)
    except (TypeError, ValueError, SyntaxError):
        raise ValueError(f"{what}: {descr!r} is not a NumPy dtype") from None
    if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
        expected = "bool, integer or float" + (" or text" if allow_text else "")
        raise ValueError(f"{what} has dtype {dtype}; expected {expected} (objects are never unpickled)")
    return dtype
