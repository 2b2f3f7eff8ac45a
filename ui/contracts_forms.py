"""The query strings of the contract and diff pages, validated: a bad value is a 400 that says what is wrong."""

from __future__ import annotations

from django import forms

VERSION_MAX = 255


class VerificationChoice(forms.Form):
    """Whose results the contract page shows: a provider version's, or those of the
    provider version(s) in an environment (default: the newest result of this content)."""

    provider_version = forms.CharField(required=False, max_length=VERSION_MAX, label="Provider version")
    environment = forms.ChoiceField(required=False, label="Environment")

    def __init__(self, data: object, *, environments: list[str]) -> None:
        super().__init__(data)
        self.fields["environment"].choices = [("", "Any")] + [(name, name) for name in environments]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("provider_version", "").strip() and cleaned.get("environment"):
            raise forms.ValidationError("Choose a provider version or an environment, not both.")
        return cleaned


class CompareQuery(forms.Form):
    """`?from=&to=`: two consumer versions of the pair (blank: the defaults)."""

    def __init__(self, data: object) -> None:
        super().__init__(data)
        # `from` is a Python keyword, so these fields are named here rather than declared.
        self.fields["from"] = forms.CharField(required=False, max_length=VERSION_MAX, label="From version")
        self.fields["to"] = forms.CharField(required=False, max_length=VERSION_MAX, label="To version")


def problems(form: forms.Form) -> list[str]:
    """A form's errors as lines for the 400 page."""
    return [
        f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
        for field, errors in form.errors.items()
    ]
