"""Configuration: a TOML file for the programme set-up, the environment for secrets and overrides.

``load_config(path)`` returns an :class:`AppConfig` or raises :class:`ConfigError` listing every problem as
``programme[0].matching.max_timezone_gap_hours: must be between 0 and 12``. Secrets (the Discord token,
X credentials, a database password) are read only from the environment and typed ``SecretStr``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.community.config import CircleConfig, EventsConfig
from bot.config_errors import ConfigError, format_validation_error
from bot.matching.config import MatchingConfig
from bot.nudges.config import (
    DigestConfig,
    NudgePlanConfig,
    OnboardingRemindersConfig,
    PacingConfig,
    QuietHoursConfig,
    checkin_plan,
    step_label,
)
from bot.onboarding.questions import QuestionsConfig
from bot.programme.criteria import MatchingDeclaration
from bot.programme.profile import ProgrammeSpec, build_spec, preset_space_per
from bot.surveys.config import SurveyConfig, check_surveys, load_survey_preset
from bot.voice import Voice, VoiceOverrides, resolve_voice
from storage.urls import DEFAULT_DATABASE_URL

SECRET_KEYS = {
    "discord_token": "DISCORD_TOKEN",
    "token": "DISCORD_TOKEN",
    "bearer_token": "X_BEARER_TOKEN",
    "x_bearer_token": "X_BEARER_TOKEN",
    "api_key": "X_API_KEY",
    "api_secret": "X_API_SECRET",
    "access_token": "X_ACCESS_TOKEN",
    "access_token_secret": "X_ACCESS_TOKEN_SECRET",
    "password": "DATABASE_URL",
    "client_secret": "DISCORD_CLIENT_SECRET",
    "session_secret": "DASHBOARD_SESSION_SECRET",
}
#: the shortest dashboard session secret accepted (characters): it signs every organiser's session cookie
MIN_SESSION_SECRET = 32


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


Platform = Literal["x", "bluesky", "mastodon"]
PLATFORMS: tuple[Platform, ...] = ("x", "bluesky", "mastodon")
COHORT_ORDER = "cohort_end must be after cohort_start"


def _clean_tag(tag: str) -> str:
    tag = tag.strip().lstrip("#＃")
    if not tag or not tag.replace("_", "").isalnum():
        raise ValueError(f"'{tag}' is not a hashtag (letters, digits and _ only)")
    return tag


class SourceConfig(_Strict):
    """One ``[[programme.intake.sources]]`` table: a hashtag on one platform (credentials come from the
    environment only: X_*, BLUESKY_HANDLE/BLUESKY_APP_PASSWORD, MASTODON_ACCESS_TOKEN)."""

    platform: Platform
    tag: str
    instance: str | None = Field(default=None, max_length=200)  # Mastodon only: "mastodon.social"
    visibility: Literal["public", "unlisted", "private", "direct"] = "unlisted"  # of Mastodon replies
    replies: bool = True  # reply with the invite automatically; False: every lead goes to the organisers

    @field_validator("tag")
    @classmethod
    def _tag(cls, tag: str) -> str:
        return _clean_tag(tag)

    @field_validator("instance")
    @classmethod
    def _instance(cls, instance: str | None) -> str | None:
        if instance is None:
            return None
        host = instance.strip().rstrip("/").lower()
        scheme, sep, bare = host.rpartition("://")
        local = bare.startswith(("localhost", "127.0.0.1"))
        if (sep and scheme not in ("https", "http")) or (scheme == "http" and not local) \
                or not re.fullmatch(r"[a-z0-9.-]+(:[0-9]+)?", bare) or ("." not in bare and not local):
            raise ValueError(f"'{instance}' is not a Mastodon instance (a host name like mastodon.social)")
        return host

    @model_validator(mode="after")
    def _per_platform(self) -> SourceConfig:
        if self.platform == "mastodon" and not self.instance:
            raise ValueError("a mastodon source needs instance (e.g. instance = \"mastodon.social\")")
        if self.platform != "mastodon" and self.instance:
            raise ValueError(f"instance is only for mastodon sources, not {self.platform}")
        return self


class IntakeConfig(_Strict):
    """Hashtag intake from X, Bluesky and Mastodon. ``hashtags`` is shorthand for X sources."""

    hashtags: list[str] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    poll_interval_seconds: int = Field(default=300, ge=15, le=86_400)
    replies_per_hour: int = Field(default=30, ge=0, le=1_000)
    claim_code_prefix: str = Field(default="EDU", min_length=2, max_length=6, pattern=r"^[A-Z]+$")
    claim_code_ttl_days: int = Field(default=30, ge=1, le=365)
    reply_only_to_mentions: bool = True

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        return [_clean_tag(tag) for tag in tags]

    def all_sources(self) -> list[SourceConfig]:
        """Every source: one X source per entry of ``hashtags`` (replies on), then ``sources``; a tag named
        twice on one platform (and instance) counts once, the first time."""
        out: list[SourceConfig] = []
        seen: set[tuple[str, str, str]] = set()
        for src in [SourceConfig(platform="x", tag=t) for t in self.hashtags] + list(self.sources):
            key = (src.platform, src.tag.lower(), src.instance or "")
            if key not in seen:
                seen.add(key)
                out.append(src)
        return out

    def sources_on(self, platform: str) -> list[SourceConfig]:
        return [s for s in self.all_sources() if s.platform == platform]


class SpacesConfig(_Strict):
    """Where confirmed pairs get their private space: one per pair, or one per mentor with all their mentees
    (``per = "mentor"``, a "pod": joined as a mentor's matches start, left as they end, archived after the
    last). Omitted: the question preset's choice (RunTogether's mentors have pods)."""

    per: Literal["pair", "mentor"] | None = None
    mode: Literal["auto", "channels", "threads"] = "auto"
    category: str = Field(default="Mentoring pairs", min_length=1, max_length=100)
    threads_channel: str = Field(default="mentoring-pairs", min_length=1, max_length=100)
    max_channels_per_category: int = Field(default=50, ge=1, le=50)
    max_channels_per_guild: int = Field(default=450, ge=1, le=500)


class RhythmConfig(_Strict):
    """How people arrive and are matched: ``pool`` (organisers preview and confirm whenever they like) or
    ``rolling`` intake (new arrivals matched every ``every_days`` against the capacity mentors have left, never
    disturbing existing pairs; ``auto_confirm`` makes the pairs at once, else organisers confirm the preview)."""

    mode: Literal["pool", "rolling"] = "pool"
    every_days: int = Field(default=7, ge=1, le=90)
    auto_confirm: bool = False


class ProgrammeConfig(_Strict):
    """One ``[[programme]]`` table: a community and how its programme runs."""

    key: str = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=100)
    guild_id: int = Field(gt=0)
    organiser_role: str = Field(default="Organisers", min_length=1, max_length=100)
    onboarding_channel: str = Field(default="onboarding", min_length=1, max_length=100)
    leads_channel: str = Field(default="organisers", min_length=1, max_length=100)
    invite_url: str = Field(default="", max_length=200)
    cohort_start: date | None = None
    cohort_end: date | None = None
    spaces: SpacesConfig = Field(default_factory=SpacesConfig)
    intake: IntakeConfig = Field(default_factory=IntakeConfig)
    questions: QuestionsConfig = Field(default_factory=QuestionsConfig)
    #: the programme's own matching criteria over its questions; None: its question preset's
    criteria: MatchingDeclaration | None = None
    #: engine settings laid over the compiled criteria (only values that differ from the defaults count)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    nudges: NudgePlanConfig = Field(default_factory=NudgePlanConfig)
    rhythm: RhythmConfig = Field(default_factory=RhythmConfig)
    #: the plan of the lighter check-in relationship (programmes whose criteria declare ``checkin``)
    checkin_nudges: NudgePlanConfig = Field(default_factory=checkin_plan)
    quiet_hours: QuietHoursConfig = Field(default_factory=QuietHoursConfig)
    onboarding_reminders: OnboardingRemindersConfig = Field(default_factory=OnboardingRemindersConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    #: the programme's own words over its preset's voice (``bot/voice/presets``): any message, replaced
    voice: VoiceOverrides = Field(default_factory=VoiceOverrides)
    #: the resolved voice of (preset, overrides object): resolving validates every text, and every message
    #: the bot sends asks for it
    _voice: tuple[str, VoiceOverrides, Voice] | None = PrivateAttr(default=None)
    #: the mentor circle (a private channel for everyone who mentors): see :class:`CircleConfig`
    circle: CircleConfig = Field(default_factory=CircleConfig)
    #: programme events and their reminders
    events: EventsConfig = Field(default_factory=EventsConfig)
    #: the programme's surveys (``[[programme.surveys]]``); None: its question preset's (``bot/surveys/presets``)
    surveys: list[SurveyConfig] | None = Field(default=None, max_length=10)

    @field_validator("surveys")
    @classmethod
    def _surveys(cls, surveys: list[SurveyConfig] | None) -> list[SurveyConfig] | None:
        return None if surveys is None else check_surveys(surveys)

    @field_validator("invite_url")
    @classmethod
    def _invite(cls, url: str) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError("must be a link starting with https://")
        return url

    @model_validator(mode="after")
    def _cross_checks(self) -> ProgrammeConfig:
        if self.cohort_start and self.cohort_end and self.cohort_end <= self.cohort_start:
            raise ValueError(COHORT_ORDER)
        self.spec()  # an unknown preset, order key or criterion question is reported here
        voice = self.messages()  # a broken override (unknown placeholder, reply) is reported here
        self.survey_plan()  # a broken survey preset is reported here
        if "nudges" not in self.model_fields_set and voice.checkins:
            self.nudges = voice.plan()  # the preset's own check-in plan unless the config gives one
        return self

    def survey_plan(self) -> list[SurveyConfig]:
        """The surveys this programme sends: its own, else its question preset's."""
        if self.surveys is not None:
            return list(self.surveys)
        return list(load_survey_preset(self.questions.preset))

    def survey(self, key: str) -> SurveyConfig | None:
        return next((s for s in self.survey_plan() if s.key == key), None)

    def messages(self) -> Voice:
        """Everything the programme says: its question preset's voice with this config's overrides (resolved
        once for each preset and overrides object: a copy of the config with other words resolves anew)."""
        cached = self._voice
        if cached is None or cached[0] != self.questions.preset or cached[1] is not self.voice:
            cached = (self.questions.preset, self.voice, resolve_voice(self.questions.preset, self.voice))
            self._voice = cached
        return cached[2]

    def mentor_circle(self) -> CircleConfig:
        """The circle's settings with the question preset's defaults filled in."""
        return self.circle.resolved(self.questions.preset)

    @property
    def pods(self) -> bool:
        """One private space per mentor with all their mentees (else one per pair)."""
        return (self.spaces.per or preset_space_per(self.questions.preset)) == "mentor"

    def step_names(self) -> dict[str, str]:
        """Every check-in step and survey key → its human name (what organisers read, never the raw key)."""
        names = {step.key: step.label for plan in (self.checkin_nudges, self.nudges) for step in plan.steps}
        names.update({survey.key: survey.title for survey in self.survey_plan()})
        return names

    def step_name(self, key: str) -> str:
        """The human name of one step key (a key no longer in the plan: the key in words)."""
        return self.step_names().get(key) or step_label(key)

    def onboarding_reminder(self) -> str:
        """The words of a reminder to finish the interview: this config's ``[onboarding_reminders] text``, else
        the programme's voice."""
        return self.onboarding_reminders.text or self.messages().onboarding_reminder

    def nudge_plan(self, relationship: str) -> NudgePlanConfig:
        """The nudge plan of a relationship kind (``mentoring`` or ``check-in``)."""
        return self.checkin_nudges if relationship == "check-in" else self.nudges

    def spec(self) -> ProgrammeSpec:
        """The programme as data: questions and compiled matching criteria (the one typed profile)."""
        return build_spec(self.questions, self.criteria, self.matching)


