"""The words the dispute pages use for states, triggers and guard conditions, so that a
person reads a sentence where the API gives a name."""

STATES = {
    "intake": "Intake",
    "story_gathering": "Story gathering",
    "option_generation": "Option generation",
    "resolution": "Resolution",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
}

SEVERITIES = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
SEVERITY_BADGES = {"low": "", "medium": "", "high": "warn", "critical": "critical"}

# The button of each trigger, and what pressing it means.
TRIGGERS = {
    "gather_stories": "Start gathering stories",
    "generate_options": "Start generating options",
    "start_resolution": "Start resolution",
    "resolve": "Resolve the dispute",
    "revisit": "Revisit the options",
    "reopen": "Reopen the dispute",
    "withdraw": "Withdraw the dispute",
}
TRIGGER_HELP = {
    "gather_stories": "Hear each party's side of the story.",
    "generate_options": "The stories are heard: look for options that give both companies value.",
    "start_resolution": "Put the options to both companies so that they can accept one.",
    "resolve": "Both companies accepted an option: record the resolution.",
    "revisit": "No option works for both companies: go back to generating options. Acceptances are cleared.",
    "reopen": "A commitment was broken or the problem came back: hear the stories again.",
    "withdraw": "Close the dispute without a resolution.",
}

CONDITIONS = {
    "parties_from_both_companies": "Name at least one party from each company.",
    "mediator_assigned": "Assign a mediator.",
    "story_from_each_company": "Someone from each company must have told their story (declining does not count).",
    "every_party_heard": "Every party must have told their story or be marked as declining to tell it.",
    "at_least_two_options": "Put at least two options on the table.",
    "mutual_value_option_or_override": (
        "An option must give value to both companies, or you must explain why you go ahead without one."
    ),
    "option_accepted_by_both_companies": "The chosen option must be accepted by someone from each company.",
    "resolution_summary": "Write a summary of the resolution.",
    "reason_given": "Give a reason.",
}

# Labels of the transition form's fields.
TRANSITION_FIELDS = {
    "reason": "Reason",
    "override_reason": "Why go ahead without an option that gives value to both companies?",
    "option_id": "Option accepted by both companies",
    "summary": "Resolution summary",
}


def state(name: str) -> str:
    return STATES.get(name, name.replace("_", " ").capitalize())
