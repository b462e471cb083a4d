"""The README's SQL cookbook runs as written: every ```sql block through the command the README shows
(`nianbao sql "…"`, comment line included), and the same through standard input (`nianbao sql < file`)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from test_cli import NIANBAO, nianbao

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_shows_the_command_and_has_queries():
    assert len(BLOCKS) >= 9
    assert 'nianbao sql "' in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("query", BLOCKS, ids=lambda q: q.splitlines()[0][3:40])
def test_every_cookbook_query_runs_as_pasted(published, query):
    assert query.lstrip().startswith("--")  # the case that used to be read as an unknown option
    done = nianbao("sql", query, tmp=published)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Error" not in done.stdout + done.stderr


def test_a_query_can_come_from_standard_input(published):
    environ = {"PATH": os.environ["PATH"], "HOME": str(published), "NIANBAO_DATA_DIR": str(published / "data")}
    done = subprocess.run([NIANBAO, "sql", "--format", "csv"], input=BLOCKS[0], capture_output=True, text=True,
                          env=environ, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("agency,")
