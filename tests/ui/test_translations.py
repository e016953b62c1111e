"""Every user-visible string has a pt-BR translation with the same placeholders."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import string
from pathlib import Path

import clmdesk
from clmdesk.core.i18n import catalogue
from clmdesk.core.messages import all_templates

PACKAGE = Path(clmdesk.__file__).parent


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _translatable_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((PACKAGE / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", "")
            )
            if name == "tr" and node.args:
                argument = node.args[0]
            elif name == "translate" and len(node.args) >= 2:
                argument = node.args[1]
            else:
                continue
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found[argument.value] = f"{path.relative_to(PACKAGE)}:{node.lineno}"
    return found


def _import_everything() -> None:
    for info in pkgutil.walk_packages(clmdesk.__path__, "clmdesk."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)


def test_every_interface_string_is_translated() -> None:
    portuguese = catalogue("pt_BR")
    missing = [
        f"{where}: {text!r}"
        for text, where in _translatable_literals().items()
        if text not in portuguese
    ]
    assert not missing, "missing pt-BR translations:\n" + "\n".join(missing)


def test_every_message_template_is_translated() -> None:
    _import_everything()
    portuguese = catalogue("pt_BR")
    missing = [
        f"{message_id}: {text!r}"
        for message_id, text in all_templates().items()
        if text not in portuguese
    ]
    assert not missing, "missing pt-BR translations of messages:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    def compatible(source: str, target: str) -> bool:
        # A translation may use a language-specific variant of a parameter
        # ("{stage}" -> "{stage_pt_br}"), never one the source does not know.
        expected, used = _placeholders(source), _placeholders(target)
        return all(
            any(name == known or name.startswith(known + "_") for known in expected)
            for name in used
        )

    wrong = [
        f"{source!r} -> {target!r}"
        for source, target in catalogue("pt_BR").items()
        if not compatible(source, target)
    ]
    assert not wrong, "\n".join(wrong)
