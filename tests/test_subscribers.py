"""The subscriber list: from feeds.yaml and from a CSV or YAML file, with one located line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import EmailSettings, SectionSettings, Settings, SubscriberSettings
from briefing.errors import ConfigError
from briefing.models import Subscriber
from briefing.subscribers import load_subscribers


def make_settings(tmp_path: Path, file_text: str | None = None, suffix: str = ".csv", **email: object) -> Settings:
    if file_text is not None:
        (tmp_path / f"subscribers{suffix}").write_text(file_text, encoding="utf-8")
        email["subscribers_file"] = f"subscribers{suffix}"
    return Settings(
        config_path=tmp_path / "feeds.yaml",
        sections=[SectionSettings(name="World"), SectionSettings(name="Sport")],
        email=EmailSettings(**email),  # type: ignore[arg-type]
    )


def problems(settings: Settings) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_subscribers(settings)
    return caught.value.problems


def test_subscribers_from_the_config(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, subscribers=[SubscriberSettings(email="ada@example.org", name="Ada", sections=["World"])]
    )

    assert load_subscribers(settings) == [Subscriber("ada@example.org", "Ada", ("World",))]


def test_subscribers_from_a_csv_file_after_the_config(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        "email,name,sections\nbob@example.org,Bob,World;Sport\ncy@example.org,,\n",
        subscribers=[SubscriberSettings(email="ada@example.org")],
    )

    assert load_subscribers(settings) == [
        Subscriber("ada@example.org"),
        Subscriber("bob@example.org", "Bob", ("World", "Sport")),
        Subscriber("cy@example.org"),
    ]


def test_subscribers_from_a_yaml_file(tmp_path: Path) -> None:
    text = "subscribers:\n  - {email: bob@example.org, sections: [Sport]}\n  - email: cy@example.org\n    name: Cy\n"

    settings = make_settings(tmp_path, text, suffix=".yaml")

    assert load_subscribers(settings) == [
        Subscriber("bob@example.org", None, ("Sport",)),
        Subscriber("cy@example.org", "Cy"),
    ]


def test_every_problem_in_a_csv_file_is_reported_with_its_row(tmp_path: Path) -> None:
    rows = ["email,name,sections", "bob,Bob,", "cy@example.org,Cy,Weather", "BOB@example.org,,", "bob@example.org,,"]
    text = "\n".join([*rows, "zoë@example.org,,"]) + "\n"

    found = problems(make_settings(tmp_path, text))

    assert found == [
        "subscribers.csv: row 2: email: expected an address like reader@example.org, got 'bob'",
        "subscribers.csv: row 3: sections: unknown section(s) Weather; expected one of Sport, World",
        "subscribers.csv: row 5: email: bob@example.org is already listed at subscribers.csv: row 4",
        "subscribers.csv: row 6: email: expected an address like reader@example.org, got 'zoë@example.org'",
    ]


def test_csv_field_over_the_csv_modules_limit_is_one_located_problem(tmp_path: Path) -> None:
    text = "email,name\nada@example.org," + "x" * 200_000 + "\n"

    assert problems(make_settings(tmp_path, text)) == [
        "subscribers.csv: row 2: a field is longer than 131072 characters; expected a CSV of subscribers"
    ]


def test_an_address_with_a_control_character_is_refused(tmp_path: Path) -> None:
    text = 'subscribers:\n  - email: "ada@exa\\0mple.org"\n  - email: "bob@example.org\\x7f"\n'

    assert problems(make_settings(tmp_path, text, suffix=".yaml")) == [
        "subscribers.yaml: [0]: email: expected an address like reader@example.org, got 'ada@exa\\x00mple.org'",
        "subscribers.yaml: [1]: email: expected an address like reader@example.org, got 'bob@example.org\\x7f'",
    ]


def test_a_yaml_subscriber_file_too_big_to_read_quickly_is_refused_unread(tmp_path: Path) -> None:
    text = "subscribers:\n" + "  - email: reader@example.org\n" * 600_000

    assert problems(make_settings(tmp_path, text, suffix=".yaml")) == [
        "subscribers.yaml: 18,000,013 characters; a YAML subscriber file is at most 16,777,216 "
        "(use a CSV file for longer lists)"
    ]


def test_csv_without_an_email_column_is_one_clear_error(tmp_path: Path) -> None:
    assert problems(make_settings(tmp_path, "address,name\nbob@example.org,Bob\n")) == [
        "subscribers.csv: row 1: expected a header row with an `email` column, got ['address', 'name']"
    ]


def test_problems_in_the_config_list_name_the_key_path(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, subscribers=[SubscriberSettings(email="Ada <ada@example.org>")])

    assert problems(settings) == [
        "feeds.yaml: email.subscribers[0]: email: expected an address like reader@example.org, "
        "got 'Ada <ada@example.org>'"
    ]


def test_yaml_entry_with_an_unknown_key_is_reported(tmp_path: Path) -> None:
    found = problems(make_settings(tmp_path, "- {email: bob@example.org, mail: x}\n- just-a-string\n", ".yml"))

    assert found == [
        "subscribers.yml: [0]: unknown key(s) mail; expected email, name, sections",
        "subscribers.yml: [1]: expected a mapping with an `email` key, got 'just-a-string'",
    ]


def test_missing_subscriber_file_is_a_config_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, subscribers_file="nowhere.csv")

    with pytest.raises(ConfigError, match=r"nowhere.csv: cannot read the subscriber file"):
        load_subscribers(settings)
