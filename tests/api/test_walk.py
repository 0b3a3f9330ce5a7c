"""A regional agreement from creation to "plan of activities adopted", through the API alone,
by the people of the procedure, each with her own token: Tatarstan's initiator, legal office
and head; the MFA, the Ministry of Economic Development and a sectoral ministry; the Ministry of
Justice; the coordinating agency for the plan."""

from __future__ import annotations

from tests.api.scenario import ApiClient, regional_fields, trigger_data


def _tasks(api, username: str, scope: str) -> list[dict]:
    return api.as_(username).get(f"/tasks?scope={scope}").ok()["items"]


def test_regional_agreement_walks_from_creation_to_adopted_plan_through_the_api(
    client, tokens, engine
):
    api = ApiClient(client, tokens)
    today = engine.today()
    ini = api.as_("ta_ini")

    created = ini.post(
        "/agreements", json={"kind": "regional_agreement", "fields": regional_fields(today)}
    ).ok(201)
    case_id = created["id"]
    assert created["state"] == "initiated" and created["region"]["code"] == "RU-TA"
    for language in ("ru", "zh"):
        ini.post(
            f"/agreements/{case_id}/documents",
            json={"language": language, "text": f"Текст соглашения ({language})"},
        ).ok(201)

    ini.fire(case_id, "notify_negotiations")
    ini.fire(case_id, "start_drafting")
    etag = ini.get(f"/agreements/{case_id}").response.headers["ETag"]
    moved = ini.post(
        f"/agreements/{case_id}/transitions",
        json={"trigger": "send_for_clearance"},
        headers={"If-Match": etag},
    ).ok()
    assert moved["to_state"] == "internal_clearance"

    # Internal clearance: both reviewers vote; the first vote does not move the case.
    first = api.as_("ta_legal").fire(case_id, "clear")
    assert first["moved"] is False
    assert api.as_("ta_head").fire(case_id, "clear")["to_state"] == "submitted_for_review"

    # The MFA takes the intake task from its queue, then circulates the draft.
    (intake,) = [t for t in _tasks(api, "mfa", "claimable") if t["case_id"] == case_id]
    api.as_("mfa").post(f"/tasks/{intake['id']}/claim").ok()
    assert [t["id"] for t in _tasks(api, "mfa", "mine")] == [intake["id"]]
    api.as_("mfa").fire(case_id, "start_review")
    for reviewer in ("minec", "sector", "mfa"):
        result = api.as_(reviewer).fire(case_id, "approve")
    assert result["to_state"] == "approved_for_signing"

    ini.fire(case_id, "schedule_signing")
    ini.fire(case_id, "record_signing", data=trigger_data("record_signing", today))
    ini.fire(case_id, "submit_for_registration")
    api.as_("minjust").fire(case_id, "register", data=trigger_data("register", today))
    ini.fire(case_id, "enter_into_force", data=trigger_data("enter_into_force", today))

    # Implementation waits for the plan of activities.
    refused = ini.post(
        f"/agreements/{case_id}/transitions", json={"trigger": "start_implementation"}
    ).refused(409)
    assert refused["errors"]["refusals"][0]["message"] == "Adopt the plan of activities first."

    plan = ini.post(
        "/plans",
        json={
            "kind": "activity_plan",
            "parent_case_id": case_id,
            "fields": {
                "title": "План мероприятий на 2026–2027 годы",
                "period_start": today.isoformat(),
                "period_end": today.replace(year=today.year + 1).isoformat(),
            },
        },
    ).ok(201)
    item = ini.post(
        f"/plans/{plan['id']}/items",
        json={
            "title": "Дни культуры Татарстана в Харбине",
            "area": "cultural",
            "responsible_org_id": created["owner"]["id"],
            "due_quarter": f"{today.year}-Q4",
            "budget_line": "3.6/1",
        },
    ).ok(201)
    assert item["number"] == 1 and item["status"] == "planned"
    ini.fire(plan["id"], "submit_plan", prefix="/plans")
    api.as_("coord").fire(plan["id"], "approve_plan", prefix="/plans")
    adopted = ini.fire(
        plan["id"], "adopt_plan", prefix="/plans", data=trigger_data("adopt_plan", today)
    )
    assert adopted["to_state"] == "adopted"

    final = ini.fire(case_id, "start_implementation")
    assert final["to_state"] == "implementation"

    agreement = ini.get(f"/agreements/{case_id}").ok()
    assert agreement["state_title"]["en"] == "In force, plan of activities adopted"
    history = ini.get(f"/agreements/{case_id}/history").ok()
    assert history["chain"] == {"ok": True, "seq": None, "problem": None}
    people = {e["actor_name"] for e in history["events"]}
    assert {"ta_ini", "ta_legal", "ta_head", "mfa", "minec", "sector", "minjust"} <= people
    plans = ini.get(f"/plans?parent_case_id={case_id}").ok()["items"]
    assert [(p["id"], p["state"]) for p in plans] == [(plan["id"], "adopted")]
    assert any(t["case_id"] == case_id for t in _tasks(api, "minjust", "done"))
