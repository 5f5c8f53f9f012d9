"""The UI in the interface language: key hints and the palette's commands.

Textual keeps key bindings per widget class, with English descriptions given at class
definition; each app, screen and widget of ours calls ``localize_bindings(self)`` in its
``__init__`` to show them in the interface language (the descriptions are the msgids).
"""

from __future__ import annotations

import dataclasses

from textual.dom import DOMNode

from guide_assistant.common.i18n import N_, _, current_language

# Textual's own words that our screens show (footer, command palette), for extraction
TEXTUAL_MESSAGES = (
    N_("Quit"),
    N_("palette"),
    N_("Quit the app and return to the command prompt."),
    N_("Open the command palette"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


def localize_bindings(node: DOMNode) -> None:
    """Translate the descriptions and tooltips of ``node``'s key bindings (textual==8.2.8 keeps
    them in ``_bindings``; the version is pinned in pyproject.toml)."""
    if current_language() == "en":
        return
    bindings = node._bindings
    bindings.key_to_bindings = {
        key: [
            dataclasses.replace(
                b, description=_(b.description) if b.description else b.description, tooltip=_(b.tooltip) if b.tooltip else b.tooltip
            )
            for b in group
        ]
        for key, group in bindings.key_to_bindings.items()
    }
