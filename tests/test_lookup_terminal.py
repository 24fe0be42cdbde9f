"""Text from outside printed by `warden lookup` cannot drive the terminal."""

from __future__ import annotations

import pytest

from warden.cli.terminal import terminal_safe


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred\x1b[0m text", "red text"),  # colours
        ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
        ("\x1b]0;owned\x07title", "title"),  # window title (OSC, BEL)
        ("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"),  # hyperlink
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS string
        ("\x9b31mc1", "c1"),  # 8-bit CSI
        ("one\rtwo\nthree\u2028four", "one two three four"),  # line breaks of every kind
        ("abc\u202edcba\u202c", "abcdcba"),  # bidi override
        ("bell\x07 back\x08space\x7f", "bell backspace"),
        ("Jérôme 😀 #Lyon", "Jérôme 😀 #Lyon"),  # ordinary text untouched
        ("1\u202f200 mentions, +50\u00a0%", "1\u202f200 mentions, +50\u00a0%"),  # French spaces
        ("  a \t\n  b  ", "a b"),
    ],
)
def test_escape_sequences_and_controls_are_removed(text: str, shown: str) -> None:
    assert terminal_safe(text) == shown


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert terminal_safe("word " * 30, 12) == "word word w…"  # 12 characters
    assert terminal_safe(None) == ""