class ProgrammeGuildConfig(_Strict):
    """A Discord server the operator lets run programmes set up from Discord, and the hashtags those
    programmes may claim (``[[bot.programme_guilds]]``). The guilds of the file's ``[[programme]]`` tables
    may run programmes too, on their own hashtags."""

    guild_id: int = Field(gt=0)
    hashtags: list[str] = Field(default_factory=list)

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        return [_clean_tag(tag) for tag in tags]


class BotConfig(_Strict):
    """The ``[bot]`` table: process-wide settings."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    database_url: str = DEFAULT_DATABASE_URL
    programme_guilds: list[ProgrammeGuildConfig] = Field(default_factory=list)
    pacing: PacingConfig = Field(default_factory=PacingConfig)
    dispatch_interval_seconds: int = Field(default=30, ge=1, le=3600)

    @field_validator("database_url")
    @classmethod
    def _no_password(cls, url: str) -> str:
        from sqlalchemy.engine import make_url

        try:
            parsed = make_url(url)
        except Exception as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if parsed.password:
            raise ValueError("holds a password: put the URL in the DATABASE_URL environment variable instead")
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url


class DashboardConfig(_Strict):
    """The ``[dashboard]`` table: the organisers' web dashboard, served by the bot process itself. Off by
    default. Secrets come from the environment: ``DISCORD_CLIENT_SECRET`` (the Discord application's OAuth2
    client secret) and ``DASHBOARD_SESSION_SECRET`` (signs the session cookies; 32+ random characters)."""

    enabled: bool = False
    #: where organisers open it, e.g. ``https://mentoring.example.org`` (the OAuth2 redirect is
    #: ``{public_url}/auth/callback``: add it under OAuth2 → Redirects in the Discord developer portal)
    public_url: str = Field(default="", max_length=200)
    host: str = Field(default="127.0.0.1", min_length=1, max_length=100)  # the address it listens on
    port: int = Field(default=8080, ge=0, le=65_535)  # 0: any free port
    #: the Discord application's id (OAuth2 client id); default: the bot's own application
    client_id: int | None = Field(default=None, gt=0)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)  # a sign-in lasts this long

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        if not url:
            return url
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        local = (parts.hostname or "") in ("localhost", "127.0.0.1", "::1")
        if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
            raise ValueError(f"'{url}' is not the dashboard's address: an https:// link (http:// only on localhost)")
        if parts.query or parts.fragment:
            raise ValueError("must be the dashboard's base address, without ? or #")
        return url

    @model_validator(mode="after")
    def _needs_address(self) -> DashboardConfig:
        if self.enabled and not self.public_url:
            raise ValueError("public_url is required when the dashboard is enabled (e.g. https://mentoring.example.org)")
        return self


class Secrets(BaseSettings):
    """Secrets, from the environment only. Never printed: ``SecretStr`` hides them in repr and logs."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    discord_token: SecretStr | None = None
    x_bearer_token: SecretStr | None = None
    x_api_key: SecretStr | None = None
    x_api_secret: SecretStr | None = None
    x_access_token: SecretStr | None = None
    x_access_token_secret: SecretStr | None = None
    database_url: SecretStr | None = None
    bluesky_app_password: SecretStr | None = None
    mastodon_access_token: SecretStr | None = None
    discord_client_secret: SecretStr | None = None
    dashboard_session_secret: SecretStr | None = None


