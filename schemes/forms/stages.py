"""Stage gates (moving a scheme with the gateway decision) and key stages."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.forms import NhsForm, date_field, form_field, note_field
from schemes.models import STAGE_GATEWAYS, GatewayDecision, Scheme, Stage


class StageChangeForm(NhsForm):
    to_stage = forms.TypedChoiceField(label="Move the scheme to", coerce=int, choices=Stage.choices,
                                      error_messages={"required": "Choose the stage to move the scheme to."})
    decision = forms.ChoiceField(
        label="Gateway decision", choices=GatewayDecision.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the move was approved or not approved."},
    )
    approver = forms.CharField(label="Decided by", max_length=200,
                               help_text="The person or group who made the gateway decision",
                               error_messages={"required": "Enter who gave the gateway approval."})
    decided_on = date_field("Date of the decision")
    confirmed = forms.MultipleChoiceField(label="Gateway approvals recorded", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    note = note_field("Note, or the reason for moving back",
                      help_text="A reason is required when moving the scheme back to an earlier stage")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.gateway = STAGE_GATEWAYS.get(scheme.stage, ())
        form_field(self, "confirmed", forms.ChoiceField).choices = list(self.gateway)
        form_field(self, "to_stage", forms.ChoiceField).choices = [(s.value, s.label) for s in Stage
                                                                  if s.value != scheme.stage]
        if scheme.stage < Stage.CLOSURE:
            self.fields["to_stage"].initial = scheme.stage + 1
        self.fields["decision"].widget.attrs["data-error-anchor"] = "id_decision_0"
        self.fields["confirmed"].widget.attrs["data-error-anchor"] = "id_confirmed_0"
        self.fields["version"].initial = scheme.version


class KeyStageForm(NhsForm):
    name = forms.CharField(label="Stage or milestone", max_length=200,
                           error_messages={"required": "Enter the name of the stage or milestone."})
    baseline_date = date_field("Baseline date", required=False,
                               help_text="The date first planned. Slippage is measured against it")
    current_date = date_field("Current planned date", required=False,
                              help_text="Leave blank to use the baseline date")
    completed_on = date_field("Date completed", required=False, help_text="Leave blank until the stage is done")
    order = forms.IntegerField(label="Order", min_value=0, max_value=999, required=False,
                               help_text="Where it appears in the list (leave blank to add at the end)",
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                               error_messages={"invalid": "Enter the order as a whole number, like 3.",
                                               "min_value": "Enter the order as a whole number from 0 to 999.",
                                               "max_value": "Enter the order as a whole number from 0 to 999."})
    note = note_field("Note")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class KeyStageTemplateForm(NhsForm):
    first_date = date_field("Baseline date of the first stage",
                            help_text="Each following stage is baselined one month later")
