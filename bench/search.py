"""Benchmark 8: full-text search at scale (issue 12), and what indexing costs per uploaded version.

Target: ``search`` (``workflow.queries.search``: the statement *and* the snippets, as the page
and the API call it) p95 ≤ 100 ms at 100,000 agreements and 200,000 document versions, on both
backends; the plan of the slowest query class on PostgreSQL (EXPLAIN (ANALYZE, BUFFERS)) goes to
``bench/results/search-plan-<agreements>.txt``.

The dataset (``--quick``: 2,000 agreements, 4,000 versions), exactly:

- the agreements, people and organizations of ``bench.generate`` (its ``Plan``, seed 1), with
  one audit event per case and only the open tasks (search reads neither), and varied titles
  (``Соглашение о научно-техническом сотрудничестве между Регионом 7 и городом Харбином``)
  instead of the generator's numbered one;
- two versions of the Russian text per agreement (200,000 ``document_versions``): a draft and
  a revision that replaces about a tenth of its sentences. Each has 1,500–3,000 words (three to
  six pages), sentences made from a vocabulary of about 600 real Russian words (nouns of six
  declensions, adjectives, verbs, in every case and number, drawn by a Zipf law), fixed
  legal collocations (``научно-технического сотрудничества``), Russian and foreign cities
  in several cases (``Харбин``, ``Харбине``, ``Казани``: each city in 2–4 % of the texts) and,
  in 2 % of the texts, one word of a rare domain (``виноделие``: each in ~30 texts);
- the search index as the engine would have it: per agreement its title, its partner's names
  and the latest version of its text (300,000 ``search_entries``, 100,000 of them documents).
  SQLite's ``stems`` are ``workflow.search.text.lexemes`` of the text (computed per sentence
  and joined, which is the same: checked on every run on a sample of whole texts), so FTS5
  holds the real lexemes; PostgreSQL computes ``body_tsv`` itself (generated column), and the
  GIN index is built after the load.

Rows go in with ``COPY`` (PostgreSQL) or ``executemany`` in one transaction (SQLite, FTS5 kept by
its triggers), streamed: the texts are never all in memory.

Queries, each as a coordinator (sees every agreement), as an initiator of the big region
``RU-R01`` (5 % of the agreements) and of an ordinary one (``RU-R02``, ~1 %): rare words (~40
entries), place names (1–2 % of the entries), words of the vocabulary's tail (still in most
texts: the Zipf law over 600 words leaves no word of middling frequency), common words, other
forms of common words (``соглашения``), two words, a quoted phrase, an OR and an exclusion; the
first page (20 hits) and, for common words, the second. p50/p95 per class and overall, the
part spent in SQL, and each query's number of matching entries (its selectivity).

Indexing cost per uploaded version, on a small database of its own: ``Engine.add_document`` of a
text of the same kind (the whole upload: the version row, the audit event, the index entry, the
commit) and ``index_document`` alone, per version, and the share of the one in the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy.engine import make_url

from bench.bulk import _sqlite_value, write_postgres, write_sqlite
from bench.core import Figure, Options, log, median, percentile, timed
from bench.databases import libpq_url, scratch_database
from bench.generate import NOW, Plan, build
from bench.pages import SqlMeter, results_dir
from bench.world import actors, bench_clock, build_world
from workflow.clock import FixedClock
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.queries.search import search
from workflow.search.index import index_document, partner_names
from workflow.search.text import lexemes

NAME = "search"
TARGET_MS = 100.0
PAGE = 20  # web.pages.search.PER_PAGE
SEED = 12

# --- a Russian vocabulary, inflected -----------------------------------------------------------

# Nouns by their ending: -ие, -о, -ь (feminine), -ия, -а, a consonant (masculine). Cases:
# nominative, genitive, dative, accusative (inanimate), instrumental, prepositional.
_NOUN = {
    "ие": (("ие", "ия", "ию", "ие", "ием", "ии"), ("ия", "ий", "иям", "ия", "иями", "иях"), "n"),
    "о": (("о", "а", "у", "о", "ом", "е"), ("а", "", "ам", "а", "ами", "ах"), "n"),
    "ь": (("ь", "и", "и", "ь", "ью", "и"), ("и", "ей", "ям", "и", "ями", "ях"), "f"),
    "ия": (("ия", "ии", "ии", "ию", "ией", "ии"), ("ии", "ий", "иям", "ии", "иями", "иях"), "f"),
    "а": (("а", "ы", "е", "у", "ой", "е"), ("ы", "", "ам", "ы", "ами", "ах"), "f"),
    "": (("", "а", "у", "", "ом", "е"), ("ы", "ов", "ам", "ы", "ами", "ах"), "m"),
}
NOM, GEN, DAT, ACC, INS, PREP = range(6)


def _words(text: str) -> list[str]:
    return text.split()


NOUNS = _words("""
соглашение сотрудничество развитие взаимодействие образование исследование предприятие
учреждение мероприятие направление решение положение изменение исполнение выполнение
обеспечение участие планирование финансирование строительство производство здравоохранение
соблюдение уведомление согласование представительство государство общество партнерство
законодательство предложение управление объединение продвижение обучение
право место дело средство министерство ведомство качество количество
связь область отрасль деятельность возможность ответственность собственность безопасность
информация организация делегация программа система сфера форма структура культура
экономика политика наука техника медицина группа работа норма платформа инициатива
экспертиза школа база зона палата процедура энергетика логистика статистика продукция
территория стратегия гарантия технология экология индустрия комиссия конференция выставка
договор проект закон обмен контакт вопрос документ фонд университет институт центр товар
экспорт импорт инвестор партнер форум семинар конгресс транспорт комитет совет отдел регион
муниципалитет протокол меморандум план результат объект субъект аспект принцип механизм
инструмент маршрут грант стандарт сертификат патент кластер технопарк бюджет доклад отчет
срок диалог туризм спорт опыт визит специалист эксперт студент союз орган период завод
комбинат порт аэропорт терминал склад банк кредит налог тариф контракт заказ поставщик
театр концерт фильм архив журнал перевод язык учебник курс класс факультет семестр диплом
конкурс турнир чемпионат
""")
NOUNS.remove("выставка")  # выставок: the genitive plural drops a vowel
# Adjectives: -ый, and -кий/-гий (их, ими).
ADJECTIVES = _words("""
международный региональный муниципальный федеральный культурный научный образовательный
экономический технический торговый промышленный инвестиционный совместный взаимный
долгосрочный современный инновационный экологический туристический спортивный
медицинский сельскохозяйственный транспортный энергетический информационный
государственный общественный частный гуманитарный дружественный побратимский
приграничный российский китайский университетский финансовый налоговый таможенный
логистический производственный научно-технический торгово-экономический
социально-экономический культурно-гуманитарный новый основной дополнительный
необходимый соответствующий ежегодный совместный открытый равноправный
""")
ADJECTIVES = [a for a in dict.fromkeys(ADJECTIVES) if a != "соответствующий"]
VERBS = _words("""
развивать осуществлять обеспечивать поддерживать укреплять расширять рассматривать
принимать организовывать определять предоставлять направлять согласовывать представлять
выполнять изучать поощрять реализовывать привлекать включать уведомлять устанавливать
оказывать учитывать соблюдать исполнять содействовать участвовать стимулировать
информировать финансировать координировать планировать формировать регулировать
гарантировать использовать действовать публиковать укрепить установить определить
утвердить направить заключить обеспечить продлить изменить прекратить представить
одобрить поручить
""")
# In 2 % of the texts, one of these (each then in ~30 texts at full scale): the rare words.
RARE = _words("""
рыболовство судостроение виноделие пчеловодство коневодство птицеводство овцеводство
оленеводство лесовосстановление мелиорация аквакультура гидрометеорология сейсмология
вулканология палеонтология нефтехимия фармакология биотехнология нанотехнология
робототехника микроэлектроника картография геодезия археология реставрация хореография
каллиграфия иммунология кардиология офтальмология стоматология педиатрия ветеринария
агрохимия дендрология ихтиология орнитология энтомология криминалистика нумизматика
филателия ледокол тепловоз электровоз вертолет телескоп синхротрон токамак
""")
# Cities: declined by their ending like the nouns; a trailing "=" marks an indeclinable one.
FOREIGN_CITIES = _words("""
Харбин Пекин Берлин Минск Ташкент Ереван Белград Стамбул Тегеран Мадрид Лондон Милан
Гамбург Мюнхен Алматы= Бишкек Душанбе= Баку= Улан-Батор Гуанчжоу= Циндао= Нанкин Шэньян
Абу-Даби= Дели= Анкара Измир Вена Прага Будапешт Варшава Рим Лион Тбилиси= Астана Самарканд
Бухара Брест Гродно= Витебск Могилев Сеул Пусан Токио= Осака=
""")
RUSSIAN_CITIES = _words("""
Казань Рязань Тюмень Пермь Новосибирск Омск Томск Иркутск Хабаровск Владивосток Екатеринбург
Оренбург Калининград Волгоград Благовещенск Красноярск Мурманск Архангельск Смоленск Курск
Брянск Москва Уфа Тула Самара Чита Вологда Кострома Якутск Петрозаводск
""")
COLLOCATIONS = (
    "в соответствии с законодательством Российской Федерации",
    "на основе равноправия и взаимной выгоды",
    "в рамках научно-технического сотрудничества",
    "в целях развития торгово-экономических связей",
    "в области образования и науки",
    "с учетом интересов Сторон",
    "в порядке, установленном законодательством государств Сторон",
    "в пределах своей компетенции",
    "на территории государства пребывания",
)
TITLE_AREAS = (
    "торгово-экономическом",
    "научно-техническом",
    "культурном",
    "гуманитарном",
    "образовательном",
    "межрегиональном",
    "туристическом",
    "инвестиционном",
)
_VELAR = "гкх"
_SIBILANT = "жшчщ"


def declension(word: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """(singular forms, plural forms, gender) of a noun or a city."""
    if word.endswith("="):
        word = word[:-1]
        return (word,) * 6, (word,) * 6, "m"
    ending = (
        next(e for e in ("ие", "ия", "ь", "о", "а") if word.endswith(e))
        if (word.endswith(("ие", "ия", "ь", "о", "а")))
        else ""
    )
    singular, plural, gender = _NOUN[ending]
    stem = word[: len(word) - len(ending)] if ending else word
    velar = stem[-1] in _VELAR

    def form(e: str) -> str:
        return stem + ("и" if velar and e == "ы" else e)

    return tuple(map(form, singular)), tuple(map(form, plural)), gender


def adjective(word: str, gender: str, plural: bool, case: int) -> str:
    stem, velar = word[:-2], word[-3] in _VELAR
    y = "и" if velar else "ы"
    table = {
        "m": (f"{y}й", "ого", "ому", f"{y}й", f"{y}м", "ом"),
        "n": ("ое", "ого", "ому", "ое", f"{y}м", "ом"),
        "f": ("ая", "ой", "ой", "ую", "ой", "ой"),
        "pl": (f"{y}е", f"{y}х", f"{y}м", f"{y}е", f"{y}ми", f"{y}х"),
    }
    return stem + table["pl" if plural else gender][case]


def conjugation(verb: str) -> tuple[str, ...]:
    """(3rd singular, 3rd plural, infinitive, past m/f/n/plural)."""
    if verb.endswith("овать"):
        b = verb[:-5]
        return b + "ует", b + "уют", verb, b + "овал", b + "овала", b + "овало", b + "овали"
    if verb.endswith("ить"):
        b = verb[:-3]
        third = b + ("ат" if b[-1] in _SIBILANT else "ят")
        return (b + "ит", third, verb, *(b + e for e in ("ил", "ила", "ило", "или")))
    b = verb[:-2]
    return (b + "ет", b + "ют", verb, *(b + e for e in ("л", "ла", "ло", "ли")))


def _zipf(rng: random.Random, words: list[str]) -> tuple[list[str], list[float]]:
    order = list(words)
    rng.shuffle(order)
    return order, [1.0 / (rank + 2) for rank in range(len(order))]


class Writer:
    """Sentences of agreement-like Russian, from a seeded ``random.Random``."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.nouns = {n: declension(n) for n in NOUNS}
        self.noun_order, self.noun_weights = _zipf(rng, NOUNS)
        self.adj_order, self.adj_weights = _zipf(rng, ADJECTIVES)
        self.verb_order, self.verb_weights = _zipf(rng, VERBS)
        self.verbs = {v: conjugation(v) for v in VERBS}
        self.cities = {c.rstrip("="): declension(c) for c in FOREIGN_CITIES + RUSSIAN_CITIES}
        self.rare = {r: declension(r) for r in RARE}

    def noun(self, case: int, plural: bool | None = None, adjective_p: float = 0.6) -> str:
        rng = self.rng
        word = rng.choices(self.noun_order, self.noun_weights)[0]
        singular, plurals, gender = self.nouns[word]
        plural = rng.random() < 0.3 if plural is None else plural
        out = []
        if rng.random() < adjective_p:
            adj = rng.choices(self.adj_order, self.adj_weights)[0]
            out.append(adjective(adj, gender, plural, case))
        out.append((plurals if plural else singular)[case])
        if rng.random() < 0.35:
            out.append(self.noun(GEN, adjective_p=0.4 if adjective_p else 0.0))
        return " ".join(out)

    def verb(self, form: int) -> str:
        return self.verbs[self.rng.choices(self.verb_order, self.verb_weights)[0]][form]

    def adverbial(self) -> str:
        rng = self.rng
        pick = rng.randrange(11)
        if pick == 0:
            return rng.choice(COLLOCATIONS)
        preposition, case = (
            ("в", PREP),
            ("в области", GEN),
            ("в сфере", GEN),
            ("на основе", GEN),
            ("с", INS),
            ("по", DAT),
            ("для", GEN),
            ("о", PREP),
            ("при", PREP),
            ("между", INS),
            ("в целях", GEN),
        )[pick]
        return f"{preposition} {self.noun(case)}"

    def sentence(self) -> str:
        rng = self.rng
        kind = rng.randrange(8)
        if kind == 0:
            text = f"Стороны {self.verb(1)} {self.noun(ACC)} {self.adverbial()}"
        elif kind == 1:
            text = f"{self.noun(NOM, plural=False)} {self.verb(0)} {self.noun(ACC)}"
            text += f" {self.adverbial()}"
        elif kind == 2:
            text = f"В целях {self.noun(GEN)} Стороны {self.verb(1)} {self.noun(ACC)}"
        elif kind == 3:
            text = f"{rng.choice(COLLOCATIONS)}, Стороны {self.verb(1)} {self.noun(ACC)}"
        elif kind == 4:
            text = f"{self.noun(NOM, plural=True)} {self.verb(6)} {self.noun(ACC)}"
            text += f" {self.adverbial()} и {self.adverbial()}"
        elif kind == 5:
            text = f"Каждая из Сторон {self.verb(0)} {self.noun(DAT)} и {self.noun(ACC)}"
        elif kind == 6:
            text = f"Статья {rng.randint(1, 30)}. {self.noun(NOM)}"
        else:
            text = f"Стороны {self.verb(1)} {self.noun(ACC)}, {self.adverbial()}"
            text += f", а также {self.noun(ACC)} {self.adverbial()}"
        return text[0].upper() + text[1:] + "."

    def city(self, name: str, case: int) -> str:
        return self.cities[name][0][case]

    def local(self, city: str, home: str) -> str:
        """A sentence about the partner's city ``city`` or the Russian ``home`` city."""
        rng = self.rng
        kind = rng.randrange(5)
        if kind == 0:
            return f"Стороны {self.verb(1)} {self.noun(ACC)} в {self.city(city, PREP)}."
        if kind == 1:
            return (
                f"Делегация {self.city(city, GEN)} {self.verb(0)} {self.noun(ACC)} "
                f"в {self.city(home, PREP)}."
            )
        if kind == 2:
            return (
                f"Обмен между {self.city(home, INS)} и {self.city(city, INS)} "
                f"{self.verb(0)} {self.noun(ACC)}."
            )
        if kind == 3:
            return (
                f"{self.city(city, NOM)} и {self.city(home, NOM)} {self.verb(1)} {self.noun(ACC)}."
            )
        return f"Представительство в {self.city(city, PREP)} {self.verb(0)} {self.noun(ACC)}."

    def rare_sentence(self, word: str) -> str:
        singular, _plural, _gender = self.rare[word]
        case = self.rng.choice((GEN, INS, PREP, NOM))
        if case == NOM:
            return f"{singular[NOM].capitalize()} {self.verb(0)} {self.noun(ACC)}."
        if case == INS:
            return f"Стороны {self.verb(1)} сотрудничество с {singular[INS]}."
        if case == PREP:
            return f"Стороны {self.verb(1)} опыт в {singular[PREP]}."
        return f"Стороны {self.verb(1)} {self.noun(ACC)} в области {singular[GEN]}."


