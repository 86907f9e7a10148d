"""The protocol forms' flat fields (web.ui.protocol_forms) and a version's terms in words
with what changed between versions (web.ui.protocol_terms): pure functions, no database."""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from web.ui import protocol_forms
from web.ui import protocol_terms


@dataclass
class Version:
    """The attributes of a ProtocolVersion that the forms and the comparison read."""

    cadence: dict | None = field(default_factory=lambda: {"every": 1, "unit": "weeks"})
    phases: list = field(default_factory=list)
    channel: str = "video"
    supplier_point_person_id: int = 1
    customer_point_person_id: int = 2
    backup_ids: list = field(default_factory=list)
    agenda: str = "Status."
    escalation: list = field(default_factory=list)
    max_contacts_per_window: int | None = None
    timezone: str = "UTC"
    effective_from: datetime | None = None


NAMES = {1: "Alice", 2: "Carla", 3: "Sam", 4: "Dev"}


def test_a_periodic_cadence_is_built_from_its_flat_fields():
    form = MultiDict([("cadence_kind", "periodic"), ("cadence_every", " 2 "), ("cadence_unit", "weeks"),
                      ("cadence_weekdays", "mon"), ("cadence_weekdays", "thu"), ("cadence_respond_within_hours", "4")])
    assert protocol_forms.cadence_from(form) == {"every": 2, "unit": "weeks", "weekdays": ["mon", "thu"]}


def test_a_response_time_ignores_the_periodic_fields_and_blanks_are_left_out_for_the_schema_to_name():
    form = MultiDict({"cadence_kind": "response", "cadence_every": "1", "cadence_respond_within_hours": "4"})
    assert protocol_forms.cadence_from(form) == {"respond_within_hours": 4}
    assert protocol_forms.cadence_from(MultiDict({"cadence_kind": "response"})) == {}
    assert protocol_forms.cadence_from(MultiDict({"cadence_every": "soon"})) == {"every": "soon"}


def test_times_typed_without_a_zone_are_read_in_the_protocols_zone_and_bad_text_is_kept_for_the_schema():
    berlin = ZoneInfo("Europe/Berlin")
    assert protocol_forms.local_moment("2026-07-01T10:30", berlin) == "2026-07-01T10:30:00+02:00"
    assert protocol_forms.local_moment("yesterday", berlin) == "yesterday"
    assert protocol_forms.day_start("2026-03-31", berlin, later=1) == "2026-04-01T00:00:00+02:00"
    unknown_zone = MultiDict({"effective_from": "2026-01-05", "timezone": "Nowhere/Else"})
    assert protocol_forms.terms_extra(unknown_zone) == {"cadence": {}, "phases": [], "escalation": [],
                                                        "effective_from": "2026-01-05T00:00:00+00:00"}


def test_the_phases_of_a_taper_and_the_steps_of_an_escalation_are_built_from_their_rows():
    form = MultiDict([
        ("phase1_kind", "periodic"), ("phase1_every", "1"), ("phase1_unit", "days"), ("phase1_days", "14"),
        ("phase2_kind", "periodic"), ("phase2_every", ""), ("phase2_unit", ""), ("phase2_days", ""),
        ("phase3_kind", "periodic"), ("phase3_every", "1"), ("phase3_unit", "weeks"), ("phase3_weekdays", "tue"),
        ("phase3_days", "30"),
        ("step1_person_id", "4"), ("step1_respond_within_hours", "8"),
        ("step2_person_id", ""), ("step2_respond_within_hours", ""),
        ("step3_person_id", "3"), ("step3_respond_within_hours", "soon"),
    ])
    assert protocol_forms.phases_from(form) == [
        {"cadence": {"every": 1, "unit": "days"}, "days": 14},
        {"cadence": {"every": 1, "unit": "weeks", "weekdays": ["tue"]}, "days": 30},
    ], "an empty row is skipped"
    assert protocol_forms.escalation_from(form) == [
        {"person_id": 4, "respond_within_hours": 8}, {"person_id": 3, "respond_within_hours": "soon"}]
    assert protocol_forms.phases_from(MultiDict({"phase1_kind": "response", "phase1_respond_within_hours": "2"})) == [
        {"cadence": {"respond_within_hours": 2}}], "without its days, for the domain to name"
    assert protocol_forms.escalation_from(MultiDict({"step1_respond_within_hours": "8"})) == [
        {"respond_within_hours": 8}], "without its person, for the schema to name"


