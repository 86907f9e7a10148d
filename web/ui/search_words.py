"""The words the search page uses for what was found and where its best match is."""

SUBJECTS = {"dispute": "Dispute", "protocol": "Protocol"}
# Where a match was found: "found in {}".
SOURCES = {"title": "the title", "summary": "the summary", "resolution": "the resolution", "story": "a story",
           "option": "an option", "note": "a note", "protocol": "the protocol's name", "agenda": "an agenda",
           "escalation": "an escalation path", "touchpoint": "a touchpoint"}
INTERNAL_SOURCES = {"story": "an internal story", "note": "an internal note"}


def subject(name: str) -> str:
    return SUBJECTS.get(name, name)


def found_in(hit) -> str:
    """Where a hit's best match is, an internal story or note named so."""
    if hit.visibility == "internal" and hit.source in INTERNAL_SOURCES:
        return INTERNAL_SOURCES[hit.source]
    return SOURCES.get(hit.source, hit.source)
