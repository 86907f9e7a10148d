"""The words the pages use for a protocol's codes: its scenario, a version's status and
the triggers people fire on it, compliance statuses, channels, units and weekdays."""

SCENARIOS = {"routine": "Routine", "onboarding": "Onboarding", "incident": "Incident",
             "escalation": "Escalation", "executive_review": "Executive review"}
VERSION_STATUSES = {"draft": "Draft", "proposed": "Proposed", "agreed": "Agreed",
                    "superseded": "Superseded", "retired": "Retired"}
TRIGGERS = {"propose": "Propose", "agree": "Agree", "supersede": "Supersede", "retire": "Retire"}
CONDITIONS = {"acknowledged_by_both_companies": "acknowledged by both companies"}
COMPLIANCE_STATUSES = {"on_track": "On track", "due_soon": "Due soon", "overdue": "Overdue",
                       "over_communicating": "Over-communicating"}
CHANNELS = {"email": "Email", "phone": "Phone", "video": "Video call", "in_person": "In person",
            "chat": "Chat", "ticket": "Ticket"}
UNITS = {"hours": "hours", "days": "days", "weeks": "weeks", "months": "months"}
# Who started a touchpoint, as the form offers it; not choosing leaves it unrecorded.
INITIATORS = {"supplier": "The supplier started it", "customer": "The customer started it"}
NOT_RECORDED = "Not recorded"
WEEKDAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}


def scenario(name: str) -> str:
    return SCENARIOS.get(name, name)


def version_status(name: str) -> str:
    return VERSION_STATUSES.get(name, name)


def trigger_label(name: str) -> str:
    return TRIGGERS.get(name, name)


def condition_label(name: str) -> str:
    return CONDITIONS.get(name, name)


def compliance_status(name: str) -> str:
    return COMPLIANCE_STATUSES.get(name, name)


def channel(name: str) -> str:
    return CHANNELS.get(name, name)
