"""Fill a database with a realistic volume of agreements, for the read benchmarks and for demos.

    python -m bench.generate --url sqlite:///instance/scale.db --agreements 100000
    python -m bench.generate --url postgresql://postgres@127.0.0.1:5432/soglasie_scale

Defaults: 100,000 agreements (70 % regional, 30 % twin-city), ~1,000,000 audit events,
~300,000 tasks, 5,000 users, 90 regions (one of them, ``RU-R01``, with 5,000 agreements),
3 municipalities per region, 200 foreign partners. Every count scales with ``--agreements``
unless given explicitly.

People to sign in as (password ``--password``, default ``bench-password``):

- ``inbox`` — initiator of ``RU-R01`` with 500 open tasks assigned to her;
- ``region`` — initiator of ``RU-R01`` (the region page of 5,000 agreements);
- ``federal`` — an MFA reviewer: sees every agreement (the list page at full scale);
- ``mfa``, ``minec``, ``sector`` — the three federal reviewers of the cases in ``federal_review``.

What is real and what is not: the rows have the shapes the engine writes (cases pinned to the
shipped definitions, open tasks for the current state with the right role and organization,
review rounds with one open task per reviewer, audit events numbered 1..version), so the pages
render and the engine can fire transitions on them (the HTTP benchmark approves cases in
``federal_review``). The audit hash chains are NOT valid: hashes are random (``soglasie audit
verify`` will report every generated case); computing real chains would cost more than the
rest of the load together and no page reads them.

Rows go in with bulk inserts: ``COPY`` on PostgreSQL, ``executemany`` in one transaction on
SQLite. The target database must be empty (its schema is created when missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from bench.bulk import Rows, write_postgres, write_sqlite
from bench.databases import create_schema
from workflow.audit import HASHED_COLUMNS
from workflow.clock import FixedClock
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.passwords import hash_password

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
BIG_REGION = "RU-R01"
COUNTRIES = ["CN", "DE", "FR", "IT", "BY", "KZ", "UZ", "IN", "TR", "VN", "RS", "AM", "MN", "AE"]
LEVELS = ["province", "state", "city", "province", "national"]
AREAS = ["trade_economic", "scientific_technical", "cultural", "education", "humanitarian"]
REGION_ROLES = {  # users per region
    "initiator": 12,
    "legal_office": 5,
    "head_of_region": 2,
    "legislature": 2,
    "regional_reviewer": 5,
    "regional_registrar": 3,
}
MUNICIPAL_ROLES = {"initiator": 3, "head_of_municipality": 1}
FEDERAL = [  # code, name, role, users
    ("MFA", "МИД России", "mfa_reviewer", 30),
    ("MINEC", "Минэкономразвития России", "minec_reviewer", 30),
    ("SECTOR", "Минпросвещения России", "sectoral_reviewer", 30),
    ("MINJUST", "Минюст России", "minjust_registrar", 20),
    ("GOV", "Аппарат Правительства РФ", "government_office", 10),
    ("RSTR", "Россотрудничество", "coordinator", 20),
]
# Where agreements are: weights per state (unlisted states get weight 1).
STATE_WEIGHTS = {
    "in_force": 30,
    "implementation": 20,
    "expired": 10,
    "drafting": 6,
    "federal_review": 4,
    "regional_review": 4,
    "signed": 3,
    "registered": 3,
    "withdrawn": 3,
}


@dataclass
class Plan:
    agreements: int = 100_000
    audit_events: int | None = None  # default 10 per agreement
    tasks: int | None = None  # default 3 per agreement
    users: int = 5_000
    regions: int = 90
    big_region_agreements: int = 5_000
    inbox_tasks: int = 500
    partners: int = 200
    password: str = "bench-password"
    seed: int = 1

    def __post_init__(self):
        self.audit_events = self.audit_events or self.agreements * 10
        self.tasks = self.tasks or self.agreements * 3
        self.big_region_agreements = min(self.big_region_agreements, self.agreements // 2)
        self.inbox_tasks = min(self.inbox_tasks, self.big_region_agreements // 4)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def build(plan: Plan, definition_ids: dict[str, int], definitions) -> tuple[Rows, dict]:
    """Every row, in memory (about 1.5 GB of Python objects at 100k agreements is avoided by
    tuples: it stays well under 1 GB)."""
    rng = random.Random(plan.seed)
    rows = Rows()
    orgs = rows.table(
        "organizations",
        (
            "id",
            "code",
            "kind",
            "name_ru",
            "name_en",
            "parent_id",
            "country",
            "level",
            "calendar_code",
            "timezone",
            "is_active",
        ),
    )
    next_org = iter(range(1, 10**9))
    regions, municipalities, federal, partners = [], {}, {}, []
    for i in range(1, plan.regions + 1):
        org_id = next(next_org)
        code = f"RU-R{i:02d}"
        orgs.append(
            (
                org_id,
                code,
                "region",
                f"Регион {i}",
                f"Region {i}",
                None,
                None,
                None,
                code,
                "Europe/Moscow",
                True,
            )
        )
        regions.append(org_id)
        municipalities[org_id] = []
        for m in range(1, 4):
            mun_id = next(next_org)
            orgs.append(
                (
                    mun_id,
                    f"{code}-M{m}",
                    "municipality",
                    f"Город {i}-{m}",
                    None,
                    org_id,
                    None,
                    None,
                    None,
                    "Europe/Moscow",
                    True,
                )
            )
            municipalities[org_id].append(mun_id)
    for code, name, role, _count in FEDERAL:
        org_id = next(next_org)
        orgs.append(
            (
                org_id,
                code,
                "federal_body",
                name,
                None,
                None,
                None,
                None,
                None,
                "Europe/Moscow",
                True,
            )
        )
        federal[role] = org_id
    for p in range(1, plan.partners + 1):
        org_id = next(next_org)
        country = COUNTRIES[p % len(COUNTRIES)]
        level = LEVELS[p % len(LEVELS)]
        orgs.append(
            (
                org_id,
                f"P-{country}-{p}",
                "foreign_partner",
                f"Партнёр {p}",
                f"Partner {p}",
                None,
                country,
                level,
                None,
                "Europe/Moscow",
                True,
            )
        )
        partners.append((org_id, country, level))

    # --- people ---------------------------------------------------------------------------
    users = rows.table(
        "users",
        (
            "id",
            "username",
            "email",
            "full_name",
            "position",
            "org_id",
            "password_hash",
            "language",
            "notify_mode",
            "is_active",
            "created_at",
        ),
    )
    user_roles = rows.table("user_roles", ("id", "user_id", "role"))
    password = hash_password(plan.password)
    holders: dict[tuple[str, int], list[int]] = {}
    next_user = iter(range(1, 10**9))
    next_role = iter(range(1, 10**9))

    def person(username: str, org_id: int, roles: Iterable[str]) -> int:
        user_id = next(next_user)
        users.append(
            (
                user_id,
                username,
                f"{username}@example.test",
                f"Сотрудник {user_id}",
                None,
                org_id,
                password,
                "ru",
                "instant",
                True,
                NOW,
            )
        )
        for role in roles:
            user_roles.append((next(next_role), user_id, role))
            holders.setdefault((role, org_id), []).append(user_id)
        return user_id

    big = regions[0]
    named = {
        "inbox": person("inbox", big, ["initiator"]),
        "region": person("region", big, ["initiator"]),
        "federal": person("federal", federal["mfa_reviewer"], ["mfa_reviewer"]),
        "mfa": person("mfa", federal["mfa_reviewer"], ["mfa_reviewer"]),
        "minec": person("minec", federal["minec_reviewer"], ["minec_reviewer"]),
        "sector": person("sector", federal["sectoral_reviewer"], ["sectoral_reviewer"]),
    }
    for _code, _name, role, count in FEDERAL:
        for _ in range(count):
            person(f"u{len(users) + 1:05d}", federal[role], [role])
    per_region = sum(REGION_ROLES.values()) + 3 * sum(MUNICIPAL_ROLES.values())
    rounds_needed = max(1, (plan.users - len(users)) // max(1, plan.regions * per_region))
    for region in regions:
        for _ in range(rounds_needed):
            for role, count in REGION_ROLES.items():
                for _ in range(count):
                    person(f"u{len(users) + 1:05d}", region, [role])
            for mun in municipalities[region]:
                for role, count in MUNICIPAL_ROLES.items():
                    for _ in range(count):
                        person(f"u{len(users) + 1:05d}", mun, [role])
    while len(users) < plan.users:
        region = rng.choice(regions)
        person(f"u{len(users) + 1:05d}", region, ["initiator"])

    # --- agreements, their tasks, rounds and audit --------------------------------------------
    cases = rows.table(
        "cases",
        (
            "id",
            "kind",
            "definition_id",
            "state",
            "is_closed",
            "version",
            "title",
            "title_partner",
            "owner_org_id",
            "region_id",
            "partner_org_id",
            "partner_country",
            "planned_date",
            "parent_case_id",
            "fields",
            "created_by",
            "created_at",
            "updated_at",
            "state_entered_at",
            "audit_head",
        ),
    )
    rounds = rows.table(
        "review_rounds",
        ("id", "case_id", "state", "number", "documents", "outcome", "started_at", "closed_at"),
    )
    tasks = rows.table(
        "tasks",
        (
            "id",
            "case_id",
            "state",
            "round_id",
            "role",
            "org_id",
            "assignee_id",
            "status",
            "outcome",
            "due_on",
            "created_at",
            "closed_at",
            "closed_by",
            "acting_for",
        ),
    )
    audit = rows.table("audit_events", ("id", *HASHED_COLUMNS, "prev_hash", "hash"))
    reminders = rows.table(
        "reminders",
        (
            "id",
            "key",
            "case_id",
            "task_id",
            "kind",
            "due_at",
            "deadline_on",
            "role",
            "org_id",
            "user_id",
            "rule",
            "data",
            "status",
            "created_at",
            "fired_at",
        ),
    )
    states = {
        kind: (list(d.states), [STATE_WEIGHTS.get(s, 1) for s in d.states])
        for kind, d in definitions.items()
        if kind in ("regional_agreement", "twin_city_agreement")
    }
    # Case owners: the big region gets its share first; the inbox user's cases come first in it.
    owners: list[tuple[str, int, int]] = []  # (kind, owner org, region)
    for i in range(plan.agreements):
        region = big if i < plan.big_region_agreements else regions[1 + i % (len(regions) - 1)]
        if rng.random() < 0.7 or i < plan.inbox_tasks:
            owners.append(("regional_agreement", region, region))
        else:
            owners.append(("twin_city_agreement", rng.choice(municipalities[region]), region))
    audit_per_case = plan.audit_events / plan.agreements
    done_per_case = max(0.0, plan.tasks / plan.agreements - 0.55)  # ~0.55 open per case
    next_task = iter(range(1, 10**9))
    next_round = iter(range(1, 10**9))
    next_audit = iter(range(1, 10**9))
    next_reminder = iter(range(1, 10**9))
    inbox_left = plan.inbox_tasks
    base_day = dt.date(2026, 3, 2)

    def holder(role: str, org_id: int | None, kind_org: int) -> int:
        choices = holders.get((role, org_id if org_id is not None else kind_org)) or holders.get(
            (role, federal.get(role, -1))
        )
        return rng.choice(choices) if choices else named["region"]

    for index, (kind, owner, region) in enumerate(owners):
        case_id = index + 1
        definition = definitions[kind]
        if inbox_left > 0:
            state = "drafting"  # a task state assigned to its creator
            creator = named["inbox"]
            inbox_left -= 1
        else:
            names, weights = states[kind]
            state = rng.choices(names, weights)[0]
            creator = holder("initiator", owner, owner)
        spec = definition.states[state]
        partner_id, country, level = rng.choice(partners)
        if kind == "twin_city_agreement":
            level = "city"
        created = NOW - dt.timedelta(days=rng.randint(1, 2000), minutes=rng.randint(0, 1440))
        entered = created + (NOW - created) * rng.random()
        planned = base_day + dt.timedelta(days=rng.randint(-400, 400))
        n_audit = max(1, int(rng.expovariate(1 / audit_per_case))) if audit_per_case > 1 else 1
        title = f"Соглашение о сотрудничестве № {case_id}"
        fields = {
            "title": title,
            "partner": {
                "org_id": partner_id,
                "country": country,
                "level": level,
                "name_ru": f"Партнёр {partner_id}",
            },
            "subject_areas": rng.sample(AREAS, 2),
            "planned_signing_date": planned.isoformat(),
        }
        head = _hex(rng)
        cases.append(
            (
                case_id,
                kind,
                definition_ids[kind],
                state,
                spec.kind == "terminal",
                n_audit,
                title,
                None,
                owner,
                region,
                partner_id,
                country,
                planned,
                None,
                fields,
                creator,
                created,
                entered,
                entered,
                head,
            )
        )
        prev = None
        for seq in range(1, n_audit + 1):
            digest = head if seq == n_audit else _hex(rng)
            at = created + (entered - created) * (seq / n_audit)
            audit.append(
                (
                    next(next_audit),
                    case_id,
                    seq,
                    "created" if seq == 1 else "transition",
                    creator,
                    None,
                    None if seq == 1 else "advance",
                    None,
                    state,
                    None,
                    definition_ids[kind],
                    {},
                    at,
                    prev,
                    digest,
                )
            )
            prev = digest
        due = (entered + dt.timedelta(days=30)).date()
        open_specs: list[tuple[str, int | None, int | None, int | None]] = []
        if spec.kind == "task":
            role = spec.roles[0]
            org = _scope_org(definition, role, owner, region)
            assignee = creator if spec.assignee == "creator" else None
            open_specs.append((role, org, assignee, None))
        elif spec.kind == "review" and spec.review:
            round_id = next(next_round)
            rounds.append((round_id, case_id, state, 1, {}, None, entered, None))
            for role in spec.review.reviewers:
                open_specs.append(
                    (role, _scope_org(definition, role, owner, region), None, round_id)
                )
        # As the engine plans them: an escalation goes to the state's escalate_to role, else
        # to the supervisor of its first acting role, in that role's scope.
        escalate_to = spec.deadline.escalate_to if spec.deadline else None
        if escalate_to is None and spec.roles:
            escalate_to = definition.roles[spec.roles[0]].supervisor
        escalate_org = _scope_org(definition, escalate_to, owner, region) if escalate_to else None
        for role, org, assignee, round_id in open_specs:
            task_id = next(next_task)
            tasks.append(
                (
                    task_id,
                    case_id,
                    state,
                    round_id,
                    role,
                    org,
                    assignee,
                    "open",
                    None,
                    due,
                    entered,
                    None,
                    None,
                    None,
                )
            )
            reminders.append(
                (
                    next(next_reminder),
                    f"task:{task_id}:escalation:{due}",
                    case_id,
                    task_id,
                    "escalation",
                    dt.datetime.combine(due, dt.time(6), tzinfo=dt.UTC),
                    due,
                    escalate_to,
                    escalate_org,
                    None,
                    "generated",
                    {},
                    "pending",
                    entered,
                    None,
                )
            )
        n_done = int(done_per_case) + (1 if rng.random() < done_per_case % 1 else 0)
        for _ in range(n_done):
            closed = created + (entered - created) * rng.random()
            tasks.append(
                (
                    next(next_task),
                    case_id,
                    "drafting",
                    None,
                    "initiator",
                    owner,
                    creator,
                    "done",
                    "advance",
                    None,
                    created,
                    closed,
                    creator,
                    None,
                )
            )
    counts = {name: len(data) for name, data in rows.data.items()}
    return rows, {"counts": counts, "users": named, "big_region": BIG_REGION}


def _scope_org(definition, role: str, owner: int, region: int) -> int | None:
    scope = definition.roles[role].scope
    return owner if scope == "party" else region if scope == "region" else None


def generate(url: str, plan: Plan, *, verbose: bool = True) -> dict:
    """Fill the (empty) database at ``url``; returns counts, seconds and the named users' ids."""
    started = time.perf_counter()
    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW), sync=False)
    try:
        if not inspect(engine.bind).has_table("cases"):
            create_schema(url)
        ids = engine.sync_definitions()
        definitions = {key: engine.catalog.current(key).definition for key in ids}
    finally:
        engine.dispose()
    rows, summary = build(plan, ids, definitions)
    built = time.perf_counter()
    if make_url(url).get_backend_name() == "sqlite":
        write_sqlite(url, rows)
    else:
        write_postgres(url, rows)
    summary["seconds"] = {
        "build": round(built - started, 1),
        "write": round(time.perf_counter() - built, 1),
    }
    if verbose:
        counts = ", ".join(f"{n:,} {t}" for t, n in summary["counts"].items())
        print(f"generated {counts} in {time.perf_counter() - started:.0f} s")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", required=True, help="database URL (empty; schema made if missing)")
    parser.add_argument("--agreements", type=int, default=100_000)
    parser.add_argument("--audit-events", type=int, help="default: 10 per agreement")
    parser.add_argument("--tasks", type=int, help="default: 3 per agreement")
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--regions", type=int, default=90)
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    plan = Plan(
        agreements=args.agreements,
        audit_events=args.audit_events,
        tasks=args.tasks,
        users=args.users,
        regions=args.regions,
        password=args.password,
        seed=args.seed,
    )
    generate(args.url, plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
