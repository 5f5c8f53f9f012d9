"""Read YAML safely while remembering where each value stands, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from guide_assistant.kb.errors import KnowledgeProblem

M = TypeVar("M", bound=BaseModel)


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


class KnowledgeLoader(_Base):  # type: ignore[misc, valid-type]
    """yaml's safe loader with YAML 1.2 booleans: only true/false are booleans.

    Under YAML 1.1 the Norwegian language key ``no:`` (and yes/on/off) would load as a
    boolean. Everything else is the safe loader: no tags that construct Python objects.
    """


KnowledgeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KnowledgeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=KnowledgeLoader)


def compose_and_load(text: str) -> tuple[yaml.Node | None, object]:
    """Parse once: the node tree (for line numbers) and the data built from it."""
    loader = KnowledgeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


class YamlDoc:
    """A parsed YAML file with its node tree, so a data path can be turned into a line."""

    def __init__(self, label: str, data: Any, root: yaml.Node | None):
        self.label = label
        self.data = data
        self.root = root

    def line_of(self, loc: tuple[int | str, ...]) -> int:
        node = self.root
        line = 1 if node is None else node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                nxt = node.value[part] if 0 <= part < len(node.value) else None
            else:
                nxt = None
            if nxt is None:
                break
            node = nxt
            line = node.start_mark.line + 1
        return line

    def problem(self, loc: tuple[int | str, ...], message: str) -> KnowledgeProblem:
        return KnowledgeProblem(self.label, self.line_of(loc), message)


def read_yaml(path: Path, label: str) -> tuple[YamlDoc | None, list[KnowledgeProblem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [KnowledgeProblem(label, 1, "file is missing")]
    except UnicodeDecodeError as e:
        return None, [KnowledgeProblem(label, 1, f"not UTF-8 text: {e.reason}")]
    except OSError as e:
        return None, [KnowledgeProblem(label, 1, f"cannot read the file: {e.strerror or e}")]
    try:
        root, data = compose_and_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(e, "problem", None) or str(e)
        return None, [KnowledgeProblem(label, line, f"invalid YAML: {what}")]
    return YamlDoc(label, data, root), []


def _loc_text(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_doc(doc: YamlDoc, model: type[M]) -> tuple[M | None, list[KnowledgeProblem]]:
    try:
        return model.model_validate(doc.data), []
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, (int, str)))
            # pydantic adds the validator name for union/function members; keep data keys only
            field = _loc_text(loc) or "(top level)"
            problems.append(doc.problem(loc, f"{field}: {err['msg']}"))
        return None, problems


def load_model(path: Path, label: str, model: type[M]) -> tuple[M | None, YamlDoc | None, list[KnowledgeProblem]]:
    doc, problems = read_yaml(path, label)
    if doc is None:
        return None, None, problems
    obj, problems = validate_doc(doc, model)
    return obj, doc, problems