@dataclass
class Sentence:
    text: str
    stems: str  # " ".join(lexemes(text))


def _sentence(text: str) -> Sentence:
    return Sentence(text, " ".join(lexemes(text)))


@dataclass
class Corpus:
    """A pool of sentences and the per-agreement parts of its texts."""

    writer: Writer
    pool: list[Sentence]
    words: tuple[int, int] = (1_500, 3_000)

    @classmethod
    def make(cls, pool_size: int, seed: int = SEED) -> Corpus:
        writer = Writer(random.Random(seed))
        pool = [_sentence(writer.sentence()) for _ in range(pool_size)]
        return cls(writer, pool)

    def title(self, rng: random.Random, region: int, city: str) -> str:
        area = rng.choice(TITLE_AREAS)
        kind = rng.randrange(3)
        if kind == 0:
            return (
                f"Соглашение о {area} сотрудничестве между Регионом {region} "
                f"и городом {self.writer.city(city, INS)}"
            )
        if kind == 1:
            return f"Соглашение об установлении побратимских связей с {self.writer.city(city, INS)}"
        return f"Меморандум о {area} сотрудничестве с {self.writer.city(city, INS)}"

    def texts(self, rng: random.Random, title: str, city: str, home: str) -> tuple[str, str, str]:
        """(version 1, version 2, the lexemes of version 2)."""
        writer = self.writer
        writer.rng = rng
        target = rng.randint(*self.words)
        body: list[Sentence] = []
        words = 0
        while words < target:
            sentence = rng.choice(self.pool)
            body.append(sentence)
            words += sentence.text.count(" ") + 1
        specific = [_sentence(f"{title}. г. {writer.city(home, NOM)}.")]
        specific += [_sentence(writer.local(city, home)) for _ in range(rng.randint(3, 6))]
        if rng.random() < 0.02:
            rare = rng.choice(RARE)
            specific += [_sentence(writer.rare_sentence(rare)) for _ in range(rng.randint(1, 3))]
        for sentence in specific[1:]:
            body.insert(rng.randrange(len(body) + 1), sentence)
        body.insert(0, specific[0])
        first = " ".join(s.text for s in body)
        for _ in range(len(body) // 10):  # the revision
            body[rng.randrange(1, len(body))] = rng.choice(self.pool)
        second = " ".join(s.text for s in body)
        return first, second, " ".join(s.stems for s in body if s.stems)


# --- the dataset --------------------------------------------------------------------------------


@dataclass
class Data:
    backend: str
    url: str
    agreements: int
    versions: int
    entries: int
    users: dict[str, int]  # viewer label -> user id
    seconds: dict[str, float]


def _doc_row(doc_id, case_id, number, text, creator, created):
    data = text.encode("utf-8")
    return (
        doc_id,
        case_id,
        "ru",
        number,
        f"soglashenie-{case_id}-v{number}.txt",
        text,
        hashlib.sha256(data).hexdigest(),
        None,
        creator,
        created,
        None,
        "text/plain",
        len(data),
        None,
        True,
    )


DOC_COLUMNS = (
    "id",
    "case_id",
    "language",
    "number",
    "filename",
    "text",
    "sha256",
    "note",
    "created_by",
    "created_at",
    "blob_sha256",
    "media_type",
    "byte_size",
    "pages",
    "has_text",
)
ENTRY_COLUMNS = (
    "id",
    "case_id",
    "source",
    "source_key",
    "language",
    "number",
    "author_id",
    "at",
    "body",
    "stems",
)


def _rows(rows, corpus: Corpus, sqlite: bool, checks: int) -> Iterator[tuple[str, tuple]]:
    """("document_versions" | "search_entries", row) for every agreement, streamed; retitles
    the cases in ``rows`` (before they are written)."""
    cases = rows.data["cases"]
    names = {
        o[0]: SimpleNamespace(name_ru=o[3], name_en=o[4], name_native=None)
        for o in rows.data["organizations"]
    }
    region_number = {o[0]: int(o[1][4:]) for o in rows.data["organizations"] if o[2] == "region"}
    rng = random.Random(SEED)
    plan = []
    for index, case in enumerate(cases):
        city = rng.choice(FOREIGN_CITIES).rstrip("=")
        home = rng.choice(RUSSIAN_CITIES)
        title = corpus.title(rng, region_number[case[9]], city)
        fields = dict(case[14], title=title)
        cases[index] = (*case[:6], title, *case[7:14], fields, *case[15:])
        plan.append((city, home))
    yield "ready", ()
    doc_id = entry_id = 0
    for case, (city, home) in zip(cases, plan, strict=True):
        case_id, title, fields, creator, created = case[0], case[6], case[14], case[15], case[16]
        first, second, stems = corpus.texts(rng, title, city, home)
        if checks > 0 and case_id % 97 == 0:
            checks -= 1
            assert stems == " ".join(lexemes(second)), f"stems of case {case_id} differ"
        for number, text in ((1, first), (2, second)):
            doc_id += 1
            at = created + dt.timedelta(days=number)
            yield "document_versions", _doc_row(doc_id, case_id, number, text, creator, at)
        partner = partner_names(fields, names.get(case[10]))
        for source, key, body, language, number, body_stems in (
            ("title", "main", title, None, None, None),
            ("partner", "", partner, None, None, None),
            ("document", "ru", second, "ru", 2, stems),
        ):
            entry_id += 1
            if sqlite and body_stems is None:
                body_stems = " ".join(lexemes(body))
            row = (entry_id, case_id, source, key, language, number, None, None, body)
            yield "search_entries", (*row, body_stems if sqlite else None)


def _write_sqlite_stream(url: str, stream) -> dict[str, int]:
    conn = sqlite3.connect(make_url(url).database, isolation_level=None)
    counts = {"document_versions": 0, "search_entries": 0}
    sql = {
        table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        f"({', '.join('?' for _ in columns)})"
        for table, columns in (
            ("document_versions", DOC_COLUMNS),
            ("search_entries", ENTRY_COLUMNS),
        )
    }
    try:
        # A scratch file: no journal (one transaction of ~10 GB in a WAL slows to a crawl as
        # the WAL outgrows the cache), a 1 GB page cache; back to WAL for the measurements.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("BEGIN")
        batch: dict[str, list] = {"document_versions": [], "search_entries": []}
        for table, row in stream:
            batch[table].append(tuple(map(_sqlite_value, row)))
            counts[table] += 1
            if len(batch[table]) >= 2_000:
                conn.executemany(sql[table], batch[table])
                batch[table] = []
        for table, rows in batch.items():
            conn.executemany(sql[table], rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return counts


def _write_postgres_stream(url: str, stream) -> tuple[dict[str, int], float]:
    """COPY both tables at once (two connections); the GIN index is built afterwards.
    Returns the counts and the seconds the index build took."""
    import psycopg

    from workflow.persistence.search import POSTGRESQL_DDL

    counts = {"document_versions": 0, "search_entries": 0}
    with (
        psycopg.connect(libpq_url(url)) as docs,
        psycopg.connect(libpq_url(url)) as entries,
    ):
        entries.execute("DROP INDEX ix_search_entries_body_tsv")
        copies = {
            "document_versions": docs.cursor().copy(
                f"COPY document_versions ({', '.join(DOC_COLUMNS)}) FROM STDIN"
            ),
            "search_entries": entries.cursor().copy(
                f"COPY search_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"
            ),
        }
        with copies["document_versions"] as doc_copy, copies["search_entries"] as entry_copy:
            writers = {"document_versions": doc_copy, "search_entries": entry_copy}
            for table, row in stream:
                writers[table].write_row(row)
                counts[table] += 1
        for conn, table in ((docs, "document_versions"), (entries, "search_entries")):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
            conn.commit()
        t0 = time.perf_counter()
        entries.execute("SET maintenance_work_mem = '512MB'")
        entries.execute(POSTGRESQL_DDL[1])
        entries.commit()
        gin = time.perf_counter() - t0
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE document_versions")
        conn.execute("VACUUM ANALYZE search_entries")
    return counts, gin


def build_dataset(options: Options, backend: str, agreements: int) -> Data:
    url = options.stack.enter_context(
        scratch_database(backend, options.postgres_url, f"search{agreements}", schema=True)
    )
    started = time.perf_counter()
    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW), sync=False)
    try:
        ids = engine.sync_definitions()
        definitions = {key: engine.catalog.current(key).definition for key in ids}
    finally:
        engine.dispose()
    plan = Plan(agreements=agreements, audit_events=agreements, tasks=agreements * 55 // 100)
    rows, summary = build(plan, ids, definitions)
    corpus = Corpus.make(options.pick(30_000, 3_000))
    stream = _rows(rows, corpus, backend == "sqlite", checks=options.pick(20, 5))
    next(stream)  # the titles are in place
    pool = time.perf_counter()
    if backend == "sqlite":
        write_sqlite(url, rows)
    else:
        write_postgres(url, rows)
    base = time.perf_counter()
    gin = 0.0
    if backend == "sqlite":
        counts = _write_sqlite_stream(url, stream)
    else:
        counts, gin = _write_postgres_stream(url, stream)
    done = time.perf_counter()
    users = _viewers(rows, summary)
    seconds = {
        "cases etc.": base - pool,
        "texts and index": done - base - gin,
        "GIN build": gin,
        "total": done - started,
    }
    log(
        options,
        f"{backend}: {agreements:,} agreements, {counts['document_versions']:,} versions, "
        f"{counts['search_entries']:,} entries in {done - started:.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items() if k != 'total')})",
    )
    return Data(
        backend,
        url,
        agreements,
        counts["document_versions"],
        counts["search_entries"],
        users,
        seconds,
    )


def _viewers(rows, summary: dict) -> dict[str, int]:
    """The user ids of the viewers: a coordinator, the initiators of RU-R01 and RU-R02."""
    org = {o[1]: o[0] for o in rows.data["organizations"]}
    roles: dict[int, set[str]] = {}
    for _id, user_id, role in rows.data["user_roles"]:
        roles.setdefault(user_id, set()).add(role)

    def first(role: str, code: str) -> int:
        return next(u[0] for u in rows.data["users"] if u[5] == org[code] and role in roles[u[0]])

    return {
        "coordinator": first("coordinator", "RSTR"),
        "initiator RU-R01": summary["users"]["region"],
        "initiator RU-R02": first("initiator", "RU-R02"),
    }


# --- the queries --------------------------------------------------------------------------------

QUERIES = (
    # class, queries
    ("rare word", ("виноделие", "рыболовства", "вулканологией")),
    ("place name", ("Харбин", "Казани", "Ташкенте")),
    ("word in most texts", ("патент", "чемпионата", "таможенный")),
    ("common word", ("соглашение", "сотрудничество", "стороны")),
    ("other word form", ("соглашения", "сотрудничеству", "развивают")),
    ("two words", ("сотрудничество Харбин", "виноделие развитие", "патент терминал")),
    (
        "phrase",
        (
            '"научно-технического сотрудничества"',
            '"торгово-экономических связей"',
            '"взаимной выгоды"',
        ),
    ),
    ("or", ("Харбин or Казань", "виноделие or пчеловодство", "патент or терминал")),
    ("exclusion", ("соглашение -Харбин", "сотрудничество -культура", "Казань -Харбин")),
    ("common word, page 2", ("соглашение", "сотрудничество", "стороны")),
)
VIEWERS = ("coordinator", "initiator RU-R01", "initiator RU-R02")


@dataclass
class Timing:
    total_ms: list[float]
    sql_ms: list[float]
    hits: int


def _matches(data: Data, q: str) -> int:
    """How many entries ``q`` matches for a viewer who sees everything (the selectivity)."""
    from sqlalchemy import func, select

    from workflow.persistence.search import SearchEntry
    from workflow.queries.search import _match_and_rank
    from workflow.search.query import parse

    engine = Engine.create(data.url, load_verified(None), clock=FixedClock(NOW), sync=False)
    try:
        with engine.uow(write=False) as uow:
            query = parse(q)
            extra, match, _rank = _match_and_rank(uow.session, query)
            entries = SearchEntry.__table__
            statement = select(func.count())
            if extra is not None:
                statement = statement.select_from(extra).join(
                    entries, entries.c.id == extra.c.rowid
                )
            else:
                statement = statement.select_from(entries)
            return uow.session.scalar(statement.where(match))
    finally:
        engine.dispose()


def measure_queries(options: Options, data: Data, repetitions: int):
    engine = Engine.create(data.url, load_verified(None), clock=FixedClock(NOW), sync=False)
    meter = SqlMeter()
    meter.install(engine.bind)
    timings: dict[tuple[str, str, str], Timing] = {}
    try:
        viewers = {label: engine.actor(user_id) for label, user_id in data.users.items()}
        for label, queries in QUERIES:
            for q in queries:
                for viewer in VIEWERS:
                    actor = viewers[viewer]
                    after = None
                    if label.endswith("page 2"):
                        with engine.uow(write=False) as uow:
                            after = search(uow.session, actor, q, PAGE).next_after

                    def once(actor=actor, q=q, after=after):
                        with engine.uow(write=False) as uow:
                            return search(uow.session, actor, q, PAGE, after)

                    once()  # warm-up
                    total, sql = [], []
                    for _ in range(repetitions):
                        meter.reset()
                        seconds, page = timed(once)
                        total.append(seconds * 1000)
                        sql.append(meter.seconds * 1000)
                    timings[(label, q, viewer)] = Timing(total, sql, len(page.hits))
    finally:
        engine.dispose()
    return timings


def explain(data: Data, label: str, q: str, viewer: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement ``search`` runs for ``q`` (PostgreSQL)."""
    import psycopg

    engine = Engine.create(data.url, load_verified(None), clock=FixedClock(NOW), sync=False)
    meter = SqlMeter()
    meter.install(engine.bind)
    try:
        actor = engine.actor(data.users[viewer])
        after = None
        with engine.uow(write=False) as uow:
            if label.endswith("page 2"):
                after = search(uow.session, actor, q, PAGE).next_after
            meter.capture = True
            search(uow.session, actor, q, PAGE, after)
            meter.capture = False
    finally:
        engine.dispose()
    out = [f"### {label}: {q!r} as {viewer}"]
    with psycopg.connect(libpq_url(data.url)) as conn:
        for statement, parameters in meter.captured:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).fetchall()
            out.append(statement.strip())
            out.append(f"-- parameters: {parameters}")
            out.extend("    " + row[0] for row in plan)
            out.append("")
        conn.rollback()
    return "\n".join(out)


# --- indexing cost per uploaded version ---------------------------------------------------------


def measure_indexing(options: Options, backend: str, corpus: Corpus, versions: int):
    """(upload ms per version, index_document ms per version, of which lexemes ms) medians."""
    url = options.stack.enter_context(
        scratch_database(backend, options.postgres_url, "searchindex", schema=True)
    )
    engine = Engine.create(url, load_verified(None), clock=bench_clock())
    rng = random.Random(SEED + 1)
    try:
        people = actors(engine, build_world(engine))
        ini = people["ini"]
        cases = []
        for _ in range(10):
            case_id = engine.create_case(
                ini,
                "regional_agreement",
                fields={
                    "title": "Соглашение о сотрудничестве",
                    "partner": {"country": "CN", "level": "province", "name_ru": "Хэйлунцзян"},
                    "subject_areas": ["trade_economic"],
                },
            ).id
            engine.fire(case_id, "notify_negotiations", ini)
            engine.fire(case_id, "start_drafting", ini)
            cases.append(case_id)
        texts = [
            corpus.texts(rng, "Соглашение о сотрудничестве", "Харбин", "Казань")[1]
            for _ in range(versions)
        ]
        for text in texts[:3]:  # warm-up
            engine.add_document(cases[0], ini, "ru", text)
        upload = []
        for n, text in enumerate(texts):
            seconds, _ = timed(
                lambda n=n, text=text: engine.add_document(cases[n % len(cases)], ini, "ru", text)
            )
            upload.append(seconds * 1000)
        index, stems = [], []
        for n, text in enumerate(texts):
            with engine.uow() as uow:
                seconds, _ = timed(
                    lambda uow=uow, n=n, text=text: index_document(
                        uow.session, cases[n % len(cases)], "ru", 1000 + n, text
                    )
                )
                uow.commit()
            index.append(seconds * 1000)
            if backend == "sqlite":
                stems.append(timed(lambda text=text: lexemes(text))[0] * 1000)
        words = median([len(t.split()) for t in texts])
        return upload, index, stems, words
    finally:
        engine.dispose()


# --- the run ------------------------------------------------------------------------------------


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    agreements = options.pick(100_000, 2_000)
    for backend in options.backends:
        data = build_dataset(options, backend, agreements)
        figures += measure(options, data)
    return figures


def measure(options: Options, data: Data) -> list[Figure]:
    """The figures of one backend's dataset: the searches, the plan, the indexing cost."""
    figures: list[Figure] = []
    backend, agreements = data.backend, data.agreements
    repetitions = options.pick(5, 2)
    uploads = options.pick(300, 30)
    plans = results_dir() / f"search-plan-{agreements}.txt"
    for step, seconds in data.seconds.items():
        if step == "GIN build" and backend != "postgres":
            continue
        figures.append(
            Figure(
                NAME,
                backend,
                f"dataset: {step}",
                seconds,
                "s",
                note=f"{data.agreements:,} agreements, {data.versions:,} versions, "
                f"{data.entries:,} entries",
            )
        )
    timings = measure_queries(options, data, repetitions)
    selectivity = {q: _matches(data, q) for _label, qs in QUERIES for q in qs}
    per_class: dict[str, list[float]] = {}
    sql_class: dict[str, list[float]] = {}
    for (label, q, viewer), timing in timings.items():
        per_class.setdefault(label, []).extend(timing.total_ms)
        sql_class.setdefault(label, []).extend(timing.sql_ms)
        log(
            options,
            f"{backend} {label:20} {q!r:40} {viewer:17} matches {selectivity[q]:>7,} "
            f"hits {timing.hits:>2} p50 {median(timing.total_ms):7.1f} ms "
            f"max {max(timing.total_ms):7.1f} ms (SQL {median(timing.sql_ms):.1f})",
        )
    everything = [ms for values in per_class.values() for ms in values]
    for label, values in per_class.items():
        p95 = percentile(values, 95)
        queries = dict(QUERIES)[label]
        figures.append(
            Figure(
                NAME,
                backend,
                f"{label} p95 @{agreements // 1000}k",
                p95,
                "ms",
                target=f"≤ {TARGET_MS:g} ms",
                met=p95 <= TARGET_MS,
                runs=values,
                note=f"p50 {median(values):.1f} ms, SQL p95 "
                f"{percentile(sql_class[label], 95):.1f} ms; matches "
                + ", ".join(f"{q} {selectivity[q]:,}" for q in queries),
            )
        )
    p95 = percentile(everything, 95)
    figures.append(
        Figure(
            NAME,
            backend,
            f"all queries p50 @{agreements // 1000}k",
            median(everything),
            "ms",
            runs=everything,
        )
    )
    figures.append(
        Figure(
            NAME,
            backend,
            f"all queries p95 @{agreements // 1000}k",
            p95,
            "ms",
            target=f"≤ {TARGET_MS:g} ms",
            met=p95 <= TARGET_MS,
            note=f"{len(everything)} searches: {len(timings)} (query, viewer) × "
            f"{repetitions}, first page of {PAGE} unless 'page 2'",
        )
    )
    if backend == "postgres":
        slowest = max(per_class, key=lambda label: percentile(per_class[label], 95))
        (label, q, viewer), _t = max(
            ((key, t) for key, t in timings.items() if key[0] == slowest),
            key=lambda item: percentile(item[1].total_ms, 95),
        )
        plans.write_text(explain(data, label, q, viewer) + "\n", encoding="utf-8")
        log(options, f"plan of the slowest class ({slowest}) → {plans}")
    corpus = Corpus.make(options.pick(3_000, 500))
    upload, index, stems, words = measure_indexing(options, backend, corpus, uploads)
    share = median(index) / median(upload)
    figures.append(
        Figure(
            NAME,
            backend,
            "upload of a version (add_document), median",
            median(upload),
            "ms",
            runs=upload,
            note=f"{words:,.0f} words a text; p95 {percentile(upload, 95):.1f} ms",
        )
    )
    figures.append(
        Figure(
            NAME,
            backend,
            "  of which index_document, median",
            median(index),
            "ms",
            baseline=median(upload),
            baseline_name="upload",
            runs=index,
            note=f"{share:.0%} of an upload"
            + (f"; stemming in Python {median(stems):.1f} ms" if stems else ""),
        )
    )
    return figures
