"""The words the pages use for the audit ledger's codes: each kind of event, the capacity
in which someone acted, and the fields of an event's payload."""

from web.ui import directory_words

KINDS = {
    "organization_created": "Organization added",
    "person_created": "Person added",
    "person_disabled": "Person disabled",
    "person_enabled": "Person enabled again",
    "person_renamed": "Name changed",
    "person_roles_changed": "Roles changed",
    "account_created": "Account opened",
    "contact_ceiling_changed": "Contact ceiling changed",
    "team_member_added": "Added to the account team",
    "team_function_changed": "Function on the account team changed",
    "team_member_removed": "Taken off the account team",
    "project_created": "Project added",
    "opened": "Dispute opened",
    "transition": "State changed",
    "party_added": "Party added",
    "mediators_assigned": "Mediators assigned",
    "story_recorded": "Story told",
    "story_declined": "Declined to tell",
    "option_proposed": "Option proposed",
    "option_accepted": "Option accepted",
    "acceptance_retracted": "Acceptance taken back",
    "note_added": "Note added",
    "commitment_recorded": "Commitment recorded",
    "commitment_kept": "Commitment kept",
    "commitment_broken": "Commitment broken",
    "escalation_in_force": "Escalation protocol in force",
    "escalation_stood_down": "Escalation protocol stood down",
    "protocol_created": "Protocol created",
    "version_drafted": "Version drafted",
    "version_proposed": "Version proposed",
    "version_acknowledged": "Version acknowledged",
    "version_agreed": "Version agreed",
    "version_superseded": "Version superseded",
    "version_retired": "Version retired",
    "touchpoint_logged": "Touchpoint logged",
    "incident_reported": "Incident reported",
    "webhook_subscribed": "Webhook subscribed",
    "webhook_removed": "Webhook removed",
    "witness_key_registered": "Witness key registered",
}
# Capacities a person acts in beyond their roles (mediation.dispute_permissions).
CAPACITIES = {"mediator": "mediator", "co_mediator": "co-mediator", "party": "party", "system": "Accord itself",
              "self": "themselves"}
FIELDS = {
    "title": "Title",
    "summary": "Summary",
    "account_id": "Account",
    "project_id": "Project",
    "severity": "Severity",
    "party_ids": "Parties",
    "party_id": "Party",
    "person_id": "Person",
    "mediator_id": "Mediator",
    "co_mediator_id": "Co-mediator",
    "organization_id": "Company",
    "company": "Side",
    "story_id": "Story number",
    "note_id": "Note number",
    "text": "Text",
    "visibility": "Who may read it",
    "option_id": "Option",
    "value_to_supplier": "Value to the supplier",
    "value_to_customer": "Value to the customer",
    "accepted_by": "Accepted by",
    "accepted_at": "Accepted at",
    "commitment_id": "Commitment",
    "description": "What is committed",
    "due_at": "Due",
    "trigger": "Action",
    "reason": "Reason",
    "override_reason": "Gone ahead without mutual value because",
    "acceptances_cleared": "Acceptances cleared",
    "protocol_id": "Protocol",
    "contact_ceiling_per_week": "Weekly contact ceiling",
    "function": "Function",
    "name": "Name",
    "key_hash": "Key hash",
    "replaced_key_hash": "Key hash replaced",
}


def kind(name: str) -> str:
    return KINDS.get(name, name)


def capacity(name: str) -> str:
    """The capacity an event's actor acted in, as a noun in a sentence ("as mediator")."""
    return CAPACITIES.get(name) or directory_words.role(name).lower()


def field(name: str) -> str:
    return FIELDS.get(name, name.replace("_", " ").capitalize())
