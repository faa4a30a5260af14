"""Programmes as the running bot sees them: config-file defaults plus what organisers set, with DB ids."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import AppConfig, ProgrammeConfig, Settings
from bot.onboarding.questions import Question
from bot.programme.profile import ProgrammeSpec
from bot.voice import Voice
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.queries import programmes as q

log = logging.getLogger(__name__)


@dataclass
class Programme:
    """One programme, resolved: its database id, its effective config, its spec (questions and compiled
    matching criteria) and its questions."""

    id: int
    config: ProgrammeConfig
    spec: ProgrammeSpec
    questions: list[Question] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.config.key

    @property
    def guild_id(self) -> int:
        return self.config.guild_id

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


def effective_config(base: ProgrammeConfig, overrides: dict[str, Any]) -> ProgrammeConfig:
    """Config-file values overlaid with what organisers set from Discord (theirs win)."""
    if not overrides:
        return base
    data = base.model_dump(mode="python")
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return ProgrammeConfig.model_validate(data)


class Fence:
    """Which guilds may run programmes, and which hashtags each may claim: the operator's word (the file's
    ``[[programme]]`` guilds with their own hashtags, and ``[[bot.programme_guilds]]``). A guild owner can
    add the bot anywhere; only these guilds get programmes, so no one else can take a programme's leads."""

    def __init__(self, config: AppConfig) -> None:
        self._config = config

    @property
    def _tags(self) -> dict[int, set[str]]:
        """Allowed hashtags (lower case) by guild; a guild that is absent may run no programme."""
        tags: dict[int, set[str]] = {}
        for entry in self._config.bot.programme_guilds:
            tags.setdefault(entry.guild_id, set()).update(t.lower() for t in entry.hashtags)
        for prog in self._config.programme:
            tags.setdefault(prog.guild_id, set()).update(s.tag.lower() for s in prog.intake.all_sources())
        return tags

    def guild_refusal(self, guild_id: int | None) -> str | None:
        """Why this guild may not run a programme, or None."""
        if guild_id is None or guild_id not in self._tags:
            return ("this server is not one the bot's operator lets run programmes (they list servers under "
                    "[[bot.programme_guilds]] in the bot's config)")
        return None

    def refusal(self, cfg: ProgrammeConfig) -> str | None:
        """Why this programme may not run (its guild, or a hashtag its guild may not claim), or None."""
        why = self.guild_refusal(cfg.guild_id)
        if why is not None:
            return why
        allowed = self._tags[cfg.guild_id]
        taken = sorted({f"#{s.tag}" for s in cfg.intake.all_sources() if s.tag.lower() not in allowed})
        if taken:
            return (f"this server may not claim {', '.join(taken)}: the bot's operator decides which hashtags "
                    "each server's programmes read")
        return None


class ProgrammeRegistry:
    """Loads every configured programme into the database on start and answers lookups."""

    def __init__(self, settings: Settings, sessions: SessionFactory, clock: Clock | None = None) -> None:
        self._settings = settings
        self._sessions = sessions
        self._clock = clock
        self._by_key: dict[str, Programme] = {}
        self.fence = Fence(settings.config)

    async def load(self) -> list[Programme]:
        """Create/refresh the programme rows and resolve their effective config."""
        self._by_key.clear()
        async with transaction(self._sessions) as session:
            for cfg in self._settings.config.programme:
                row = await q.ensure_programme(session=session, key=cfg.key, name=cfg.name, guild_id=cfg.guild_id,
                                               now=self._clock.now() if self._clock else None)
                self._add(require_id(row), effective_config(cfg, row.settings))
            # programmes created from Discord (/programme setup) that the file does not list
            for row in await q.all_programmes(session=session):
                if row.key not in self._by_key and row.settings.get("config"):
                    cfg = ProgrammeConfig.model_validate(row.settings["config"])
                    cfg = effective_config(cfg, {k: v for k, v in row.settings.items() if k != "config"})
                    why = self.fence.refusal(cfg)
                    if why is not None:  # set up before the operator's list changed: it does not run
                        log.warning("programme %s is not loaded: %s", cfg.key, why)
                        continue
                    self._add(require_id(row), cfg)
        return list(self._by_key.values())

    def _add(self, programme_id: int, cfg: ProgrammeConfig) -> Programme:
        spec = cfg.spec()
        prog = Programme(id=programme_id, config=cfg, spec=spec, questions=list(spec.questions))
        self._by_key[cfg.key] = prog
        return prog

    async def save_settings(self, key: str, changes: dict[str, Any]) -> Programme:
        """Store organiser-set values and re-resolve the programme."""
        prog = self._by_key[key]
        async with transaction(self._sessions) as session:
            row = await q.update_programme_settings(session=session, programme_id=prog.id, changes=changes)
            base = next((p for p in self._settings.config.programme if p.key == key), None)
            if base is None:
                base = ProgrammeConfig.model_validate(row.settings["config"])
            settings = {k: v for k, v in row.settings.items() if k != "config"}
        return self._add(prog.id, effective_config(base, settings))

    async def create(self, cfg: ProgrammeConfig) -> Programme:
        """A programme created from Discord: its whole config lives in the database."""
        async with transaction(self._sessions) as session:
            row = await q.ensure_programme(session=session, key=cfg.key, name=cfg.name, guild_id=cfg.guild_id)
            await q.update_programme_settings(
                session=session, programme_id=require_id(row), changes={"config": cfg.model_dump(mode="json")}
            )
        return self._add(require_id(row), cfg)

    def all(self) -> list[Programme]:
        return list(self._by_key.values())

    def gone_text(self) -> str:
        """What a click on a message of a programme the bot no longer runs is told: in the voice of the bot's
        one programme; with several (whose voice would it be?), the neutral words."""
        running = self.all()
        if len(running) == 1:
            return running[0].config.messages().programme_gone
        return str(Voice.model_fields["programme_gone"].default)

    def get(self, key: str) -> Programme | None:
        return self._by_key.get(key)

    def by_id(self, programme_id: int) -> Programme | None:
        return next((p for p in self._by_key.values() if p.id == programme_id), None)

    def in_guild(self, guild_id: int) -> list[Programme]:
        return [p for p in self._by_key.values() if p.guild_id == guild_id]

