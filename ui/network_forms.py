"""The network page's query string, validated: a bad value is a 400 that says what is wrong."""

from __future__ import annotations

from django import forms

from ui.selectors import HomeOptions


class NetworkQuery(forms.Form):
    label = forms.ChoiceField(required=False, label="Label")
    environment = forms.ChoiceField(required=False, label="Environment")
    around = forms.CharField(required=False, max_length=255, label="Centre on application")
    depth = forms.TypedChoiceField(
        required=False, label="Depth", choices=[(1, "1 step"), (2, "2 steps")], coerce=int, empty_value=1
    )
    all = forms.BooleanField(required=False)
    format = forms.ChoiceField(required=False, choices=[("", "page"), ("svg", "SVG"), ("dot", "DOT")])

    def __init__(self, data: object, *, options: HomeOptions) -> None:
        super().__init__(data)
        any_ = [("", "Any")]
        self.fields["label"].choices = any_ + [(name, name) for name in options.labels]
        self.fields["environment"].choices = any_ + [(name, name) for name in options.environments]
