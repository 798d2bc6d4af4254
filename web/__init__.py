"""Every HTML page: phone, board, console, notes, check-in, setup; one Jinja environment."""

from pathlib import Path

WEB_DIR = Path(__file__).parent
