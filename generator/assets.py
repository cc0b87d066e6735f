"""Where papershelf's own files are: the templates, the static files (lunr.js among them) and the
files ``papershelf new`` starts a shelf with.

An installed package holds them beside its code (``generator/templates``, ``generator/static``; the
wheel maps the repository's top-level folders there, see pyproject.toml). A source checkout, or an
editable install of one, has them at the top of the repository, one copy of each file.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = _bundled("templates")
STATIC_DIR = _bundled("static")
SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"
# The folders of papershelf itself: never an output folder, never inside one.
INSTALLATION_DIRS = (PACKAGE_DIR, TEMPLATES_DIR, STATIC_DIR)


def user_cache_dir() -> Path:
    """papershelf's folder in the user's cache (``$XDG_CACHE_HOME/papershelf``, by default
    ``~/.cache/papershelf``): what is worth keeping between builds of any site."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "papershelf"
