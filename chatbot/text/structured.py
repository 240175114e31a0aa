"""Reading YAML and JSON that may be hostile: a size limit, a nesting limit and, for YAML, an alias limit.

``yaml.safe_load`` runs no code, but a 603-byte file of nested aliases (a "billion laughs")
expands into billions of values as soon as anything walks it, and a deeply nested file ends
in a ``RecursionError``. ``load_yaml`` and ``load_json`` refuse such input before it is built,
with a ``StructuredInputError`` whose message is one line and quotes none of the input.
The callers turn it into their own named error (``ReviewedAnswersError``, ``CorpusError``...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

PREFIX_CHARS = 40
"""How much of an offending value an error message may quote."""


class StructuredInputError(ValueError):
    """The input is too large, too deep, has too many aliases, or is not valid YAML/JSON."""


@dataclass(frozen=True)
class InputLimits:
    """The limits of one read; ``Settings`` holds the defaults (``input_max_*``)."""

    max_bytes: int = 1_000_000
    max_depth: int = 20
    max_aliases: int = 20
    max_nodes: int = 200_000

    @classmethod
    def of(cls, settings: Any) -> InputLimits:
        """The limits named in a ``Settings`` object."""
        return cls(settings.input_max_bytes, settings.input_max_depth, settings.input_max_aliases, settings.input_max_nodes)


def short(value: Any, limit: int = PREFIX_CHARS) -> str:
    """At most ``limit`` characters of ``repr(value)``, computed without expanding a huge value."""
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, list | tuple | dict | set):
        text = f"a {type(value).__name__} of {len(value)} item(s)"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_size(text: str | bytes, limits: InputLimits) -> None:
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > limits.max_bytes:
        raise StructuredInputError(f"it is {size:,} bytes, more than the {limits.max_bytes:,} allowed; split it into smaller files")


class _LimitedLoader(yaml.SafeLoader):
    """``SafeLoader`` that counts aliases and nesting while it composes the document."""

    limits = InputLimits()

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's own signature
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise StructuredInputError(f"it uses more than {self.limits.max_aliases} YAML aliases (*name); write the values out")
        self._depth += 1
        try:
            if self._depth > self.limits.max_depth:
                raise StructuredInputError(f"it nests lists or mappings more than {self.limits.max_depth} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, limits: InputLimits) -> Any:
    """The value of the YAML ``text``, or ``StructuredInputError`` when it breaks a limit or is not YAML.

    Only plain YAML types are built (``yaml.SafeLoader``). Aliases are counted, and the number
    of values they expand to is checked before anything walks them.
    """
    check_size(text, limits)
    loader_class = type("Loader", (_LimitedLoader,), {"limits": limits})
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expanded(node, limits)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise StructuredInputError(f"it is not valid YAML: {_first_line(exc)}") from None
    except RecursionError:
        raise StructuredInputError("it nests lists or mappings too deeply") from None
    finally:
        loader.dispose()


def _check_expanded(root: yaml.Node, limits: InputLimits) -> None:
    """Refuse a document whose aliases expand to more than ``max_nodes`` values (counted once per node)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > limits.max_nodes:
                raise StructuredInputError(f"its aliases expand to more than {limits.max_nodes:,} values (an alias bomb?)")
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_json(text: str, limits: InputLimits) -> Any:
    """The value of the JSON ``text``, or ``StructuredInputError`` when it is too large, too deep or not JSON."""
    check_size(text, limits)
    depth = _json_depth(text)
    if depth > limits.max_depth:
        raise StructuredInputError(f"it nests lists or objects more than {limits.max_depth} levels deep")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StructuredInputError(f"it is not valid JSON: {exc.msg} at character {exc.pos}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise StructuredInputError("it nests lists or objects too deeply") from None


def _json_depth(text: str) -> int:
    """The deepest bracket nesting of ``text``, ignoring brackets inside strings (one pass, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    text = " ".join(lines[:2]) if lines else type(exc).__name__
    return text if len(text) <= 160 else text[:159] + "…"


__all__ = ["InputLimits", "StructuredInputError", "check_size", "load_json", "load_yaml", "short"]
