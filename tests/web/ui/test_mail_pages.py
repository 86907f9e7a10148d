"""The outbox, for the supplier's administrators, and the one-click unsubscribe link of
every mail, which works without signing in and shows on the profile."""

from mediation.db import write_transaction
from outreach.composing import compose
from outreach.config import MailConfig
from outreach.models import Mail
from outreach.notices import Notice
from outreach.notices import notify
from outreach.settings import settings_of
from tests.web.ui.pages import main


def _mail(world, key="carla", kind="waiting_on_you"):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam"], title="Late delivery")
    with write_transaction():
        notify({world.id(key)}, Notice(kind, "dispute", dispute.id, dispute.account_id, "p", "Late delivery: yours",
                                       f"/disputes/{dispute.id}"), world.clock.now())
    compose(world.clock.now(), MailConfig(base_url="https://accord.example.com"))
    return Mail.get((Mail.person == world.id(key)) & (Mail.kinds == kind))


def test_the_outbox_shows_the_supplier_admin_every_mail_waiting(browser_as, world):
    mail = _mail(world)
    page = main(browser_as("admin").get("/admin/outbox"))
    assert "No SMTP server is configured" in page.text
    assert "Late delivery: yours" in page.text and "waiting" in page.text
    shown = main(browser_as("admin").get(f"/admin/outbox/{mail.id}"))
    assert "Hello Carla" in shown.text and "https://accord.example.com/disputes/" in shown.text


def test_nobody_else_reads_the_outbox(browser_as, world):
    mail = _mail(world)
    for key in ("alice", "contoso_admin", "carla", "auditor"):
        assert browser_as(key).get("/admin/outbox").status_code == 403, key
        assert browser_as(key).get(f"/admin/outbox/{mail.id}").status_code == 403, key


def test_one_click_turns_the_kind_off_without_signing_in_and_the_profile_shows_it(client, browser_as, world):
    mail = _mail(world)
    asked = client.get(f"/unsubscribe/{mail.unsubscribe_token}")
    assert asked.status_code == 200 and "Stop these mails?" in asked.get_data(as_text=True)
    assert settings_of(world.id("carla")).frequencies["waiting_on_you"] == "immediate", "a GET changes nothing"
    done = client.post(f"/unsubscribe/{mail.unsubscribe_token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no longer mails you about: Waiting on you" in done.get_data(as_text=True)
    assert settings_of(world.id("carla")).frequencies["waiting_on_you"] == "off"
    profile = main(browser_as("carla").get("/profile"))
    chosen = profile.find("select", id="kind-waiting_on_you").find("option", selected="")
    assert chosen is not None and chosen.attrs["value"] == "off"


def test_a_link_that_is_not_one_is_not_found_and_changes_nothing(client, world):
    _mail(world)
    for token in ("nope", "x" * 65):
        assert client.post(f"/unsubscribe/{token}").status_code == 404
    assert settings_of(world.id("carla")).frequencies["waiting_on_you"] == "immediate"
