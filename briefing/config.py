"""Loads and validates feeds.yaml into `Settings`.

Defaults < feeds.yaml < environment (secrets only) < command-line flags. This is the only module that reads
`os.environ`. Each stage receives the slice of settings it needs (`settings.poll`, `settings.cluster`, ...).
Unknown keys are errors. Relative paths are resolved against the config file's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSettings(_Strict):
    url: str = Field(description="http(s) URL of an RSS/Atom feed")
    name: str | None = Field(None, description="outlet name shown to readers; else the feed's own title")
    weight: float = Field(1.0, ge=0, description="ranking weight of stories from this feed")
    full_text: bool = Field(False, description="fetch the linked page and extract the article body")


class SectionSettings(_Strict):
    name: str
    feeds: list[FeedSettings] = Field(default_factory=list)


class PollSettings(_Strict):
    concurrency: int = Field(16, ge=1, description="feeds fetched at once")
    per_host: int = Field(2, ge=1, description="connections at once to one host")
    connect_timeout: float = Field(10.0, gt=0, description="seconds to connect")
    timeout: float = Field(30.0, gt=0, description="seconds for the whole response")
    max_bytes: int = Field(10_000_000, gt=0, description="largest body accepted, after decompression")
    interval_minutes: float = Field(30.0, gt=0, description="normal time between polls of a feed")
    max_backoff_hours: float = Field(24.0, gt=0, description="cap on the back-off after failures")
    user_agent: str | None = Field(None, description="overrides the default User-Agent")


class ClusterSettings(_Strict):
    window_hours: float = Field(36.0, gt=0, description="articles considered for an edition's clusters")
    threshold: float = Field(0.3, gt=0, lt=1, description="similarity at which new articles group together")
    attach_threshold: float = Field(0.3, gt=0, lt=1, description="similarity at which new articles join a story")
    half_life_hours: float = Field(24.0, gt=0, description="time gap that halves the similarity of two articles")
    entity_weight: float = Field(1.0, ge=0, description="weight of names and numbers against plain words")
    title_weight: int = Field(2, ge=1, description="how many times a title's words count")
    duplicate_threshold: float = Field(0.9, gt=0, le=1, description="similarity of a near-identical wire copy")
    max_batch: int = Field(1000, ge=2, description="new articles grouped at once (larger polls are chunked)")


class RankSettings(_Strict):
    max_stories: int = Field(20, ge=1, description="stories in an edition")
    max_per_section: int = Field(8, ge=1)
    per_outlet_cap: int = Field(3, ge=1, description="stories led by one outlet")


class SummariserSettings(_Strict):
    backend: Literal["extractive", "openai"] = "extractive"
    model: str = "gpt-4o-mini"
    base_url: str | None = Field(None, description="any OpenAI-compatible server; key from OPENAI_API_KEY")
    timeout: float = Field(60.0, gt=0, description="seconds per LLM call")
    retries: int = Field(2, ge=0, description="retries per LLM call (429/5xx/timeouts)")
    concurrency: int = Field(4, ge=1, description="LLM calls at once")
    max_bullets: int = Field(4, ge=2, le=5)
    max_source_tokens: int = Field(1500, gt=0, description="token budget per source article in a prompt")
    max_edition_tokens: int = Field(200_000, gt=0, description="token budget for one edition")
    judge: Literal["none", "llm"] = Field("none", description="add an LLM entailment check per bullet")


class GroundingSettings(_Strict):
    threshold: float = Field(0.5, ge=0, le=1, description="minimum support score for a bullet")


class EditionSettings(_Strict):
    name: str
    at: str = Field(description='local time "HH:MM" in the configured timezone')


class RenderSettings(_Strict):
    templates_dir: str | None = Field(None, description="your templates, searched before the bundled ones")
    email_max_kb: int = Field(90, gt=0, description="HTML email budget; lowest-ranked stories are trimmed")
    site_url: str | None = Field(None, description="absolute URL of the published site, for feeds")
    site_title: str = Field("Briefing", description="name of the static site and of its feeds")
    feed_entries: int = Field(20, ge=1, description="latest editions listed in feed.xml and feed.json")


class SmtpSettings(_Strict):
    host: str = "localhost"
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    timeout: float = 30.0


class SubscriberSettings(_Strict):
    email: str
    name: str | None = None
    sections: list[str] | None = None


class EmailSettings(_Strict):
    enabled: bool = False
    from_: str = Field("Briefing <briefing@example.org>", alias="from")
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    subscribers: list[SubscriberSettings] = Field(default_factory=list)
    subscribers_file: str | None = None
    unsubscribe_url: str | None = None
    subject: str = Field("{title}: {top_story}", description="placeholders: {title} {top_story} {date} {edition}")
    rate_per_second: float = Field(10.0, gt=0)
    unsubscribe_mailto: str | None = Field(None, description="address for mailto unsubscribes; else the From")
    list_id: str | None = Field(None, description='List-Id header; else "<edition>.<from domain>"')
    max_attempts: int = Field(4, ge=1, description="tries per recipient on transient (4xx, dropped) failures")
    retry_seconds: float = Field(2.0, ge=0, description="first back-off between tries; doubles each time")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Settings(_Strict):
    timezone: str = "UTC"
    database: str = "state/briefing.sqlite"
    database_url: str | None = Field(None, description="a server database instead of the embedded SQLite")
    outputs: str = "outputs"
    lookback_hours: float = Field(24.0, gt=0, description="window of the first edition")
    grace_hours: float = Field(6.0, ge=0, description="how late a missed edition may still run")
    summariser: SummariserSettings = Field(default_factory=SummariserSettings)
    grounding: GroundingSettings = Field(default_factory=GroundingSettings)
    poll: PollSettings = Field(default_factory=PollSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    rank: RankSettings = Field(default_factory=RankSettings)
    render: RenderSettings = Field(default_factory=RenderSettings)
    editions: list[EditionSettings] = Field(default_factory=lambda: [EditionSettings(name="morning", at="06:30")])
    sections: list[SectionSettings] = Field(default_factory=list)
    email: EmailSettings = Field(default_factory=EmailSettings)

    # Not from the file: where it was loaded from, and secrets from the environment.
    config_path: Path | None = Field(None, exclude=True)
    openai_api_key: str | None = Field(None, exclude=True, repr=False)
    smtp_password: str | None = Field(None, exclude=True, repr=False)

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
