"""The README cannot drift from the code: commands, options, flags and reasons."""

import argparse
import re
from pathlib import Path

import pytest

from certreview.cli import build_parser
from certreview.rules.contract import FLAGS, REASONS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, argparse.ArgumentParser]]:
    found = []

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found.append((prefix, parser))
        for action in subs:
            for name, child in action.choices.items():
                walk(f"{prefix} {name}".strip(), child)

    walk("", build_parser())
    return found


@pytest.mark.parametrize(("command", "parser"), _commands(), ids=lambda c: str(c))
def test_every_command_and_option_is_in_the_readme(command, parser):
    rows = [line for line in README.splitlines() if line.startswith(f"| `certreview {command}")]
    if not rows:  # `import roster` and `import catalog` share no row with `import submissions`
        rows = [line for line in README.splitlines() if f"certreview {command}" in line]
    assert rows, f"README has no row for `certreview {command}`"
    text = " ".join(rows)
    for action in parser._actions:
        for option in action.option_strings:
            if option.startswith("--") and option not in GLOBAL_OPTIONS:
                assert option in text, f"README row for {command} lacks {option}"
    assert "--db URL" in README and "--data DIR" in README


GLOBAL_OPTIONS = {"--help", "--db", "--data", "--version", "--lang"}


def test_the_global_options_are_in_the_readme():
    rows = " ".join(line for line in README.splitlines() if line.startswith("| `certreview ["))
    for action in build_parser()._actions:
        if "--lang" in action.option_strings:
            assert "--lang " + "\\|".join(action.choices) in rows


@pytest.mark.parametrize(("flag", "meaning"), FLAGS.items())
def test_every_flag_is_in_the_readme(flag, meaning):
    assert f"| `{flag}` | {meaning} |" in README


@pytest.mark.parametrize(("reason", "meaning"), REASONS.items())
def test_every_reason_is_in_the_readme(reason, meaning):
    assert f"| `{reason}` | {meaning} |" in README


def test_readme_starts_with_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None and block.start() < 200
    assert [line.split()[:2] for line in block.group(1).splitlines()] == [
        ["make", "lab"],
        ["make", "test"],
    ]


def test_every_review_key_is_in_the_readme():
    from certreview.widgets.keys import HELP

    for key, action in HELP:
        assert f"| {key} | {action} |" in README
