"""Keeps the message catalogs in step with the code (a tool for developers, not run by the
server): `python -P -m service.console.catalogs` extracts every `_("...")` from the templates
and the console's Python, adds new messages to each .po file, drops unused ones, keeps every
translation, and lists the Chinese messages still untranslated (exit status 1 if any)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from service.console.i18n import LANGUAGES

PACKAGE = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("*.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                 "lstrip_blocks": "true"}}


def extracted() -> Catalog:
    template = Catalog(project="trustd console")
    for filename, lineno, message, _comments, context in extract_from_dir(
            PACKAGE, METHODS, options_map=OPTIONS):
        if isinstance(message, str) and filename != "catalogs.py":
            template.add(message, locations=[(filename, lineno)], context=context)
    return template


def po_file(lang: str) -> Path:
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "messages.po"


def untranslated(lang: str) -> list[str]:
    with po_file(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    wanted = {m.id for m in extracted() if isinstance(m.id, str) and m.id}
    have = {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id}
    return sorted(m for m in wanted if not have.get(m))


def update() -> int:
    template = extracted()
    missing = []
    for lang in LANGUAGES:
        path = po_file(lang)
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if lang == "en":  # the source language: every message is its own translation
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True,
                     include_lineno=False)
        missing += [f"{lang}: {m}" for m in untranslated(lang)]
    for line in missing:
        print("untranslated", line)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(update())
