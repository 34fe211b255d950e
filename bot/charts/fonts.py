"""The fonts a chart is drawn in: matplotlib's own DejaVu Sans for Latin letters and digits,
and Noto Sans CJK SC for Chinese, as one fallback list (matplotlib ≥ 3.6 takes each glyph from
the first family that has it), so "350万元" reads in both without boxes.

The CJK font comes from the index with the install (the `noto-cjk-sans-otc` package, declared in
pyproject.toml): no system font is assumed. Its collection (.ttc) holds the SC face among others;
matplotlib ≥ 3.11 registers every face of a collection. A broken install without it still draws
(Chinese then shows as boxes) and says so once in the log: the text beside a chart carries the
same numbers.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from pathlib import Path

logger = logging.getLogger(__name__)

LATIN_FAMILY = "DejaVu Sans"  # ships inside matplotlib itself
CJK_FAMILY = "Noto Sans CJK SC"
CJK_PACKAGE = "noto_cjk_sans_otc"
CJK_FILE = "NotoSansCJK-Regular.ttc"

_lock = threading.Lock()
_families: tuple[str, ...] | None = None


def cjk_font_path() -> Path | None:
    """Where the installed CJK font file is, or None when the package or file is missing."""
    try:
        path = Path(str(resources.files(CJK_PACKAGE).joinpath(CJK_FILE)))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def families() -> tuple[str, ...]:
    """The font families to draw every text in, CJK font registered: once per process (the
    outbox sends from several threads, so the first ones wait for the one doing it)."""
    global _families
    if _families is not None:
        return _families
    with _lock:
        if _families is None:
            _families = _register()
    return _families


def _register() -> tuple[str, ...]:
    from matplotlib import font_manager

    path = cjk_font_path()
    if path is None:
        logger.warning(
            "charts: the CJK font (%s/%s) is not installed: Chinese labels will show as boxes; "
            "reinstall dealbot to bring it back",
            CJK_PACKAGE,
            CJK_FILE,
        )
        return (LATIN_FAMILY,)
    try:
        font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError, ValueError):
        logger.warning("charts: the CJK font at %s cannot be read", path, exc_info=True)
        return (LATIN_FAMILY,)
    if CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        logger.warning("charts: %s holds no %s face", path, CJK_FAMILY)
        return (LATIN_FAMILY,)
    return (LATIN_FAMILY, CJK_FAMILY)
