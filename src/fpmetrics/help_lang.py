"""``--help`` in the user's language: Chinese unless ``--lang en`` or FPMETRICS_LANG=en.

The help texts are written in English in cli.py; before the command line is parsed, each
command's and option's help is replaced by its Chinese (i18n.HELP_ZH), and so are the
headings typer writes (Usage, Options, ...). The language is read from the arguments
themselves, as --help is answered before the options are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from fpmetrics.i18n import HELP_ZH, LANGS

_current = ["zh"]
_installed = [False]


def help_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language the run asked for: the last --lang, else FPMETRICS_LANG, else zh."""
    lang = (os.environ if environ is None else environ).get("FPMETRICS_LANG", "zh")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.partition("=")[2]
    return lang if lang in LANGS else LANGS[0]


def _text(text: str) -> str:
    return HELP_ZH.get(text, text) if _current[0] == "zh" else text


def _install() -> None:
    """Route typer's headings through :func:`_text` (once; the language is read per call)."""
    if _installed[0]:
        return
    import typer.core
    from typer._click import core as click_core
    from typer._click.formatting import HelpFormatter

    typer.core._ = _text  # type: ignore[attr-defined]
    write_usage = HelpFormatter.write_usage

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _text("Usage: ") if prefix is None else prefix)

    HelpFormatter.write_usage = usage  # type: ignore[method-assign]
    get_help_option = click_core.Command.get_help_option

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = _text("Show this message and exit.")
        return option

    click_core.Command.get_help_option = help_option  # type: ignore[method-assign]
    _installed[0] = True


def localise(command: Any, lang: str) -> None:
    """``command`` (a click command or group, and its subcommands) with its help texts in
    ``lang``."""
    _current[0] = lang
    _install()
    _walk(command)


def _walk(command: Any) -> None:
    original = command.__dict__.setdefault("_help_en", command.help)
    command.help = _text(original) if original else original
    for param in command.params:
        text = param.__dict__.setdefault("_help_en", getattr(param, "help", None))
        if text:
            param.help = _text(text)
    for sub in getattr(command, "commands", {}).values():
        _walk(sub)
