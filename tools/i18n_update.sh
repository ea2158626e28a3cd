#!/bin/sh
# Extract every marked string into app/i18n/messages.pot and merge it into both catalogues.
# Then translate what is new or marked fuzzy in app/i18n/zh_Hans/LC_MESSAGES/messages.po
# (English needs nothing: an empty msgstr shows the msgid). tests/unit/test_i18n_catalogues.py
# fails until every message has a reviewed Chinese translation.
#
# Keep the extract options in step with EXTRACT in tests/unit/test_i18n_catalogues.py:
# Babel's defaults (_, gettext, ngettext, N_, ...) plus t:2, for t(lang, message) in
# templates/pwa/offline.html.
set -eu
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
POT=app/i18n/messages.pot

# --ignore-dirs replaces Babel's default, which skips every directory starting with "_"
# (and with it templates/_partials).
"$PYBABEL" --quiet extract --no-wrap -F babel.cfg -k t:2 --no-location --sort-output \
    --ignore-dirs=".* __pycache__ node_modules var" \
    --project=Gatepost --version=0.1 --copyright-holder=Gatepost -o "$POT" .
for lang in zh_Hans en; do
    if [ -f "app/i18n/$lang/LC_MESSAGES/messages.po" ]; then
        # Removed messages are dropped (not kept as obsolete); near matches of changed ones
        # come back marked fuzzy, for a person to review.
        "$PYBABEL" --quiet update --ignore-obsolete --no-wrap -i "$POT" -d app/i18n -l "$lang"
    else
        "$PYBABEL" --quiet init --no-wrap -i "$POT" -d app/i18n -l "$lang"
    fi
done
echo "Updated app/i18n/*/LC_MESSAGES/messages.po: translate new and fuzzy entries in zh_Hans."
