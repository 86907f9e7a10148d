"""Notifications made for a test, without the changes that would cause them."""

from mediation.db import write_transaction
from outreach.notices import Notice
from outreach.notices import notify


def tell(world, key: str, count: int, title: str = "Update", kind: str = "dispute_update"):
    """Tell `key` `count` times of a new dispute carla is no party to ("Late delivery",
    Contoso's, sam's), titled "<title> 0", "<title> 1" ...; the dispute."""
    dispute = world.open_dispute("contoso", by="alice", parties=["sam"], title="Late delivery")
    with write_transaction():
        for number in range(count):
            notify({world.id(key)}, Notice(kind, "dispute", dispute.id, dispute.account_id, f"n{number}",
                                           f"{title} {number}", f"/disputes/{dispute.id}"), world.clock.now())
    return dispute
