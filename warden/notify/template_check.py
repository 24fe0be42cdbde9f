"""Checking an operator's templates folder (`notifications.templates_dir`) before it is used:
each template is parsed, then rendered on a sample alert, and problems come as `file:line: why`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jinja2

from warden.notify.channels import CHANNELS
from warden.notify.message import (
    AlertView,
    MentionView,
    MessageView,
    ack_command,
    silence_command,
)
from warden.notify.render import TemplateWords, environment
from warden.notify.words import Words

TEMPLATES = {c.template: c for c in CHANNELS.values()} | {"email.html.j2": CHANNELS["email"]}
_AT = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def sample_message() -> MessageView:
    """One firing alert quoting one mention: what `warden check` renders each template with."""
    mention = MentionView(
        1, "@someone", "x", 1200, "negative", 12, _AT, "A post", "https://x.example/1"
    )
    alert = AlertView(
        id=1,
        short="0123456789ab",
        rule="sample",
        severity="critical",
        state="firing",
        subject="Acme",
        summary="120 mentions of Acme",
        why="120 mentions in the last 5 min",
        now=None,
        observed=120,
        expected=8.0,
        probability=1e-6,
        warming_up=False,
        since=_AT,
        fired_at=_AT,
        resolved_at=None,
        description="A sample rule.",
        labels={"entity": "Acme"},
        extra=[],
        mentions=[mention],
        sentiment={"negative": 1},
        ack_command=ack_command("0123456789ab"),
        silence_command=silence_command("0123456789ab", Words()),
        page_url="https://warden.example.com/alerts/1",
        chart_url="https://warden.example.com/charts/alert/1.png",
    )
    return MessageView("firing", [alert])


def template_problems(folder: Path) -> list[str]:
    """`file:line: what is wrong` for each template of `folder` that would not render."""
    if not folder.is_dir():
        return [f"{folder}: notifications.templates_dir: folder not found"]
    problems = []
    for path in sorted(folder.glob("*.j2")):
        if path.name.startswith("_"):
            continue
        channel = TEMPLATES.get(path.name)
        if channel is None:
            known = ", ".join(sorted(TEMPLATES))
            problems.append(f"{path}:1: not a Warden template name (expected one of {known})")
            continue
        markup = "html" if path.name == "email.html.j2" else channel.markup
        env = environment(markup, folder)
        try:
            template = env.get_template(path.name)
            words = TemplateWords()
            message = sample_message()
            template.render(
                alerts=message.alerts,
                kind="firing",
                hidden=0,
                t=words,
                f=words,
                title="[ALERT] sample",
                summary="sample",
                link=None,
                worst="critical",
            )
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{path}:{exc.lineno}: {exc.message}")
        except jinja2.TemplateError as exc:
            line = _line_of(exc)
            problems.append(f"{path}:{line}: {type(exc).__name__}: {exc}")
    return problems


def _line_of(exc: BaseException) -> int:
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
