"""The fault scenario's machinery (``bench/faults.py``), for correctness: it never restarts the
shared cluster by default, its seed leaves one agreement in federal review per client, and its
comparison of the audit trail with the clients' answers catches a lost and a doubled decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bench import faults
from bench.faults import Attempt, Fault, Tally
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.persistence.models import Case


@pytest.mark.parametrize(
    "argv",
    [["--pg-cluster", "15/main"], ["--postgres-only"], []],
    ids=["main cluster", "no cluster named", "default"],
)
def test_the_shared_cluster_is_never_restarted_unless_named_twice(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        faults.main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "shared cluster" in error if "15/main" in argv else "--pg-cluster" in error


def test_the_seed_gives_each_client_an_agreement_in_federal_review(db_url):
    cases, tokens = faults.prepare(db_url, 3)
    assert len(set(cases)) == 3
    assert set(tokens) == {"ini", "legal", "head", "mfa", "minec", "sector"}
    engine = Engine.create(db_url, load_verified(), sync=False)
    with engine.uow(write=False) as uow:
        states = uow.session.scalars(select(Case.state).where(Case.id.in_(cases))).all()
    engine.dispose()
    assert states == ["federal_review"] * 3


def _tally(*answers: tuple[int, str, int]) -> Tally:
    tally = Tally()
    for case_id, trigger, version in answers:
        tally.attempts.append(Attempt(case_id, trigger, 1.0, 1.1, 200, version=version))
        tally.completed.setdefault(case_id, []).append((version, trigger))
    return tally


def _compare(tally: Tally, audit) -> dict:
    return faults._figures("x", tally, [Fault("f", 0.0, 0.5)], audit, 1.0, 2.0, True, 0)


def test_the_comparison_catches_a_lost_and_a_doubled_decision():
    seed = [(1, None), (2, "start_review")]
    told = _tally((7, "approve", 3), (7, "approve", 4))
    same = _compare(told, {7: [*seed, (3, "approve"), (4, "approve")]})
    assert (same["decisions_2xx_missing"], same["cases_with_extra_or_lost_decisions"]) == (0, 0)
    lost = _compare(told, {7: [*seed, (3, "approve")]})
    assert lost["decisions_2xx_missing"] == 1 and lost["cases_with_extra_or_lost_decisions"] == 1
    doubled = _compare(told, {7: [*seed, (3, "approve"), (4, "approve"), (5, "approve")]})
    assert doubled["decisions_2xx_missing"] == 0
    assert doubled["cases_with_extra_or_lost_decisions"] == 1
