"""Rule conditions in a safe expression language: rule-engine's grammar, never Python's eval.

``compile_expression`` parses a text against the typed fact registry (``facts.RULE_FACTS``): a
syntax error, an unknown fact or a type mismatch is an :class:`ExpressionError` with a message in
Chinese and, where the parser knows it, the position of the error. A compiled expression is
cached by its text (rule texts are frozen once published). ``evaluate`` raises
:class:`MissingFact` when the expression reads a fact the school has not recorded.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

import rule_engine
from django.utils.translation import gettext as _

from .facts import BOOL, INT, RULE_FACTS, TEXT

_TYPES = {
    INT: rule_engine.DataType.FLOAT,
    BOOL: rule_engine.DataType.BOOLEAN,
    TEXT: rule_engine.DataType.STRING,
}


class ExpressionError(ValueError):
    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position


class MissingFact(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _resolve(thing, name):
    value = thing[name]
    if value is None:
        raise MissingFact(name)
    return value


_CONTEXT = rule_engine.Context(
    resolver=_resolve,
    type_resolver=rule_engine.type_resolver_from_dict(
        {name: _TYPES[f.type] for name, f in RULE_FACTS.items()}
    ),
)


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> rule_engine.Rule:
    text = (text or "").strip()
    if not text:
        raise ExpressionError(_("The expression is empty."))
    try:
        return rule_engine.Rule(text, context=_CONTEXT)
    except rule_engine.SymbolResolutionError as exc:
        name = exc.symbol_name
        match = re.search(rf"\b{re.escape(name)}\b", text)
        raise ExpressionError(
            _("Unknown fact “%(name)s”.") % {"name": name}, match.start() if match else None
        ) from None
    except rule_engine.RuleSyntaxError as exc:
        token = getattr(exc, "token", None)
        position = getattr(token, "lexpos", None) if token is not None else len(text)
        raise ExpressionError(
            _("Syntax error at character %(pos)s.") % {"pos": (position or 0) + 1}, position
        ) from None
    except rule_engine.EngineError as exc:
        raise ExpressionError(
            _("The expression is not valid: %(error)s") % {"error": getattr(exc, "message", exc)}
        ) from None


def check(text: str, *, boolean: bool) -> None:
    """Refuse ``text`` unless it parses and yields a truth value (``boolean``) or a number."""
    rule = compile_expression(text)
    result_type = rule.statement.expression.result_type
    want = rule_engine.DataType.BOOLEAN if boolean else rule_engine.DataType.FLOAT
    if result_type not in (want, rule_engine.DataType.UNDEFINED):
        raise ExpressionError(
            _("The expression must give a yes/no value.")
            if boolean
            else _("The expression must give a number.")
        )


@functools.lru_cache(maxsize=4096)
def _shortcut(text: str):
    """``("n", number)`` for a whole-number literal, ``("f", name)`` for a bare fact name, or
    ``None``: most thresholds and many conditions are one of these, and the bulk evaluation
    runs them 40,000 times each without the parser's tree."""
    text = (text or "").strip()
    if text.isdigit() and text.isascii():
        return ("n", int(text))
    if text in RULE_FACTS:
        return ("f", text)
    return None


def evaluate(text: str, context: dict):
    """The value of ``text`` over ``context`` (numbers come back as ``int`` or ``float``)."""
    shortcut = _shortcut(text)
    if shortcut is not None:
        kind, value = shortcut
        if kind == "n":
            return value
        found = context.get(value)
        if found is None:
            raise MissingFact(value)
        return found
    value = compile_expression(text).evaluate(context)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def names_in(text: str) -> set[str]:
    """The facts ``text`` reads (for the page that explains a rule)."""
    return {n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text or "") if n in RULE_FACTS}
