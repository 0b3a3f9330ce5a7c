"""A world for the shipped definitions: organizations and one user per role and organization.

    world = build_domain_world(engine)
    world.actor("ta_ini")                     # Tatarstan's initiator
    world.acting(definition, "initiator", case)   # someone who holds the role for this case

Tatarstan (RU-TA: its own calendar, a 60-day municipal filing term) and Saint Petersburg
(RU-SPE: a 30-day term) have override files, Primorsky Krai (RU-PRI) has none; each has a
municipality with an initiator and a head. The federal bodies and foreign partners are those of
the demo dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from workflow.definitions.model import Definition
from workflow.engine import Engine
from workflow.persistence.models import Case, Organization, User, UserRole
from workflow.policy import Actor, role_in_scope

ORGS = [
    # code, kind, name, parent, country, level
    ("RU-TA", "region", "Республика Татарстан", None, None, None),
    ("RU-TA-KAZAN", "municipality", "Город Казань", "RU-TA", None, None),
    ("RU-SPE", "region", "Санкт-Петербург", None, None, None),
    ("RU-SPE-KRONSHTADT", "municipality", "Город Кронштадт", "RU-SPE", None, None),
    ("RU-PRI", "region", "Приморский край", None, None, None),
    ("RU-PRI-VLADIVOSTOK", "municipality", "Город Владивосток", "RU-PRI", None, None),
    ("MFA", "federal_body", "МИД России", None, None, None),
    ("MINEC", "federal_body", "Минэкономразвития России", None, None, None),
    ("MINCULT", "federal_body", "Минкультуры России", None, None, None),
    ("MINJUST", "federal_body", "Минюст России", None, None, None),
    ("GOV", "federal_body", "Аппарат Правительства РФ", None, None, None),
    ("RSTR", "federal_body", "Россотрудничество", None, None, None),
    ("CN-HLJ", "foreign_partner", "Провинция Хэйлунцзян", None, "CN", "province"),
    ("TR-ESK", "foreign_partner", "Город Эскишехир", None, "TR", "city"),
]

USERS = [
    # username, org, roles
    ("ta_ini", "RU-TA", ["initiator"]),
    ("ta_legal", "RU-TA", ["legal_office"]),
    ("ta_head", "RU-TA", ["head_of_region"]),
    ("ta_parl", "RU-TA", ["legislature"]),
    ("ta_reviewer", "RU-TA", ["regional_reviewer"]),
    ("ta_registrar", "RU-TA", ["regional_registrar"]),
    ("kazan_ini", "RU-TA-KAZAN", ["initiator"]),
    ("kazan_head", "RU-TA-KAZAN", ["head_of_municipality"]),
    ("spe_ini", "RU-SPE", ["initiator"]),
    ("spe_legal", "RU-SPE", ["legal_office"]),
    ("spe_head", "RU-SPE", ["head_of_region"]),
    ("kron_ini", "RU-SPE-KRONSHTADT", ["initiator"]),
    ("kron_head", "RU-SPE-KRONSHTADT", ["head_of_municipality"]),
    ("vlad_ini", "RU-PRI-VLADIVOSTOK", ["initiator"]),
    ("vlad_head", "RU-PRI-VLADIVOSTOK", ["head_of_municipality"]),
    ("mfa", "MFA", ["mfa_reviewer"]),
    ("minec", "MINEC", ["minec_reviewer"]),
    ("sector", "MINCULT", ["sectoral_reviewer"]),
    ("minjust", "MINJUST", ["minjust_registrar"]),
    ("gov", "GOV", ["government_office"]),
    ("coord", "RSTR", ["coordinator"]),
    ("admin", "RSTR", ["admin"]),
]


@dataclass
class DomainWorld:
    engine: Engine
    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    _actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = self.engine.actor(self.users[username])
        return self._actors[username]

    def org_id(self, code: str) -> int:
        return self.orgs[code]

    def user_id(self, username: str) -> int:
        return self.users[username]

    def acting(self, definition: Definition, roles, case_id: int) -> str:
        """A username holding one of ``roles`` in scope for the case (first in USERS order)."""
        with self.engine.uow(write=False) as uow:
            case = uow.session.scalar(select(Case).where(Case.id == case_id))
        for username, _org, _roles in USERS:
            principal = self.actor(username).me
            if any(role_in_scope(definition, role, principal, case) for role in roles):
                return username
        raise LookupError(f"nobody holds {roles} for case {case_id}")


def build_domain_world(engine: Engine) -> DomainWorld:
    world = DomainWorld(engine)
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        for code, kind, name, parent, country, level in ORGS:
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
        for username, org_code, roles in USERS:
            user = User(
                username=username,
                email=f"{username}@example.test",
                full_name=username,
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
