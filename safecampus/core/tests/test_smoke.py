def test_home_renders_for_school_officer(world, client_for):
    client = client_for(world.users["school_officer"])
    response = client.get("/")
    assert response.status_code == 200
    assert "甲小学" in response.content.decode()
