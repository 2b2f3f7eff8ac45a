"""The application pages' query strings, validated: a bad value is a 400 that says what is wrong."""

from __future__ import annotations

from django import forms


class ApplicationListQuery(forms.Form):
    q = forms.CharField(required=False, max_length=255, label="Search by name")
    after = forms.CharField(required=False, max_length=1024)
    before = forms.CharField(required=False, max_length=1024)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("after") and cleaned.get("before"):
            raise forms.ValidationError("Give either after or before, not both.")
        return cleaned


class ApplicationQuery(forms.Form):
    """`before`: the id of the last version shown (the "Older versions" link makes it)."""

    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
