"""Browser sessions: sign-in, revocation, timeouts and throttling of failed attempts."""

import threading
from concurrent.futures import ThreadPoolExecutor

from mediation import directory
from mediation import sessions
from mediation.credentials import hash_password
from mediation.db import database
from mediation.db import write_transaction
from mediation.parties import Person
from mediation.sessions import AccessEvent
from mediation.sessions import WebSession

PASSWORD = "a long enough password"


def _with_password(world, key):
    with write_transaction():
        Person.update(password_hash=hash_password(PASSWORD)).where(Person.id == world.id(key)).execute()
    return world.people[key].email


def _kinds():
    return [e.kind for e in AccessEvent.select().order_by(AccessEvent.id)]


def test_a_right_password_opens_a_session_the_key_resumes(world, clock):
    email = _with_password(world, "alice")
    outcome = sessions.sign_in(email.upper(), PASSWORD, clock.now(), "10.0.0.1")
    assert outcome.person.id == world.id("alice")
    assert sessions.resume(outcome.key, clock.now()).id == world.id("alice")
    assert WebSession.get().key_hash != outcome.key, "only a hash of the key is stored"
    assert _kinds() == ["login"]


def test_each_sign_in_gets_a_new_key(world, clock):
    email = _with_password(world, "alice")
    first = sessions.sign_in(email, PASSWORD, clock.now())
    second = sessions.sign_in(email, PASSWORD, clock.now())
    assert first.key != second.key


def test_wrong_password_unknown_email_and_disabled_person_fail_alike(world, clock):
    email = _with_password(world, "alice")
    disabled = _with_password(world, "sam")
    directory.disable_person(None, clock, person_id=world.id("sam"))
    for attempt in ((email, "wrong password!"), ("nobody@nowhere.example", PASSWORD), (disabled, PASSWORD)):
        outcome = sessions.sign_in(*attempt, clock.now())
        assert outcome.person is None and outcome.key is None and not outcome.throttled
    details = [e.detail for e in AccessEvent.select().order_by(AccessEvent.id)]
    assert details == ["wrong password", "unknown email", "person disabled"]
    assert WebSession.select().count() == 0


def test_signing_out_ends_the_session_for_good(world, clock):
    outcome = sessions.sign_in(_with_password(world, "alice"), PASSWORD, clock.now())
    sessions.sign_out(outcome.key, clock.now())
    assert sessions.resume(outcome.key, clock.now()) is None
    assert WebSession.get().ended_because == "logout"
    assert _kinds() == ["login", "logout"]


def test_disabling_a_person_ends_every_session_of_theirs(world, clock):
    email = _with_password(world, "carla")
    keys = [sessions.sign_in(email, PASSWORD, clock.now()).key for _ in range(2)]
    directory.disable_person(world.actor("contoso_admin"), clock, person_id=world.id("carla"))
    assert all(sessions.resume(key, clock.now()) is None for key in keys)
    assert {s.ended_because for s in WebSession.select()} == {"person_disabled"}


def test_an_idle_session_times_out_and_activity_keeps_it_alive(world, clock):
    outcome = sessions.sign_in(_with_password(world, "alice"), PASSWORD, clock.now())
    for _ in range(4):
        clock.advance(minutes=20)
        assert sessions.resume(outcome.key, clock.now()) is not None
    clock.advance(minutes=31)
    assert sessions.resume(outcome.key, clock.now()) is None
    assert WebSession.get().ended_because == "idle_timeout"


def test_a_session_ends_after_its_absolute_lifetime_however_busy(world, clock):
    outcome = sessions.sign_in(_with_password(world, "alice"), PASSWORD, clock.now())
    for _ in range(12 * 4):
        clock.advance(minutes=15)
        assert sessions.resume(outcome.key, clock.now()) is not None
    clock.advance(minutes=1)
    assert sessions.resume(outcome.key, clock.now()) is None
    assert WebSession.get().ended_because == "absolute_timeout"


