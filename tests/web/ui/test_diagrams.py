"""The state machines page: drawn as SVG from the live definitions, with a table of their
transitions and their Mermaid text, for every signed-in person."""

import re
from html import unescape
from xml.etree import ElementTree

import pytest

from mediation import lifecycle
from protocols import agreement
from web.ui import dispute_words
from web.ui import protocol_words
from web.ui.machine_drawing import Edge
from web.ui.machine_drawing import draw
from web.ui.machine_drawing import edges

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg))


def dispute_drawing(transitions=lifecycle.TRANSITIONS, states=lifecycle.STATES):
    return draw(states, transitions, lifecycle.INITIAL_STATE, title="Dispute lifecycle", ident="dispute")


def texts(svg) -> list[str]:
    return [span.text for span in parse(svg).iter(f"{SVG}tspan")] + [t.text for t in parse(svg).iter(f"{SVG}text") if t.text]


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "sam", "carla", "dev", "frank", "auditor", "contoso_auditor", "admin"])
def test_every_signed_in_person_reads_the_diagrams(browser_as, who):
    response = browser_as(who).get("/diagrams")
    assert response.status_code == 200
    assert "<h1>How the processes work</h1>" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(browser, world):
    response = browser.get("/diagrams")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.fixture
def page(browser_as):
    return unescape(browser_as("carla").get("/diagrams").get_data(as_text=True))


WORDED = [
    (lifecycle.STATES, lifecycle.TRANSITIONS, dispute_words.state, dispute_words.trigger_label,
     dispute_words.condition_label),
    (agreement.VERSION_STATES, agreement.TRANSITIONS, protocol_words.version_status, protocol_words.trigger_label,
     protocol_words.condition_label),
]


def test_every_state_trigger_and_condition_of_the_live_definitions_is_on_the_page_in_words(page):
    for states, transitions, state, trigger, condition in WORDED:
        for name in states:
            assert f">{state(name)}</text>" in page, name
            assert f"<td>{state(name)}</td>" in page or f"{state(name)}, " in page, name
        for transition in transitions:
            assert f">{trigger(transition['trigger'])}</tspan>" in page
            assert f"<td>{trigger(transition['trigger'])}</td>" in page
            for name in transition.get("conditions", []):
                assert f"if {condition(name)}" in page or f"and {condition(name)}" in page


def test_the_names_the_api_uses_are_only_in_the_mermaid_text(page):
    outside = re.sub(r'<pre class="mermaid-text".*?</pre>', "", page, flags=re.S)
    for states, transitions, *_ in WORDED:
        names = {*states, *(t["trigger"] for t in transitions), *(c for t in transitions for c in t.get("conditions", []))}
        assert not {name for name in names if "_" in name and name in outside}
        assert all(f"<code>{name}</code>" not in outside for name in names)


def test_each_transition_is_a_row_of_its_table(page):
    rows = set(re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page))
    assert ("Withdraw the dispute", "Intake, Story gathering, Option generation, Resolution", "Withdrawn") in rows
    assert ("Revisit the options", "Resolution", "Option generation") in rows
    assert ("Retire", "Draft, Proposed, Agreed", "Retired") in rows
    assert len(rows) == len(lifecycle.TRANSITIONS) + len(agreement.TRANSITIONS)


def test_the_mermaid_text_of_each_definition_is_in_a_details_element(page):
    assert page.count("<details>") == 2
    assert lifecycle.mermaid() in page
    assert agreement.mermaid() in page


def test_the_drawings_are_images_with_a_title_and_a_description(page):
    for ident, title in (("dispute", "Dispute lifecycle"), ("protocol", "Protocol version agreement")):
        assert f'role="img" aria-labelledby="{ident}-title {ident}-desc"' in page
        assert f'<title id="{ident}-title">{title}</title>' in page
        assert f'<desc id="{ident}-desc">States, in order:' in page


def test_the_page_needs_no_script_and_no_inline_style(page):
    assert "<script" not in page
    assert "style=" not in page
    assert "<style" not in page


# --- the drawing -------------------------------------------------------------------------------


def test_the_drawing_is_well_formed_svg_with_a_box_per_state():
    svg = parse(dispute_drawing())
    assert svg.tag == f"{SVG}svg"
    states = [t.text for t in svg.iter(f"{SVG}text") if t.text]
    assert states == list(lifecycle.STATES)


def test_transitions_to_the_next_state_are_straight_arrows_and_the_others_curved_connectors():
    svg = parse(dispute_drawing())
    groups = {g.find(f"{SVG}title").text: g for g in svg.iter(f"{SVG}g") if g.get("class") == "transition"}
    for trigger in ("gather_stories", "generate_options", "start_resolution", "resolve"):
        assert groups[trigger].find(f"{SVG}line") is not None
        assert groups[trigger].find(f"{SVG}path") is None
    for trigger, sources in (("revisit", 1), ("reopen", 1), ("withdraw", len(lifecycle.OPEN_STATES))):
        paths = groups[trigger].findall(f"{SVG}path")
        assert len(paths) == sources
        assert all(" Q " in p.get("d") for p in paths), "rounded, curved connectors"
    assert all(p.get("stroke-dasharray") for p in groups["revisit"].findall(f"{SVG}path")), "back edges are dashed"


