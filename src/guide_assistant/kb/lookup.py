"""Resolve what people type for a phase or a role (id, number, name or alias in en/sv/no)."""

from __future__ import annotations

import re

from guide_assistant.common.i18n import N_, _, current_language
from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.kb.textnorm import fold

MESSAGES = {"phase": N_("unknown phase '{value}'; valid phases: {valid}"), "role": N_("unknown role '{value}'; valid roles: {valid}")}


class UnknownValue(ValueError):
    """What people typed is no phase (role); the message, in the interface language, lists the valid ones."""

    def __init__(self, kind: str, value: str, valid: list[str]):
        self.kind, self.value, self.valid = kind, value, valid
        super().__init__(_(MESSAGES[kind]).format(value=value, valid=", ".join(valid)))


def _key(text: str) -> str:
    return " ".join(re.sub(r"\s*/\s*", "/", fold(text)).replace("_", " ").split())


def phase_table(kb: KnowledgeBase) -> dict[str, str]:
    table: dict[str, str] = {}
    for p in kb.phases.phases:
        names = [p.id, str(p.order), p.name.en, p.name.sv, p.name.no, *p.aliases.en, *p.aliases.sv, *p.aliases.no]
        for n in names:
            table.setdefault(_key(n), p.id)
    return table


def role_table(kb: KnowledgeBase) -> dict[str, str]:
    table: dict[str, str] = {}
    for r in kb.roles.roles:
        names = [r.id, r.name.en, r.name.sv, r.name.no, *r.aliases.en, *r.aliases.sv, *r.aliases.no]
        for n in names:
            table.setdefault(_key(n), r.id)
            for part in n.split("/"):
                table.setdefault(_key(part), r.id)
    return table


def resolve_phase(kb: KnowledgeBase, value: str) -> str:
    found = phase_table(kb).get(_key(value))
    if found is None:
        lang = current_language()
        raise UnknownValue("phase", value, [f"{p.order}={p.id} ({getattr(p.name, lang)})" for p in kb.phases.phases])
    return found


def resolve_role(kb: KnowledgeBase, value: str) -> str:
    found = role_table(kb).get(_key(value))
    if found is None:
        lang = current_language()
        names = (lambda r: f"{r.name.sv}/{r.name.no}") if lang == "en" else (lambda r: getattr(r.name, lang))
        raise UnknownValue("role", value, [f"{r.id} ({names(r)})" for r in kb.roles.roles])
    return found
