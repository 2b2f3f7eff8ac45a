"""The audit log page's GET form: the filters of GET /audit (audit.api.entries.AuditQuery)."""

from __future__ import annotations

from django import forms


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class AuditQuery(forms.Form):
    actor = forms.CharField(required=False, max_length=255, label="Who")
    application = forms.CharField(required=False, max_length=255, label="Application")
    action = forms.CharField(required=False, max_length=100, label="Action")
    # Times are read in the server's zone, which is UTC (settings.TIME_ZONE): the labels say so.
    from_ = forms.DateTimeField(required=False, label="From (UTC)", widget=MomentInput())
    to = forms.DateTimeField(required=False, label="Until (UTC)", widget=MomentInput())

    def __init__(self, data: object) -> None:
        super().__init__(data)
        # `from` is a Python keyword: the field is declared `from_`, its query parameter is `from`.
        self.fields = {("from" if name == "from_" else name): field for name, field in self.fields.items()}
        for name in ("actor", "application", "action"):
            self.fields[name].widget.attrs.update(spellcheck="false", size="16")
        self.fields["action"].widget.attrs["placeholder"] = "e.g. pact. or tag.add"

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("from") and cleaned.get("to") and cleaned["from"] >= cleaned["to"]:
            self.add_error("to", "must be after From")
        return cleaned

    def query(self) -> dict:
        data = self.cleaned_data
        return {"actor": data["actor"], "application": data["application"], "action": data["action"],
                "since": data["from"], "until": data["to"]}  # fmt: skip
