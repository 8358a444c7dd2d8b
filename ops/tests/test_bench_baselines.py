"""The bench's two money-move baselines, run briefly on the test database: each moves money
without losing any (the baseline checks its own tables and raises if not) and says what a move
costs in CPU, so the report can set Parley's requests beside the framework's floor."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import baseline


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("move", [baseline.raw_money_move, baseline.orm_money_move])
def test_a_baseline_moves_money_and_leaves_no_table_behind(move):
    result = move(seconds=0.3, connections=1)

    assert result["moves"] > 0
    assert result["per_s"] > 0
    assert result["cpu_us_per_move"] > 0
    assert not set(baseline.TABLES) & set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_the_orm_baseline_runs_its_moves_in_parallel_connections():
    result = baseline.orm_money_move(seconds=0.3, connections=2)

    assert result["connections"] == 2
    assert result["moves"] > 0
