"""A small world of organizations and people for integration tests.

    world = build_world(engine)
    world.actor("ini")          # an Actor for the regional initiator
    world.user_id("mfa")

Organizations: region RU-TST (calendar RU-TST), its municipality RU-TST-CITY, region RU-OTH,
federal bodies MFA, MINEC, MINJUST, SECTOR and the coordinating agency RSTR, and a foreign
partner CN-HLJ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflow.engine import Engine
from workflow.persistence.models import Organization, User, UserRole
from workflow.policy import Actor

ORGS = [
    # code, kind, name, parent, country, level
    ("RU-TST", "region", "Тестовая область", None, None, None),
    ("RU-TST-CITY", "municipality", "Город Тестовск", "RU-TST", None, None),
    ("RU-OTH", "region", "Другая область", None, None, None),
    ("MFA", "federal_body", "МИД России", None, None, None),
    ("MINEC", "federal_body", "Минэкономразвития России", None, None, None),
    ("SECTOR", "federal_body", "Минпросвещения России", None, None, None),
    ("MINJUST", "federal_body", "Минюст России", None, None, None),
    ("RSTR", "federal_body", "Россотрудничество", None, None, None),
    ("CN-HLJ", "foreign_partner", "Провинция Хэйлунцзян", None, "CN", "province"),
]

USERS = [
    # username, org, roles
    ("ini", "RU-TST", ["initiator"]),
    ("ini2", "RU-TST", ["initiator"]),
    ("head", "RU-TST", ["head"]),
    ("other", "RU-OTH", ["initiator"]),
    ("mfa", "MFA", ["mfa"]),
    ("mfa2", "MFA", ["mfa"]),
    ("minec", "MINEC", ["minec"]),
    ("minec_clerk", "MINEC", []),  # holds no role of her own: acts only as a substitute
    ("sector", "SECTOR", ["sector"]),
    ("coord", "RSTR", ["coordinator"]),
    ("admin", "RSTR", ["admin"]),
]


@dataclass
class World:
    engine: Engine
    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def actor(self, username: str) -> Actor:
        return self.engine.actor(self.users[username])

    def user_id(self, username: str) -> int:
        return self.users[username]

    def org_id(self, code: str) -> int:
        return self.orgs[code]


def build_world(engine: Engine, orgs=ORGS, users=USERS) -> World:
    world = World(engine)
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        for code, kind, name, parent, country, level in orgs:
            org = Organization(
                code=code,
                kind=kind,
                name_ru=name,
                country=country,
                level=level,
                parent_id=world.orgs.get(parent),
                calendar_code=code if kind == "region" else None,
            )
            session.add(org)
            session.flush()
            world.orgs[code] = org.id
        for username, org_code, roles in users:
            user = User(
                username=username,
                email=f"{username}@example.test",
                full_name=username.title(),
                org_id=world.orgs[org_code],
                created_at=now,
                language="ru",
            )
            user.roles = [UserRole(role=r) for r in roles]
            session.add(user)
            session.flush()
            world.users[username] = user.id
        uow.commit()
    return world
