"""The demo dataset: organizations (a CSV file in the format of ``soglasie orgs import``) and one
demo user per role and organization.

Every demo user has the same password, ``DEMO_PASSWORD``, printed in the README under "Demo
logins". It exists only for the demo database; nothing else accepts it by default.
"""

from __future__ import annotations

from pathlib import Path

ORGANIZATIONS_CSV = Path(__file__).parent / "data" / "organizations.csv"
# Example per-region overrides that only the demo loads: they cite no regional act, so a real
# installation never applies them (``workflow.definitions.directory``).
DEMO_PARAMETERS = Path(__file__).parent / "data" / "parameters"

DEMO_PASSWORD = "soglasie-demo-2026"  # documented, demo-only

# People are fictional. username, organization code, roles, full name, position.

DEMO_USERS: list[tuple[str, str, tuple[str, ...], str, str]] = [
    # Republic of Tatarstan: the region's offices for its own agreements and for its
    # municipalities' agreements, and its legislature (the State Council).
    (
        "ta.initiator",
        "RU-TA",
        ("initiator",),
        "Гульнара Сафина",
        "Консультант, Управление международных связей",
    ),
    ("ta.legal", "RU-TA", ("legal_office",), "Ильдар Хайруллин", "Начальник правового управления"),
    ("ta.head", "RU-TA", ("head_of_region",), "Айрат Нуриев", "Руководитель Аппарата Раиса"),
    (
        "ta.parliament",
        "RU-TA",
        ("legislature",),
        "Лилия Мухаметова",
        "Комитет Госсовета по международным связям",
    ),
    (
        "ta.reviewer",
        "RU-TA",
        ("regional_reviewer",),
        "Руслан Абдуллин",
        "Отдел муниципальных связей",
    ),
    (
        "ta.registrar",
        "RU-TA",
        ("regional_registrar",),
        "Эльвира Закирова",
        "Отдел регистрации соглашений",
    ),
    ("kazan.initiator", "RU-TA-KAZAN", ("initiator",), "Марат Шакиров", "Комитет внешних связей"),
    ("kazan.head", "RU-TA-KAZAN", ("head_of_municipality",), "Рустем Валиев", "Мэр"),
    ("chelny.initiator", "RU-TA-CHELNY", ("initiator",), "Алсу Гарипова", "Отдел внешних связей"),
    ("chelny.head", "RU-TA-CHELNY", ("head_of_municipality",), "Тимур Сабиров", "Мэр"),
    # Saint Petersburg.
    ("spb.initiator", "RU-SPE", ("initiator",), "Анна Смирнова", "Комитет по внешним связям"),
    ("spb.legal", "RU-SPE", ("legal_office",), "Олег Петров", "Юридический комитет"),
    ("spb.head", "RU-SPE", ("head_of_region",), "Сергей Волков", "Вице-губернатор"),
    (
        "spb.reviewer",
        "RU-SPE",
        ("regional_reviewer", "regional_registrar"),
        "Мария Козлова",
        "Отдел муниципальных связей",
    ),
    (
        "kronshtadt.initiator",
        "RU-SPE-KRONSHTADT",
        ("initiator",),
        "Денис Орлов",
        "Местная администрация",
    ),
    ("kronshtadt.head", "RU-SPE-KRONSHTADT", ("head_of_municipality",), "Игорь Белов", "Глава МО"),
    # Primorsky Krai.
    (
        "pri.initiator",
        "RU-PRI",
        ("initiator",),
        "Елена Ким",
        "Департамент международного сотрудничества",
    ),
    ("pri.legal", "RU-PRI", ("legal_office",), "Андрей Ли", "Правовое управление"),
    ("pri.head", "RU-PRI", ("head_of_region",), "Виктор Пак", "Первый вице-губернатор"),
    (
        "pri.reviewer",
        "RU-PRI",
        ("regional_reviewer", "regional_registrar"),
        "Ольга Цой",
        "Отдел муниципальных связей",
    ),
    (
        "vladivostok.initiator",
        "RU-PRI-VLADIVOSTOK",
        ("initiator",),
        "Павел Ермаков",
        "Управление внешних связей",
    ),
    (
        "vladivostok.head",
        "RU-PRI-VLADIVOSTOK",
        ("head_of_municipality",),
        "Константин Юдин",
        "Глава города",
    ),
    # Kaliningrad and Astrakhan.
    (
        "kgd.initiator",
        "RU-KGD",
        ("initiator",),
        "Татьяна Новикова",
        "Агентство по международным связям",
    ),
    ("kgd.legal", "RU-KGD", ("legal_office",), "Роман Зуев", "Правовое управление"),
    ("kgd.head", "RU-KGD", ("head_of_region",), "Алексей Кравец", "Губернатор"),
    ("ast.initiator", "RU-AST", ("initiator",), "Динара Утегенова", "Служба внешних связей"),
    ("ast.legal", "RU-AST", ("legal_office",), "Игорь Баранов", "Правовое управление"),
    ("ast.head", "RU-AST", ("head_of_region",), "Геннадий Рябов", "Губернатор"),
    # Federal bodies and the coordinating agency.
    (
        "mfa.reviewer",
        "MFA",
        ("mfa_reviewer",),
        "Николай Соколов",
        "Департамент по связям с субъектами",
    ),
    (
        "minec.reviewer",
        "MINEC",
        ("minec_reviewer",),
        "Ирина Морозова",
        "Департамент внешнеэкономической деятельности",
    ),
    (
        "mincult.reviewer",
        "MINCULT",
        ("sectoral_reviewer",),
        "Светлана Лебедева",
        "Департамент международного сотрудничества",
    ),
    (
        "minjust.registrar",
        "MINJUST",
        ("minjust_registrar",),
        "Владимир Егоров",
        "Отдел регистрации соглашений субъектов",
    ),
    (
        "gov.office",
        "GOV",
        ("government_office",),
        "Александр Фролов",
        "Департамент внешнеэкономической деятельности",
    ),
    (
        "rstr.coordinator",
        "RSTR",
        ("coordinator",),
        "Евгения Белова",
        "Управление по работе с регионами",
    ),
    ("admin", "RSTR", ("admin",), "Администратор системы", "Администратор"),
]