class AppConfig(BaseSettings):
    """The whole configuration. Environment variables ``MENTORBOT_BOT__LOG_LEVEL`` etc. override the file."""

    model_config = SettingsConfigDict(
        env_prefix="MENTORBOT_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    bot: BotConfig = Field(default_factory=BotConfig)
    programme: list[ProgrammeConfig] = Field(default_factory=list)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment wins over the file's values (passed as init kwargs)
        return env_settings, init_settings

    @model_validator(mode="after")
    def _unique_keys(self) -> AppConfig:
        seen: set[str] = set()
        for prog in self.programme:
            if prog.key in seen:
                raise ValueError(f"programme key '{prog.key}' is used twice; keys must be unique")
            seen.add(prog.key)
        return self

    def programme_by_key(self, key: str) -> ProgrammeConfig:
        for prog in self.programme:
            if prog.key == key:
                return prog
        raise KeyError(key)


class Settings:
    """What the running bot is given: the validated file config plus the environment's secrets."""

    def __init__(self, config: AppConfig, secrets: Secrets, source: Path | None = None) -> None:
        self.config = config
        self.secrets = secrets
        self.source = source

    @property
    def database_url(self) -> str:
        if self.secrets.database_url is not None:
            return self.secrets.database_url.get_secret_value()
        return self.config.bot.database_url

    def __repr__(self) -> str:  # never show secrets
        return f"Settings(source={self.source}, programmes={[p.key for p in self.config.programme]})"


def _secret_problems(data: Any, path: str = "") -> list[str]:
    problems: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            if str(key).lower() in SECRET_KEYS:
                env = SECRET_KEYS[str(key).lower()]
                problems.append(f"{sub}: secrets are read only from the environment; remove it and set {env}")
            else:
                problems.extend(_secret_problems(value, sub))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            problems.extend(_secret_problems(item, f"{path}[{i}]"))
    return problems


def _without_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_secrets(v) for k, v in data.items() if str(k).lower() not in SECRET_KEYS}
    if isinstance(data, list):
        return [_without_secrets(v) for v in data]
    return data


