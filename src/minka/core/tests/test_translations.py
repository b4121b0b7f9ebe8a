"""Spanish is the default language: the catalogue is complete, and the compiled catalogue that
Django loads is the one built from it."""

from __future__ import annotations

from pathlib import Path

import polib
from django.utils import translation

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert not missing, missing[:10]
    assert not fuzzy, fuzzy[:10]


def test_the_compiled_catalogue_matches_the_sources():
    catalogue = polib.pofile(str(CATALOGUE))
    entries = [e for e in catalogue if not e.obsolete and not e.msgid_plural and not e.msgctxt]
    with translation.override("es"):
        stale = [e.msgid for e in entries if translation.gettext(e.msgid) != e.msgstr]
    assert not stale, f"recompile django.mo: {stale[:5]}"
