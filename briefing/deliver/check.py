"""What `briefing config check` (and `build`, `run`, `run-due`, `schedule`, before any work) knows of delivery:
every problem that would otherwise surface only at send time, one located line each.

Checks the subscriber list (inline and file), the From address, the subject's placeholders, the unsubscribe URL
and its secret, and each chat channel's Apprise URL. Warnings are things that work but publish worse (feeds
without `render.site_url` carry no absolute links).
"""

from __future__ import annotations

from briefing.config import Settings
from briefing.errors import ConfigError


def delivery_problems(settings: Settings) -> list[str]:
    """One line per problem, each naming the key (and file or row) at fault."""
    problems: list[str] = []
    email = settings.email
    if email.enabled or email.subscribers or email.subscribers_file:
        # imported here: an idle cron tick checks a config without email in a blink
        from briefing.deliver.compose import subject_problems, unsubscribe_problems

        problems += _subscriber_problems(settings)
        problems += _from_problems(settings)
        problems += subject_problems(email.subject)
        problems += unsubscribe_problems(email, settings.unsubscribe_secret, need_secret=email.enabled)
    problems += _channel_problems(settings)
    return problems


def delivery_warnings(settings: Settings) -> list[str]:
    if "site" in settings.render.formats and not settings.render.site_url:
        return [
            "render.site_url is not set: feed.xml and feed.json cannot carry absolute links to editions, and feed "
            "readers need them; set it to the address the site is published at"
        ]
    return []


def check_delivery(settings: Settings) -> None:
    """Raise one ConfigError listing every delivery problem, located in the config file."""
    problems = delivery_problems(settings)
    if problems:
        where = settings.config_path or "feeds.yaml"
        lines = [f"{where}: {problem}" if problem.startswith(_KEYS) else problem for problem in problems]
        raise ConfigError(lines[0] if len(lines) == 1 else f"{where}: {len(lines)} problems", problems=lines)


_KEYS = ("email.", "channels[", "render.")  # a problem starting with a key gets the config file's name


def _subscriber_problems(settings: Settings) -> list[str]:
    from briefing.subscribers import load_subscribers

    try:
        load_subscribers(settings)
    except ConfigError as error:
        return list(error.problems)
    return []


def _from_problems(settings: Settings) -> list[str]:
    from briefing.deliver.compose import from_address

    try:
        from_address(settings.email)
    except ConfigError as error:
        return [str(error)]
    return []


def _channel_problems(settings: Settings) -> list[str]:
    problems = []
    seen: dict[str, int] = {}
    for index, channel in enumerate(settings.channels):
        if channel.name.lower() == "email":
            problems.append(f"channels[{index}].name: 'email' is the email channel's name; choose another")
        elif channel.name in seen:
            problems.append(
                f"channels[{index}].name: duplicate channel name {channel.name!r}; "
                f"already channels[{seen[channel.name]}]"
            )
        seen.setdefault(channel.name, index)
        known = {section.name for section in settings.sections}
        for name in channel.sections or []:
            if name not in known:
                problems.append(f"channels[{index}].sections: expected a configured section, got {name!r}")
    if settings.channels:
        from briefing.deliver.chat import body_limit  # imports apprise: only when channels are configured

        for index, channel in enumerate(settings.channels):
            try:
                body_limit(channel.url, f"channels[{index}]")
            except ConfigError as error:
                problems.append(str(error))
    return problems
