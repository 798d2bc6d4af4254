"""QR codes as SVG (scales on any printer) or PNG (for chat apps and slides). No HTTP here."""

from __future__ import annotations

import io
from typing import Literal

import qrcode
import qrcode.constants
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathFillImage

from unconf.errors import ValidationFailed

QrFormat = Literal["svg", "png"]
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}


def check_format(value: str) -> QrFormat:
    if value == "svg":
        return "svg"
    if value == "png":
        return "png"
    raise ValidationFailed("format must be 'svg' or 'png'", field="format")


def qr_code(data: str, fmt: QrFormat = "svg", *, box_size: int = 10) -> bytes:
    """Medium error correction: survives a crease or a bit of tape on a printed sign."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    if fmt == "png":
        qr.make_image(image_factory=PyPNGImage).save(buffer)
    else:
        qr.make_image(image_factory=SvgPathFillImage).save(buffer)
    return buffer.getvalue()


def inline_svg(data: str) -> str:
    """An SVG element to embed in a printable page (without the XML declaration)."""
    text = qr_code(data, "svg").decode("utf-8")
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1].lstrip()
    return text
