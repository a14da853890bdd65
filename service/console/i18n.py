"""Message catalogs: gettext .po files (Babel), compiled in memory when the console starts, so
nothing needs compiling by hand; the language comes from a cookie, else Accept-Language."""

from __future__ import annotations

import gettext
import io
from importlib import resources

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("zh_CN", "en")  # the moderators of this market read Chinese first
DEFAULT = "zh_CN"
LANG_COOKIE = "trustd_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def po_path(lang: str) -> resources.abc.Traversable:
    return resources.files("service.console").joinpath(f"locale/{lang}/LC_MESSAGES/messages.po")


def load_catalogs() -> dict[str, gettext.GNUTranslations]:
    out = {}
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        out[lang] = gettext.GNUTranslations(buffer)
    return out


def _accepted(header: str) -> list[str]:
    """Accept-Language tags, most wanted first ("zh-CN,zh;q=0.9,en;q=0.8")."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def choose(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    wanted = _accepted(accept_language or "")
    aliases = {"zh": "zh_CN", "zh_Hans": "zh_CN", "zh_Hans_CN": "zh_CN"}
    found = negotiate_locale(wanted, list(LANGUAGES), sep="_", aliases=aliases)
    return found if found in LANGUAGES else DEFAULT
