"""The home page's query string, validated: a bad value is a 400 that says what is wrong."""

from __future__ import annotations

from django import forms

from ui.selectors import SORT_LABELS, STATUSES, HomeOptions


class HomeQuery(forms.Form):
    q = forms.CharField(required=False, max_length=255, label="Search by name")
    status = forms.ChoiceField(required=False, label="Status")
    label = forms.ChoiceField(required=False, label="Label")
    environment = forms.ChoiceField(required=False, label="Environment")
    sort = forms.ChoiceField(required=False, label="Sort by", choices=list(SORT_LABELS.items()))
    after = forms.CharField(required=False, max_length=1024)
    before = forms.CharField(required=False, max_length=1024)

    def __init__(self, data: object, *, options: HomeOptions) -> None:
        super().__init__(data)
        any_ = [("", "Any")]
        self.fields["status"].choices = any_ + [(status, status) for status in STATUSES]
        self.fields["label"].choices = any_ + [(name, name) for name in options.labels]
        self.fields["environment"].choices = any_ + [(name, name) for name in options.environments]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("after") and cleaned.get("before"):
            raise forms.ValidationError("Give either after or before, not both.")
        return cleaned

    def query(self) -> dict:
        """The arguments of ui.selectors.home_page."""
        data = self.cleaned_data
        return {
            "search": data["q"].strip(),
            "status": data["status"],
            "label": data["label"],
            "environment": data["environment"],
            "sort": data["sort"] or "name",
            "after": data["after"],
            "before": data["before"],
        }
