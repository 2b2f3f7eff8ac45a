"""Forms that screen readers can follow: each control points at its help and its errors."""

from __future__ import annotations

from collections.abc import Container

from django import forms


def describe_controls(form: forms.Form, with_help: Container[str]) -> None:
    """Set `aria-describedby` on each control to its help (when `with_help` names it) and its
    errors (`id_<name>_help`, `id_<name>_errors`, as the templates render them), and
    `aria-invalid` on the invalid ones; call it once both help and errors are known."""
    for name, field in form.fields.items():
        auto_id = form[name].auto_id
        ids = [f"{auto_id}_help"] if name in with_help else []
        ids += [f"{auto_id}_errors"] if name in form.errors else []
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)
        if name in form.errors:
            field.widget.attrs["aria-invalid"] = "true"