def parse_config(data: dict[str, Any], source: Path | None = None) -> Settings:
    """Validate an already-parsed TOML document (plus the environment)."""
    problems = _secret_problems(data)
    data = _without_secrets(data)
    config: AppConfig | None = None
    try:
        config = AppConfig(**data)
    except ValidationError as exc:
        problems.extend(format_validation_error(exc, AppConfig))
    try:
        secrets = Secrets()
    except ValidationError as exc:
        problems.extend(format_validation_error(exc, Secrets))
        secrets = Secrets.model_construct()
    if config is not None:
        problems.extend(dashboard_secret_problems(config.dashboard, secrets))
    if problems or config is None:
        raise ConfigError(problems, source)
    return Settings(config, secrets, source)


def dashboard_secret_problems(dashboard: DashboardConfig, secrets: Secrets) -> list[str]:
    """An enabled dashboard needs its two secrets from the environment."""
    if not dashboard.enabled:
        return []
    problems = []
    if secrets.discord_client_secret is None:
        problems.append("DISCORD_CLIENT_SECRET: the dashboard is enabled but the Discord application's OAuth2 "
                        "client secret is not set (Developer Portal → OAuth2 → Client Secret)")
    session = secrets.dashboard_session_secret
    if session is None or len(session.get_secret_value()) < MIN_SESSION_SECRET:
        problems.append(f"DASHBOARD_SESSION_SECRET: the dashboard is enabled but its session secret is "
                        f"{'not set' if session is None else 'too short'}; set {MIN_SESSION_SECRET}+ random "
                        "characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return problems


def load_config(path: Path | str | None) -> Settings:
    """Read and validate ``path`` (or only the environment when ``None``)."""
    if path is None:
        return parse_config({}, None)
    path = Path(path)
    if not path.exists():
        raise ConfigError([f"{path}: file not found"], path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc})"], path) from None
    return parse_config(data, path)


def default_config_path() -> Path | None:
    """``MENTORBOT_CONFIG`` or ``./mentorbot.toml`` when present."""
    env = os.environ.get("MENTORBOT_CONFIG")
    if env:
        return Path(env)
    local = Path("mentorbot.toml")
    return local if local.exists() else None


@dataclass(frozen=True)
class ProgrammeDetails:
    key: str | None
    hashtags: list[str]
    cohort_start: date | None
    cohort_end: date | None


def check_details(*, key: str | None, hashtags: list[str], cohort_start: date | None,
                  cohort_end: date | None) -> ProgrammeDetails:
    """Programme details typed in Discord (``/programme setup``), checked by the config file's own rules:
    the key's pattern, hashtags, the cohort's order. ``ValueError`` (a pydantic ``ValidationError``) names the
    first problem; the hashtags come back cleaned."""
    if key is not None:
        TypeAdapter(Annotated[str, ProgrammeConfig.model_fields["key"]]).validate_python(key)
    tags = IntakeConfig(hashtags=hashtags).hashtags
    if cohort_start and cohort_end and cohort_end <= cohort_start:
        raise ValueError(COHORT_ORDER)
    return ProgrammeDetails(key, tags, cohort_start, cohort_end)