def _fail(email, clock, address=None, device=None):
    return sessions.sign_in(email, "wrong password!", clock.now(), address, device)


def test_failures_from_unknown_browsers_make_each_next_attempt_wait_longer_up_to_a_minute(world, clock):
    email = _with_password(world, "alice")
    for _ in range(sessions.FREE_FAILURES_PER_EMAIL):
        assert not _fail(email, clock).throttled
    waits = []
    for _ in range(9):
        refused = sessions.sign_in(email, PASSWORD, clock.now())
        assert refused.throttled_by == "email" and refused.key is None
        waits.append(refused.retry_after)
        clock.advance(seconds=refused.retry_after)
        assert not _fail(email, clock).throttled
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60], "doubling, never more than a minute"
    assert _kinds().count("login_throttled") == 9
    clock.advance(seconds=60)
    assert sessions.sign_in(email, PASSWORD, clock.now()).key is not None, "a wait, never a lockout"


def test_asking_again_while_waiting_does_not_make_the_wait_longer(world, clock):
    email = _with_password(world, "alice")
    for _ in range(sessions.FREE_FAILURES_PER_EMAIL + 2):
        clock.advance(seconds=5)
        _fail(email, clock)
    first = sessions.sign_in(email, PASSWORD, clock.now())
    for _ in range(20):
        assert sessions.sign_in(email, PASSWORD, clock.now()).retry_after == first.retry_after
    clock.advance(seconds=first.retry_after)
    assert sessions.sign_in(email, PASSWORD, clock.now()).key is not None


def test_a_browser_that_signed_in_before_is_never_held_back_by_failures_elsewhere(world, clock):
    email = _with_password(world, "alice")
    assert sessions.sign_in(email, PASSWORD, clock.now(), "10.0.0.1", "alices-laptop").key
    for _ in range(40):
        clock.advance(seconds=61)
        _fail(email, clock, "203.0.113.9")
    assert sessions.sign_in(email, PASSWORD, clock.now(), "203.0.113.9").throttled_by == "email"
    outcome = sessions.sign_in(email, PASSWORD, clock.now(), "203.0.113.9", "alices-laptop")
    assert outcome.key is not None and outcome.person.id == world.id("alice")


def test_a_trusted_browser_is_held_back_only_by_its_own_failures(world, clock):
    email = _with_password(world, "alice")
    sessions.sign_in(email, PASSWORD, clock.now(), None, "alices-laptop")
    for _ in range(sessions.FREE_FAILURES_PER_DEVICE):
        assert not _fail(email, clock, device="alices-laptop").throttled
    refused = sessions.sign_in(email, PASSWORD, clock.now(), None, "alices-laptop")
    assert (refused.throttled_by, refused.retry_after) == ("device", 1)
    assert not _fail(email, clock, device="another-browser").throttled, "her typos hold back no other browser"
    clock.advance(seconds=1)
    assert sessions.sign_in(email, PASSWORD, clock.now(), None, "alices-laptop").key is not None


def test_a_browser_is_trusted_only_for_the_person_who_signed_in_with_it(world, clock):
    alice, sam = _with_password(world, "alice"), _with_password(world, "sam")
    sessions.sign_in(alice, PASSWORD, clock.now(), None, "shared-kiosk")
    for _ in range(sessions.FREE_FAILURES_PER_EMAIL):
        _fail(sam, clock, device="shared-kiosk")
    assert sessions.sign_in(sam, PASSWORD, clock.now(), None, "shared-kiosk").throttled_by == "email"


