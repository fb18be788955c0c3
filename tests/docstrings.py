"""Which fields of a pydantic model have no docstring under them (read from the source, as the docs are)."""

from __future__ import annotations

import ast
import inspect
import textwrap

from pydantic import BaseModel


def _documented_in(klass: type) -> set[str]:
    """Names of the annotated attributes of `klass` that the next statement documents with a string."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    body = next(node for node in tree.body if isinstance(node, ast.ClassDef)).body
    out: set[str] = set()
    for stmt, nxt in zip(body, body[1:]):
        if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str)
                and nxt.value.value.strip()):
            out.add(stmt.target.id)
    return out


def undocumented(model: type[BaseModel]) -> list[str]:
    """Fields of `model` (its own and inherited) with neither an attribute docstring nor a `description`."""
    documented: set[str] = set()
    for klass in model.__mro__:
        if isinstance(klass, type) and issubclass(klass, BaseModel) and klass is not BaseModel:
            documented |= _documented_in(klass)
    return [name for name, field in model.model_fields.items() if name not in documented and not field.description]
