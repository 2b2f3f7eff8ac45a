"""The secret form: what a person types, checked by the API's own rules.

The value is a password input that never shows what is stored (nothing is ever sent to
the browser) and, on edit, an empty value keeps the stored one, as a PUT without `value`
does. The rules are the API's (webhooks.api.secrets.secret_fields): a secret saved here
is one the API would have saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from contracts.exceptions import InvalidInput
from ui.form_a11y import describe_controls
from webhooks.api.secrets import secret_fields
from webhooks.services.secrets import DESCRIPTION_MAX_LENGTH, VALUE_MAX_LENGTH

HELP = {
    "name": "Used as ${user.NAME}. Letters, digits and _, a letter first.",
    "description": "What it is for, and whose it is: the value can never be read back.",
}
VALUE_HELP = {
    "new": "Never shown again once saved. At least 4 characters.",
    "edit": "Never shown. Leave it empty to keep the stored value; type a new one to replace it.",
}
RENAME_HELP = "Renaming it breaks the webhooks that still use the old name."


class SecretForm(forms.Form):
    """A secret as HTML fields; `fields_for_put` gives secret_put's arguments."""

    name = forms.CharField(max_length=100, label="Name", strip=False)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX_LENGTH, label="Description")
    value = forms.CharField(
        required=False,
        strip=False,
        max_length=VALUE_MAX_LENGTH,
        label="Value",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.help = {**HELP, "value": VALUE_HELP["edit" if editing else "new"]}
        if editing:
            self.help["name"] = f"{HELP['name']} {RENAME_HELP}"
            self.fields["value"].label = "New value"
            self.fields["value"].widget.attrs["placeholder"] = "unchanged"
        # Browsers offer to fill a saved login into a form with a password: not this one.
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["name"].widget.attrs["spellcheck"] = "false"

    def describe(self) -> None:
        """Tie each control to its help and its errors (aria-describedby)."""
        describe_controls(self, self.help)

    def fields_for_put(self) -> dict | None:
        """secret_put's name, description and value after the API's checks; None (and the
        problems next to their fields) when they fail. Call after is_valid()."""
        data = self.cleaned_data
        body: dict[str, Any] = {"name": data["name"], "description": data["description"] or None}
        if data["value"] or not self.editing:
            body["value"] = data["value"]
        try:
            return secret_fields(body, update=self.editing)
        except InvalidInput as invalid:
            self.add_api_errors(invalid.errors)
            return None

    def add_api_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Put each of the API's problems next to its field (the form as a whole otherwise)."""
        for key, messages in errors.items():
            field = key if key in self.fields else None
            self.add_error(field, [message[:1].upper() + message[1:] for message in messages])
