"""The drift pages' forms: the overview's query string, and the forms that write."""

from __future__ import annotations

from django import forms

from ui.selectors import INCIDENT_STATUSES, DriftOptions


class DriftQuery(forms.Form):
    environment = forms.ChoiceField(required=False, label="Environment")
    provider = forms.ChoiceField(required=False, label="Provider")
    consumer = forms.ChoiceField(required=False, label="Consumer")
    status = forms.ChoiceField(required=False, label="Incident status")

    def __init__(self, data: object, *, options: DriftOptions) -> None:
        super().__init__(data)
        any_ = [("", "Any")]
        self.fields["environment"].choices = any_ + [(name, name) for name in options.environments]
        self.fields["provider"].choices = any_ + [(name, name) for name in options.providers]
        self.fields["consumer"].choices = any_ + [(name, name) for name in options.consumers]
        self.fields["status"].choices = [("", "Open or acknowledged")] + [(s, s) for s in INCIDENT_STATUSES]

    def query(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("environment", "provider", "consumer", "status")}


class AcknowledgeForm(forms.Form):
    """As POST /drift-incidents/{uuid}/acknowledge takes it (drift.api.incidents.AcknowledgeInput)."""

    note = forms.CharField(
        max_length=10_000,
        label="Note",
        help_text="What is being done about it (required).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    by = forms.CharField(required=False, max_length=255, label="Your name", help_text="Optional.")

    def clean_by(self) -> str | None:
        by = self.cleaned_data["by"].strip()
        if "\n" in by or "\r" in by:
            raise forms.ValidationError("One line, please.")
        return by or None


class PauseForm(forms.Form):
    """Pause (1) or resume (0) a live target: the new value, so a repeated POST changes nothing."""

    paused = forms.TypedChoiceField(choices=[("1", "pause"), ("0", "resume")], coerce=lambda v: v == "1")
