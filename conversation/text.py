"""How what people wrote is shown: escaped, with http(s) links made clickable and nothing else."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A link starts with http:// or https:// and runs to the next space or angle bracket; trailing
# punctuation ("see https://x.org.") belongs to the sentence, not the link.
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"
LINK_REL = "noopener nofollow ugc"


def linkify(text: str) -> Markup:
    """Escape everything; only http:// and https:// addresses become links (never javascript: and co.)."""
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            url = url[:-1]
        if len(url) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(url)
        out.append(str(escape(text[last:start])))
        out.append(f'<a href="{escape(url)}" rel="{LINK_REL}" target="_blank">{escape(url)}</a>')
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out).replace("\n", "<br>"))
