"""The one exception type that ends a run with exit code 2 and a message, not a traceback."""

from __future__ import annotations

from fpmetrics.i18n import Message


class InputError(Exception):
    """The run cannot be done: a missing or unreadable file, a broken rule file, a bad option.

    It carries a code, not text: ``code`` is the message id (:data:`fpmetrics.i18n.MESSAGES`),
    ``params`` its values, and :meth:`render` words it in a language. ``str()`` is the
    Chinese text (the default language); the CLI renders it in the language of the run.
    """

    def __init__(self, key: str | Message, /, **params: object) -> None:
        message = key if isinstance(key, Message) else Message(key, **params)
        if isinstance(key, Message) and params:
            raise TypeError("InputError(Message) takes no further parameters")
        super().__init__(message)
        self.msg = message

    @property
    def code(self) -> str:
        return self.msg.key

    @property
    def params(self) -> dict[str, object]:
        return dict(self.msg.params)

    def render(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.msg.render(lang)

    @property
    def message(self) -> str:
        """The Chinese text (as :meth:`render` with the default language)."""
        return self.render()

    def __str__(self) -> str:
        return self.render()
