"""QR codes as SVG (scales on any printer) or PNG (for chat apps and slides). No HTTP here.

The one QR generator: the download routes, the printable door signs and the web pages (board,
"event created") all draw their codes here.
"""

from __future__ import annotations

import html
import io
import re
from functools import lru_cache
from typing import Literal

import qrcode
import qrcode.constants
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathFillImage

from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _

QrFormat = Literal["svg", "png"]
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}

_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>\s*")
_FIXED_SIZE = re.compile(r'\swidth="[^"]*"\sheight="[^"]*"')


def check_format(value: str) -> QrFormat:
    if value == "svg":
        return "svg"
    if value == "png":
        return "png"
    raise ValidationFailed(_("format must be 'svg' or 'png'"), field="format")


def qr_code(data: str, fmt: QrFormat = "svg", *, box_size: int = 10, border: int = 4) -> bytes:
    """Medium error correction: survives a crease or a bit of tape on a printed sign.

    The SVG is black on white (a dark page or projector theme must not swallow the code), with a
    quiet zone of ``border`` modules around it.
    """
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    if fmt == "png":
        qr.make_image(image_factory=PyPNGImage).save(buffer)
    else:
        qr.make_image(image_factory=SvgPathFillImage).save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=256)
def inline_svg(data: str, *, label: str = "QR code", border: int = 4) -> str:
    """An ``<svg>`` element to embed in a page: no XML declaration and no fixed size, so the page's
    CSS sizes it; labelled for screen readers. Cached, since the board redraws it on every update."""
    text = qr_code(data, "svg", border=border).decode("utf-8")
    text = _XML_DECLARATION.sub("", text, count=1)
    text = _FIXED_SIZE.sub("", text, count=1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" focusable="false" ', 1)
