"""`planner.__all__` matches what the package really exports."""

from __future__ import annotations

import planner


def test_all_names_resolve():
    """Every name in __all__ resolves to an object."""
    for name in planner.__all__:
        assert getattr(planner, name) is not None


def test_all_is_sorted_and_unique():
    """__all__ is sorted and has no duplicates."""
    assert planner.__all__ == sorted(set(planner.__all__))


def test_type_checking_block_matches_exports():
    """The TYPE_CHECKING imports list exactly the exported names."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(planner))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    imported |= {alias.name for alias in stmt.names}
    assert imported == set(planner.__all__)
