"""``python -m bot db backup|restore`` on the embedded SQLite database: a backup taken while the bot runs,
mid-programme, restored after the disk is lost, and the bot carries on (nudges already sent are not sent
again, an interview resumes where it stopped). SQLite only: PostgreSQL is backed up with pg_dump."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.backup import BackupError, restore_sqlite
from tests.support.database import BACKEND
from tests.support.pairs import add_member, add_pair
from tests.support.personas import EDU_MENTEE

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(BACKEND != "sqlite", reason="backs up the embedded SQLite database")]


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "MENTORBOT_"))}
    env.update(DATABASE_URL=url, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "bot", "db", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=60)



async def test_a_backup_taken_mid_programme_restores_and_the_bot_carries_on(world: SandboxWorld,
                                                                             tmp_path: Path) -> None:
    assert world.guild is not None and world.engine is not None
    url = str(world.engine.url).replace("+aiosqlite", "")
    database = Path(make_url(url).database or "")
    # mid-programme: a pair whose day-3 check-in went out, and someone half-way through their interview
    pair = await add_pair(world, await add_member(world, "Mentor B", "Europe/London"),
                          await add_member(world, "Mentee B", "Europe/London"), space=True)
    await world.bot.services.nudges.plan_match(pair.match_id)
    world.clock.advance(timedelta(days=3, hours=2))
    await world.bot.tick("nudge-dispatch")
    sent_before = [len(m.persona.dms()) for m in pair.members]
    assert all(sent_before), "no check-in went out before the backup"
    nia = world.person("Nia")
    await nia.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    first = await run_interview(nia, questions, EDU_MENTEE, stop_after=3)

    (tmp_path / "backups").mkdir()
    made = _cli("backup", str(tmp_path / "backups"), url=url)  # while the bot runs
    assert made.returncode == 0, made.stderr
    backup = next((tmp_path / "backups").glob("mentorbot-*.db"))

    assert world.runner is not None
    await world.runner.stop()
    await world.engine.dispose()
    for suffix in ("", "-wal", "-shm"):  # the disk is lost
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    restored = _cli("restore", str(backup), url=url)
    assert restored.returncode == 0, restored.stderr
    await world.runner.start()

    world.clock.advance(timedelta(hours=1))
    await world.bot.tick("nudge-dispatch")
    assert [len(m.persona.dms()) for m in pair.members] == sent_before, "a check-in was sent again"
    rest = await run_interview(nia, world.bot.services.programmes.all()[0].questions, EDU_MENTEE)
    assert rest.asked and not set(rest.asked) & set(first.asked), "the interview started again"
    assert "profile is saved" in rest.last


def test_restore_refuses_a_file_that_is_not_a_mentorbot_database(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"not a database at all" * 100)
    target = tmp_path / "bot.db"
    with pytest.raises(BackupError, match="not a SQLite database|damaged|not a mentorbot"):
        restore_sqlite(junk, target)
    assert not target.exists()


def test_backup_on_postgresql_explains_pg_dump() -> None:
    shown = _cli("backup", "/tmp/nowhere.db", url="postgresql://bot@db.example/mentoring")
    assert shown.returncode == 2
    assert "pg_dump" in shown.stdout and "14 days" in shown.stdout
