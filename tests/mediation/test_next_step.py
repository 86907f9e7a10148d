"""What a dispute waits on next, and on whom, as each reader may be told it."""

from datetime import timedelta

from mediation import dispute_queries
from mediation import dispute_reading
from mediation import lifecycle
from mediation import services
from mediation.next_step import acts_on
from mediation.next_step import next_step

NAMES = {"supplier": "Northwind Systems", "customer": "Contoso Retail"}
RECORDS = ("party", "story", "option", "acceptance", "settlement")


def step_for(world, dispute, who="alice"):
    actor = world.actor(who)
    current = dispute_queries.get_dispute(actor, dispute.id)
    found = next_step(dispute_reading.read(actor, current, world.clock.now()), actor, NAMES)
    return found, acts_on(found, actor, current)


def taken_by(world, dispute, who="alice") -> str:
    """What takes the step: a record, or a trigger the lifecycle offers from the state."""
    found, _ = step_for(world, dispute, who)
    state = dispute_queries.get_dispute(world.actor(who), dispute.id).state
    assert found.taken_by in RECORDS or found.taken_by in lifecycle.available_triggers(state), found.taken_by
    return found.taken_by


def words(world, dispute, who="alice") -> str:
    found, _ = step_for(world, dispute, who)
    return f"{found.waits_on} {found.action}" if found else ""


def test_intake_waits_on_the_mediators_for_what_is_missing(world):
    dispute = world.open_dispute(parties=["sam"], by="admin")
    assert words(world, dispute) == "the mediators to add a party from Contoso Retail and a mediator"
    assert words(world, world.open_dispute()) == "the mediators to start gathering stories"
    assert (taken_by(world, dispute), taken_by(world, world.open_dispute())) == ("party", "gather_stories")
    assert step_for(world, world.open_dispute())[1], "alice mediates it"
    assert not step_for(world, world.open_dispute(), "carla")[1]


def test_story_gathering_waits_on_the_untold_parties_by_name_within_a_company(world):
    dispute = world.drive(world.open_dispute(parties=["sam", "carla", "dev"]), "story_gathering")
    assert words(world, dispute, "carla") == "Carla, Dev and Northwind Systems to tell their side of the story, or decline"
    assert words(world, dispute, "alice") == "Sam and Contoso Retail to tell their side of the story, or decline"
    assert step_for(world, dispute, "carla")[1] and not step_for(world, dispute, "alice")[1]
    assert taken_by(world, dispute, "carla") == "story"


def test_an_internal_story_tells_the_customer_nothing(world):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    services.record_story(world.actor("alice"), world.clock, dispute.id, party_id=world.id("sam"),
                          text="We shipped late.", visibility="internal")
    services.record_story(world.actor("carla"), world.clock, dispute.id, party_id=world.id("carla"), text="Ours.")
    assert words(world, dispute, "alice") == "the mediators to move on to finding options"
    assert taken_by(world, dispute) == "generate_options"
    assert words(world, dispute, "carla") == "Northwind Systems to tell their side of the story, or decline"


def test_option_generation_waits_on_the_mediators_for_options_of_value_to_both(world):
    dispute = world.drive(world.open_dispute(), "option_generation")
    assert words(world, dispute) == "the mediators to propose at least two options"
    assert taken_by(world, dispute) == "option"
    for summary in ("Credit note", "Discount"):
        services.propose_option(world.actor("alice"), world.clock, dispute.id, summary=summary,
                                value_to_supplier=-1, value_to_customer=3)
    assert words(world, dispute).startswith("the mediators to propose an option of value to both companies")
    services.propose_option(world.actor("alice"), world.clock, dispute.id, summary="Split",
                            value_to_supplier=2, value_to_customer=2)
    assert words(world, dispute) == "the mediators to start the resolution"
    assert taken_by(world, dispute) == "start_resolution"


def test_resolution_waits_on_the_company_that_has_not_accepted_naming_the_others_choice(world):
    dispute = world.drive(world.open_dispute(), "resolution")
    assert words(world, dispute, "carla") == "both companies to accept an option"
    assert taken_by(world, dispute, "carla") == "acceptance"
    first, second = dispute_queries.details(world.actor("alice"), dispute)["options"]
    services.accept_option(world.actor("alice"), world.clock, dispute.id, option_id=first.id)
    assert words(world, dispute, "carla") == \
        "Contoso Retail to accept \u201cSplit the difference\u201d, which Northwind Systems accepted, or another option"
    assert step_for(world, dispute, "carla")[1] and not step_for(world, dispute, "alice")[1]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=second.id)
    assert words(world, dispute) == "both companies to agree on one option: each accepted a different one"
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=first.id)
    assert words(world, dispute) == "the mediators to resolve the dispute with \u201cSplit the difference\u201d"
    assert taken_by(world, dispute) == "resolve"


def test_a_resolved_dispute_waits_on_open_commitments_and_then_on_nothing(world):
    dispute = world.drive(world.open_dispute(), "resolved")
    assert step_for(world, dispute) == (None, False)
    commitment = services.record_commitment(world.actor("alice"), world.clock, dispute.id,
                                            person_id=world.id("carla"), description="Send the invoice",
                                            due_at=world.clock.now() + timedelta(days=3))
    assert words(world, dispute, "carla") == "Carla to keep what they committed to"
    assert words(world, dispute, "alice") == "Contoso Retail to keep what they committed to"
    assert step_for(world, dispute, "carla")[1] and taken_by(world, dispute, "carla") == "settlement"
    services.settle_commitment(world.actor("alice"), world.clock, dispute.id, commitment.id, status="kept")
    assert step_for(world, dispute, "carla") == (None, False)


def test_an_auditor_is_told_the_step_but_never_that_it_is_theirs(world):
    dispute = world.drive(world.open_dispute(), "resolution")
    found, theirs = step_for(world, dispute, "auditor")
    assert found.waits_on == "both companies" and not theirs
