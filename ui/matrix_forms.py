"""The can-i-deploy form: the CLI's options, validated field by field."""

from __future__ import annotations

import re

from django import forms

from ui.matrix_selectors import DeployOptions, DeployQuestion

_SEPARATORS = re.compile(r"[,\s]+")


class DeployForm(forms.Form):
    """pacticipant, one of version / branch / latest main branch, environment, ignore."""

    pacticipant = forms.CharField(
        max_length=255,
        label="Application",
        widget=forms.TextInput(attrs={"list": "application-names", "autocomplete": "off"}),
    )
    version = forms.CharField(required=False, max_length=255, label="Version")
    branch = forms.CharField(required=False, max_length=255, label="or the latest of branch")
    latest = forms.BooleanField(required=False, label="or the latest of its main branch")
    environment = forms.ChoiceField(label="To environment")
    ignore = forms.CharField(
        required=False, max_length=2048, label="Ignore (optional)", help_text="Application names, comma separated"
    )

    def __init__(self, data: object, *, options: DeployOptions) -> None:
        super().__init__(data)
        self.fields["environment"].choices = [("", "Choose…")] + [(name, name) for name in options.environments]

    def clean_ignore(self) -> tuple[str, ...]:
        # Repeated `ignore=` parameters and comma-separated names both work (permalinks of either).
        values = self.data.getlist("ignore") if hasattr(self.data, "getlist") else [self.cleaned_data["ignore"]]
        names = [name for value in values for name in _SEPARATORS.split(value) if name]
        return tuple(dict.fromkeys(names))

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [name for name in ("version", "branch", "latest") if cleaned.get(name)]
        if not chosen and not self.has_error("version"):
            self.add_error("version", "Give a version, a branch, or ask for the latest of the main branch.")
        elif len(chosen) > 1:
            self.add_error(chosen[1], f"Give only one of version, branch and latest (you gave {' and '.join(chosen)}).")
        return cleaned

    def question(self) -> DeployQuestion:
        data = self.cleaned_data
        return DeployQuestion(
            pacticipant=data["pacticipant"].strip(),
            environment=data["environment"],
            version=data["version"].strip(),
            branch=data["branch"].strip(),
            main_branch=bool(data["latest"]),
            ignore=data["ignore"],
        )

    def describe_errors(self) -> None:
        """Point each invalid control at its message (screen readers read it with the field)."""
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}_error"})
