"""What a person typed or sent at a step of a flow, and the refusal of an answer: the step's
reader (a pure function of the answer) says what to store or why it cannot."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """A message at a flow step, as the readers see it (no Telegram object)."""

    text: str = ""  # typed text or a caption, stripped
    photo_id: str | None = None  # the largest size of a photo
    document_id: str | None = None
    mime_type: str = ""  # of the document
    file_size: int = 0  # of the document, as Telegram declares it


class AnswerError(ValueError):
    """The answer cannot be taken; `code` names why, `info` what the explanation shows."""

    def __init__(self, code: str, **info) -> None:
        super().__init__(code)
        self.code = code
        self.info = info
