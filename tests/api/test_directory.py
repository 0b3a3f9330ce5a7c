"""The directory through the API: administrators manage people and import organizations with
the admin pages' services; everyone reads the directory and herself."""

from __future__ import annotations

from tests.api.scenario import ApiClient, As


def test_an_administrator_creates_a_user_changes_her_roles_and_deactivates_her(client, tokens):
    admin = ApiClient(client, tokens).as_("admin")
    created = admin.post(
        "/users",
        json={"username": "ta_new", "org_code": "RU-TA", "roles": ["initiator"], "language": "en"},
    ).ok(201)
    assert (created["roles"], created["is_active"]) == (["initiator"], True)
    changed = admin.patch(
        f"/users/{created['id']}", json={"roles": ["legal_office", "initiator"]}
    ).ok()
    assert changed["roles"] == ["initiator", "legal_office"]
    weak = admin.patch(f"/users/{created['id']}", json={"roles": [], "password": "123"})
    assert "password" in weak.refused(400)["errors"]
    assert admin.get(f"/users/{created['id']}").ok()["roles"] == ["initiator", "legal_office"]
    admin.patch(f"/users/{created['id']}", json={"is_active": False}).ok()
    listed = admin.get("/users?org_id=" + str(created["org_id"]) + "&q=ta_new").ok()["items"]
    assert [(u["username"], u["is_active"]) for u in listed] == [("ta_new", False)]


def test_a_deactivated_users_token_stops_working_at_once(client, tokens, world):
    admin = ApiClient(client, tokens).as_("admin")
    assert As(client, tokens["spe_ini"]).get("/users/me").status == 200
    admin.patch(f"/users/{world.user_id('spe_ini')}", json={"is_active": False}).ok()
    As(client, tokens["spe_ini"]).get("/users/me").refused(401)


def test_an_organization_import_is_all_or_nothing_and_names_each_bad_line(client, tokens):
    admin = ApiClient(client, tokens).as_("admin")
    bad = (
        "code,kind,name_ru,parent_code\n"
        "RU-KAZ,region,Калужская область,\n"
        "RU-KAZ-OBN,municipality,Обнинск,RU-NOWHERE\n"
        "XX,planet,Марс,\n"
    )
    refused = admin.post("/organizations/import", json={"csv": bad}).refused(400)
    assert set(refused["errors"]) == {"line 3", "line 4"}
    assert admin.get("/organizations?q=Калужская").ok()["items"] == []
    good = bad.replace("RU-NOWHERE", "RU-KAZ").replace("XX,planet,Марс,\n", "")
    assert admin.post("/organizations/import", json={"csv": good}).ok() == {
        "created": 2,
        "updated": 0,
    }
    (region,) = admin.get("/organizations?q=Калужская&kind=region").ok()["items"]
    (city,) = admin.get(f"/organizations?parent_id={region['id']}").ok()["items"]
    assert city["code"] == "RU-KAZ-OBN"


def test_the_organization_list_pages_by_id(client, tokens):
    me = ApiClient(client, tokens).as_("spe_ini")
    seen, cursor = [], None
    while True:
        page = me.get("/organizations?limit=4" + (f"&cursor={cursor}" if cursor else "")).ok()
        seen.extend(o["id"] for o in page["items"])
        if not (cursor := page["next_cursor"]):
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) > 4
    assert me.get(f"/organizations/{seen[0]}").ok()["id"] == seen[0]
