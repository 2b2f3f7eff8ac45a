"""The Access pages' forms. They check shape only; the access services apply the rules
(name format, scopes, expiry) and their InvalidInput comes back onto the fields."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from contracts.exceptions import InvalidInput
from ui.form_a11y import describe_controls

# The services' field names (as the API spells them) -> the forms'.
API_FIELDS = {"displayName": "display_name", "scopes": "scope", "expiresAt": "expires"}


def add_errors(form: forms.Form, invalid: InvalidInput) -> None:
    """Put a service's InvalidInput on the form's fields (anything else on the form)."""
    for field, messages in invalid.errors.items():
        name = API_FIELDS.get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class Described(forms.Form):
    """Each control tied to its help and its errors (aria-describedby) for screen readers."""

    def describe(self) -> Described:
        describe_controls(self, [name for name, field in self.fields.items() if field.help_text])
        return self


class AccountForm(Described):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_account_%s")  # beside the team form, on one page
        super().__init__(*args, **kwargs)

    name = forms.CharField(max_length=100, help_text="Letters, digits and . _ @ + -, e.g. ana or payments-ci")
    kind = forms.ChoiceField(
        choices=[("user", "A person"), ("system", "A pipeline (CI)")],
        initial="user",
        help_text="People may also sign in here with a token; pipelines only use theirs with the clients.",
    )
    display_name = forms.CharField(label="Display name", max_length=255, required=False)
    email = forms.CharField(label="Email", max_length=255, required=False)


class TeamForm(Described):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_team_%s")
        super().__init__(*args, **kwargs)

    name = forms.CharField(max_length=100, help_text="Letters, digits and . _ @ + -, e.g. orders")


EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365, "": None}


class TokenForm(Described):
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. ci or laptop")
    scope = forms.ChoiceField(
        choices=[
            ("read", "read: fetch pacts, can-i-deploy, verify without publishing"),
            ("write", "write: also publish pacts and results, tag, branch, record deployments"),
            ("admin", "admin: also manage webhooks, environments, teams and tokens"),
        ],
        initial="write",
        widget=forms.RadioSelect,
    )
    expires = forms.ChoiceField(
        label="Expires",
        choices=[("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")],
        initial="90",
        required=False,
    )

    def expires_at(self):
        days = EXPIRY_DAYS.get(self.cleaned_data.get("expires") or "")
        return timezone.now() + timedelta(days=days) if days else None


class MemberForm(Described):
    account = forms.CharField(max_length=100)
    remove = forms.BooleanField(required=False)


class ApplicationForm(Described):
    application = forms.CharField(max_length=255, help_text="The pacticipant's name, as the clients publish it")
    remove = forms.BooleanField(required=False)


class RestrictionForm(forms.Form):
    teams = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    lift = forms.BooleanField(required=False)

    def __init__(self, *args, team_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = [(name, name) for name in team_names]