def test_each_edge_is_labelled_with_its_trigger_and_its_conditions():
    labels = texts(dispute_drawing())
    for transition in lifecycle.TRANSITIONS:
        assert transition["trigger"] in labels
        conditions = transition["conditions"]
        assert f"if {conditions[0]}" in labels
        for condition in conditions[1:]:
            assert f"and {condition}" in labels


def test_adding_a_transition_to_a_definition_changes_the_drawing():
    before = dispute_drawing()
    escalate = {"trigger": "escalate", "source": "story_gathering", "dest": "intake", "conditions": ["sponsor_named"]}
    after = dispute_drawing(lifecycle.TRANSITIONS + (escalate,))
    assert after != before
    assert "escalate" in texts(after) and "escalate" not in texts(before)
    assert "if sponsor_named" in texts(after)
    assert "escalate: from story_gathering to intake when sponsor_named." in str(after)


def test_adding_a_state_and_a_skip_ahead_changes_the_drawing():
    states = lifecycle.STATES + ("archived",)
    archive = {"trigger": "archive", "source": ["resolved", "withdrawn"], "dest": "archived"}
    drawn = parse(dispute_drawing(lifecycle.TRANSITIONS + (archive,), states))
    assert "archived" in [t.text for t in drawn.iter(f"{SVG}text")]
    group = next(g for g in drawn.iter(f"{SVG}g") if g.get("class") == "transition" and g.find(f"{SVG}title").text == "archive")
    assert len(group.findall(f"{SVG}path")) == 2, "a trigger from several states: a connector from each"
    assert group.find(f"{SVG}line") is None


def test_the_drawing_grows_to_fit_new_states():
    base = parse(dispute_drawing())
    taller = parse(dispute_drawing(states=lifecycle.STATES + ("archived",)))
    assert float(taller.get("height")) > float(base.get("height"))


def test_connectors_that_share_rows_run_in_separate_lanes():
    svg = parse(dispute_drawing())
    lanes = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "transition":
            for path in group.findall(f"{SVG}path"):
                lanes.setdefault(group.find(f"{SVG}title").text, set()).add(
                    re.search(r"Q ([-\d.]+) ", path.get("d")).group(1))
    assert lanes["revisit"] != lanes["reopen"], "nested back edges do not overlap"
    assert len(lanes["withdraw"]) == 1, "a trigger from several states shares one lane"


def test_the_start_is_marked_and_final_states_have_a_double_border():
    svg = parse(draw(agreement.VERSION_STATES, agreement.TRANSITIONS, "draft", title="t", ident="p"))
    assert len(list(svg.iter(f"{SVG}circle"))) == 1
    double = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "state" and len(g.findall(f"{SVG}rect")) == 2]
    assert [g.find(f"{SVG}text").text for g in double] == ["superseded", "retired"]


def test_ids_are_kept_apart_by_the_identifier():
    one = str(draw(("a", "b"), ({"trigger": "go", "source": "a", "dest": "b"},), "a", title="t", ident="one"))
    two = str(draw(("a", "b"), ({"trigger": "go", "source": "a", "dest": "b"},), "a", title="t", ident="two"))
    assert 'id="one-arrow"' in one and 'id="two-arrow"' in two and "one-" not in two


def test_names_are_escaped():
    svg = str(draw(("<a>", "b&c"), ({"trigger": "<go>", "source": "<a>", "dest": "b&c"},), "<a>", title="<t>", ident="x"))
    assert "<go>" not in svg and "&lt;go&gt;" in svg
    parse(svg)


# --- edges from a definition ----------------------------------------------------------------------


def test_edges_read_sources_conditions_and_the_library_shorthands():
    states = ("a", "b", "c")
    definition = (
        {"trigger": "next", "source": "a", "dest": "b", "conditions": "ready"},
        {"trigger": "stop", "source": "*", "dest": "c", "unless": ["busy"]},
        {"trigger": "poke", "source": ["a", "b"], "dest": "=", "conditions": ["awake", "polite"]},
    )
    assert edges(states, definition) == [
        Edge("next", ("a",), "b", ("ready",)),
        Edge("stop", ("a", "b", "c"), "c", ("not busy",)),
        Edge("poke", ("a",), "a", ("awake", "polite")),
        Edge("poke", ("b",), "b", ("awake", "polite")),
    ]


def test_a_transition_back_into_the_same_state_is_drawn_as_a_loop():
    svg = parse(draw(("a", "b"), ({"trigger": "poke", "source": "a", "dest": "a"},), "a", title="t", ident="x"))
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "transition")
    assert len(group.findall(f"{SVG}path")) == 1