def test_an_address_past_its_far_higher_allowance_waits_but_known_browsers_and_others_do_not(world, clock):
    """An office behind one address: a stranger's guesses at many emails slow new browsers
    there down a little, and hold back no one who has signed in from their browser before."""
    alice, carla = _with_password(world, "alice"), _with_password(world, "carla")
    sessions.sign_in(carla, PASSWORD, clock.now(), "203.0.113.9", "carlas-desktop")
    with write_transaction():
        for n in range(sessions.FREE_FAILURES_PER_ADDRESS):
            sessions.record("login_failed", clock.now(), email=f"guess{n}@contoso.example", address="203.0.113.9")
    refused = sessions.sign_in(alice, PASSWORD, clock.now(), "203.0.113.9")
    assert (refused.throttled_by, refused.retry_after) == ("address", 1)
    assert sessions.sign_in(carla, PASSWORD, clock.now(), "203.0.113.9", "carlas-desktop").key is not None
    assert sessions.sign_in(alice, PASSWORD, clock.now(), "198.51.100.7").key is not None
    clock.advance(seconds=1)
    assert sessions.sign_in(alice, PASSWORD, clock.now(), "203.0.113.9").key is not None


def test_failures_older_than_the_window_are_forgotten(world, clock):
    email = _with_password(world, "alice")
    for _ in range(sessions.FREE_FAILURES_PER_EMAIL * 2):
        clock.advance(seconds=61)
        _fail(email, clock)
    clock.advance(minutes=16)
    for _ in range(sessions.FREE_FAILURES_PER_EMAIL):
        assert not _fail(email, clock).throttled


def test_a_person_keeps_only_their_most_recently_used_browsers(world, clock):
    email = _with_password(world, "alice")
    for n in range(sessions.TRUSTED_DEVICES_KEPT + 3):
        clock.advance(minutes=1)
        sessions.sign_in(email, PASSWORD, clock.now(), None, f"browser-{n}")
    assert sessions.TrustedDevice.select().count() == sessions.TRUSTED_DEVICES_KEPT
    for _ in range(sessions.FREE_FAILURES_PER_EMAIL):
        _fail(email, clock)
    assert sessions.sign_in(email, PASSWORD, clock.now(), None, "browser-0").throttled_by == "email"
    assert sessions.sign_in(email, PASSWORD, clock.now(), None, "browser-3").key is not None


def test_parallel_guesses_cannot_get_past_the_limit(world, clock):
    """Each attempt counts the failures before it inside its own turn, so ten guesses sent
    at once still record no more failures than the limit."""
    email = _with_password(world, "alice")
    start = threading.Barrier(10)

    def guess():
        start.wait()
        try:
            return sessions.sign_in(email, "wrong password!", clock.now())
        finally:
            database.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: guess(), range(10)))
    assert sum(not o.throttled for o in outcomes) == sessions.FREE_FAILURES_PER_EMAIL
    assert _kinds().count("login_failed") == sessions.FREE_FAILURES_PER_EMAIL


def test_a_person_without_a_password_cannot_sign_in(world, clock):
    outcome = sessions.sign_in(world.people["dev"].email, "", clock.now())
    assert outcome.key is None
    assert AccessEvent.get().detail == "wrong password"


def test_changing_ones_password_ends_every_other_session_and_keeps_this_one(world, clock):
    from mediation.errors import Invalid

    email = _with_password(world, "carla")
    here = sessions.sign_in(email, PASSWORD, clock.now()).key
    there = sessions.sign_in(email, PASSWORD, clock.now()).key
    person = Person.get_by_id(world.id("carla"))
    try:
        sessions.change_password(person, clock.now(), current="wrong", password="x", repeated="y", session_key=here)
    except Invalid as error:
        assert sorted(error.errors) == ["current", "password"]
    else:
        raise AssertionError("a wrong current password must be refused")
    assert sessions.resume(there, clock.now()) is not None, "a refused change ends nothing"

    ended = sessions.change_password(person, clock.now(), current=PASSWORD, password="another long password",
                                     repeated="another long password", session_key=here)

    assert ended == 1
    assert sessions.resume(here, clock.now()) is not None and sessions.resume(there, clock.now()) is None
    assert _kinds()[-1] == "password_changed"
    assert sessions.sign_in(email, "another long password", clock.now()).key is not None
