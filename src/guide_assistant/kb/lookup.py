"""Resolve what people type for a phase or a role (id, number, name or alias in en/sv/no)."""

from __future__ import annotations

import re

from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.kb.textnorm import fold


class UnknownValue(ValueError):
    def __init__(self, kind: str, value: str, valid: list[str]):
        self.kind, self.value, self.valid = kind, value, valid
        super().__init__(f"unknown {kind} '{value}'; valid {kind}s: {', '.join(valid)}")


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
        raise UnknownValue("phase", value, [f"{p.order}={p.id} ({p.name.en})" for p in kb.phases.phases])
    return found


def resolve_role(kb: KnowledgeBase, value: str) -> str:
    found = role_table(kb).get(_key(value))
    if found is None:
        raise UnknownValue("role", value, [f"{r.id} ({r.name.sv}/{r.name.no})" for r in kb.roles.roles])
    return found
