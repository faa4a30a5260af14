"""Survey answers: one row per question a person answered in one survey they were sent.

The survey itself goes out as a :class:`~storage.models.nudges.Nudge` of kind ``survey`` (its ``step_key`` is
the survey's key; at most one per match, person and survey, and one ``survey_reminder``). The answers are
personal data (``/mydata`` shows them, ``/leave`` deletes them); they keep the match and the invitation as
plain numbers, not foreign keys, so a partner's answers outlive the other person's erasure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import ts_field


class SurveyAnswer(SQLModel, table=True):
    """One answer: a scale value (``value_int``), a choice or free text (``value_text``). A text answer may be
    quoted in reports only with ``quote_ok`` (the person said yes to the consent question)."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("invite_id", "question_key", name="uq_survey_answer_question"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    invite_id: int = Field(index=True)  # the survey nudge it answers (no foreign key: see the module)
    match_id: int | None = Field(default=None, index=True)
    cohort_round_id: int | None = Field(default=None)
    survey_key: str = Field(max_length=40)
    point: str = Field(max_length=20)  # start | day | end: where in the plan the survey was sent
    role: str = Field(max_length=20)  # mentor | mentee
    question_key: str = Field(max_length=40)
    measure: str | None = Field(default=None, max_length=40)  # scales compared from baseline to end
    value_int: int | None = Field(default=None)
    value_text: str | None = Field(default=None, max_length=1000)
    quote_ok: bool | None = Field(default=None)
    answered_at: datetime = ts_field(nullable=False)