def test_errors_on_the_nested_cadence_go_next_to_the_flat_fields():
    errors = {"cadence": {"every": ["Not a valid integer."], "weekdays": {0: ["Must be one of: mon."]},
                          "_schema": ["give every and unit"]}, "channel": ["Must be one of: email."]}
    assert protocol_forms.flat_errors(errors) == {
        "cadence_every": ["Not a valid integer."], "cadence_weekdays": ["Must be one of: mon."],
        "cadence": ["give every and unit"], "channel": ["Must be one of: email."],
    }
    assert protocol_forms.flat_errors({"cadence": ["weekdays go with a cadence in weeks"]}) == \
        {"cadence": ["weekdays go with a cadence in weeks"]}


def test_errors_on_a_phase_or_a_step_are_listed_on_the_taper_or_the_path_by_row():
    errors = {"phases": {1: {"cadence": {"unit": ["Must be one of: hours."]}, "days": ["Not a valid integer."]}},
              "escalation": {0: {"person_id": ["Missing data for required field."]}}}
    assert protocol_forms.flat_errors(errors) == {
        "phases": ["phase 2: cadence: unit: Must be one of: hours.", "phase 2: days: Not a valid integer."],
        "escalation": ["step 1: person_id: Missing data for required field."],
    }
    domain = {"phases": ["only the last phase may be open-ended"], "escalation": ["not people of this account"]}
    assert protocol_forms.flat_errors(domain) == domain


def test_a_form_filled_from_a_version_shows_its_cadence_taper_escalation_and_ceiling():
    version = Version(cadence=None, phases=[{"cadence": {"every": 1, "unit": "days"}, "days": 14},
                                            {"cadence": {"every": 1, "unit": "weeks", "weekdays": ["mon"]}, "days": None}],
                      backup_ids=[3, 4], timezone="Europe/Berlin", max_contacts_per_window=3,
                      effective_from=datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc))
    values = protocol_forms.prefilled(version)
    assert (values["cadence_kind"], values["cadence_every"], values["cadence_unit"]) == ("periodic", "1", "weeks")
    assert values.getlist("cadence_weekdays") == ["mon"] and values.getlist("backup_ids") == ["3", "4"]
    assert values["effective_from"] == "2026-04-01"
    assert (values["phase1_kind"], values["phase1_every"], values["phase1_unit"], values["phase1_days"]) == (
        "periodic", "1", "days", "14")
    assert "phase2_days" not in values, "the steady cadence is not a phase of the taper"
    assert values["max_contacts_per_window"] == "3"
    stepped = protocol_forms.prefilled(Version(cadence={"every": 1, "unit": "weeks"}, escalation=[
        {"person_id": 4, "respond_within_hours": 8}, {"person_id": 3, "respond_within_hours": 24}]))
    assert [stepped[f"step{n}_{key}"] for n in (1, 2) for key in ("person_id", "respond_within_hours")] == [
        "4", "8", "3", "24"]
    assert stepped["max_contacts_per_window"] == ""
    assert protocol_forms.prefilled(Version(cadence={"respond_within_hours": 4}))["cadence_kind"] == "response"


def test_terms_read_as_words():
    version = Version(phases=[{"cadence": {"every": 1, "unit": "days"}, "days": 14}],
                      cadence={"every": 2, "unit": "weeks", "weekdays": ["tue", "fri"]}, backup_ids=[3],
                      escalation=[{"person_id": 4, "respond_within_hours": 8}], channel="in_person")
    words = protocol_terms.terms_of(version, NAMES, timezone.utc)
    assert words["cadence"] == "every 2 weeks on Tue, Fri"
    assert words["phases"] == "every day for 14 days"
    assert (words["channel"], words["backups"], words["escalation"]) == ("In person", "Sam", "Dev within 8 h")
    assert words["effective_from"] == "when both companies agree"
    assert protocol_terms.cadence_text({"respond_within_hours": 1}) == "first contact within 1 hour of an incident"


def test_comparing_versions_marks_each_changed_term_of_each_pending_version():
    base = protocol_terms.terms_of(Version(), NAMES, timezone.utc)
    draft = protocol_terms.terms_of(Version(channel="phone", customer_point_person_id=4), NAMES, timezone.utc)
    same = protocol_terms.terms_of(Version(), NAMES, timezone.utc)
    rows = {row.key: row for row in protocol_terms.compare(base, [draft, same])}
    assert [key for key, row in rows.items() if row.changed] == ["channel", "customer_point_person"]
    assert [(c.text, c.changed) for c in rows["customer_point_person"].cells] == \
        [("Carla", False), ("Dev", True), ("Carla", False)]
    alone = protocol_terms.compare(None, [draft])
    assert not any(row.changed for row in alone) and all(len(row.cells) == 1 for row in alone)
