"""A minimal PNG encoder and decoder (8-bit RGBA) built on zlib and struct.

The stand-in server answers map exports, tiles and legend swatches with
real PNG images so that clients which decode them (QGIS, Qt) accept them.
Only what the stand-in and its tests need is supported: encoding 8-bit RGBA
images without interlacing, and decoding such images (plus 8-bit RGB) back
into rows of RGBA bytes so a test can sample a pixel.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence

PixelFn = Callable[[int, int], Sequence[int]]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_COLOUR_TYPE_RGB = 2
_COLOUR_TYPE_RGBA = 6


def encode_png(
    width: int,
    height: int,
    pixels: PixelFn | Sequence[bytes],
    *,
    level: int = 6,
) -> bytes:
    """Encode an 8-bit RGBA image as PNG bytes.

    ``pixels`` is either a callable ``pixel_fn(x, y)`` returning an
    ``(r, g, b, a)`` sequence for every pixel (simple but slow: one Python
    call per pixel), or a sequence of ``height`` rows, each a ``bytes`` object
    of ``width * 4`` RGBA bytes (fast: rows can be built by repeating a pixel
    pattern with bytes multiplication and may share the same object).
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")

    if callable(pixels):
        rows = [_row_from_function(pixels, width, y) for y in range(height)]
    else:
        rows = list(pixels)
    _check_rows(rows, width, height)

    # Every scanline starts with filter type 0 (None): one zero byte per row.
    raw = b"\x00" + b"\x00".join(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPE_RGBA, 0, 0, 0)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(raw, level)),
            _chunk(b"IEND", b""),
        )
    )


def solid_row(width: int, rgba: Sequence[int]) -> bytes:
    """Return one RGBA row of ``width`` pixels all of the colour ``rgba``."""
    return bytes(rgba) * width


def bordered_png(
    width: int,
    height: int,
    fill: Sequence[int],
    border: Sequence[int],
) -> bytes:
    """Encode an image filled with ``fill`` inside a 1-pixel ``border`` frame.

    The frame makes the image recognisably drawn by the stand-in while the
    inside (in particular the centre pixel) keeps the plain fill colour.
    Rows are shared objects, so even a 4096x4096 image is cheap to build.
    """
    edge = solid_row(width, border)
    if width > 2:
        inner = bytes(border) + solid_row(width - 2, fill) + bytes(border)
    else:
        inner = edge

    rows = [inner] * height
    rows[0] = edge
    rows[-1] = edge
    return encode_png(width, height, rows)


def png_size(data: bytes) -> tuple[int, int]:
    """Return ``(width, height)`` read from the IHDR chunk of PNG ``data``."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode a non-interlaced 8-bit RGB or RGBA PNG into RGBA rows.

    Returns ``(width, height, rows)`` where each row holds ``width * 4``
    bytes. All five PNG row filters are undone, so images written by other
    encoders decode too as long as they use these colour types.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG image")

    header = b""
    compressed = bytearray()
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break

    if len(header) != 13:
        raise ValueError("PNG image without a valid IHDR chunk")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (_COLOUR_TYPE_RGB, _COLOUR_TYPE_RGBA):
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
    if interlace:
        raise ValueError("interlaced PNG images are not supported")

    channels = 4 if colour == _COLOUR_TYPE_RGBA else 3
    raw = zlib.decompress(bytes(compressed))
    rows = _unfilter(raw, width, height, channels)
    if channels == 3:
        rows = [_rgb_to_rgba(row) for row in rows]
    return width, height, rows


def pixel_at(rows: Sequence[bytes], x: int, y: int) -> tuple[int, int, int, int]:
    """Return the ``(r, g, b, a)`` pixel at ``(x, y)`` of decoded RGBA rows."""
    start = x * 4
    r, g, b, a = rows[y][start : start + 4]
    return r, g, b, a


def _row_from_function(pixel_fn: PixelFn, width: int, y: int) -> bytes:
    """Build one RGBA row by calling ``pixel_fn`` for each pixel of row y."""
    row = bytearray(width * 4)
    for x in range(width):
        r, g, b, a = pixel_fn(x, y)
        row[x * 4 : x * 4 + 4] = bytes((r, g, b, a))
    return bytes(row)


def _check_rows(rows: Sequence[bytes], width: int, height: int) -> None:
    """Raise ValueError unless ``rows`` holds height rows of width RGBA pixels."""
    if len(rows) != height:
        raise ValueError(f"expected {height} rows, got {len(rows)}")
    expected = width * 4
    for index, row in enumerate(rows):
        if len(row) != expected:
            raise ValueError(f"row {index} has {len(row)} bytes, expected {expected}")


def _chunk(kind: bytes, body: bytes) -> bytes:
    """Frame one PNG chunk: length, type, data and CRC of type plus data."""
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _unfilter(raw: bytes, width: int, height: int, channels: int) -> list[bytes]:
    """Undo the per-row PNG filters and return the plain rows."""
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    position = 0
    for _ in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1 : position + 1 + stride])
        position += 1 + stride
        _unfilter_line(kind, line, previous, channels)
        rows.append(bytes(line))
        previous = line
    return rows


def _unfilter_line(
    kind: int, line: bytearray, previous: bytearray, channels: int
) -> None:
    """Reverse filter ``kind`` on ``line`` in place, given the row above."""
    if kind == 0:
        return
    if kind == 2:
        line[:] = bytes((a + b) & 0xFF for a, b in zip(line, previous))
        return

    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        if kind == 1:
            predictor = left
        elif kind == 3:
            predictor = (left + up) // 2
        elif kind == 4:
            upper_left = previous[i - channels] if i >= channels else 0
            predictor = _paeth(left, up, upper_left)
        else:
            raise ValueError(f"unknown PNG filter type {kind}")
        line[i] = (line[i] + predictor) & 0xFF


def _paeth(left: int, up: int, upper_left: int) -> int:
    """The Paeth predictor of the PNG specification."""
    estimate = left + up - upper_left
    distance_left = abs(estimate - left)
    distance_up = abs(estimate - up)
    distance_upper_left = abs(estimate - upper_left)
    if distance_left <= distance_up and distance_left <= distance_upper_left:
        return left
    if distance_up <= distance_upper_left:
        return up
    return upper_left


def _rgb_to_rgba(row: bytes) -> bytes:
    """Expand an RGB row to RGBA with full opacity."""
    out = bytearray(len(row) // 3 * 4)
    out[0::4] = row[0::3]
    out[1::4] = row[1::3]
    out[2::4] = row[2::3]
    out[3::4] = b"\xff" * (len(row) // 3)
    return bytes(out)
