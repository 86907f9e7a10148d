def test_the_world_drives_a_dispute_to_every_state(world):
    for state in ["intake", "story_gathering", "option_generation", "resolution", "resolved", "withdrawn"]:
        dispute = world.open_dispute()
        assert world.drive(dispute, state).state == state


def test_the_api_reads_a_dispute(api, world):
    dispute = world.open_dispute()
    response = api.get(f"/api/v1/disputes/{dispute.id}")
    assert response.status_code == 200
    assert response.json["state"] == "intake"
