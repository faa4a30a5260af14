"""Whether a person rated their match highly in its end-of-match survey (for offering to share a story)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.programmes import Programme
from bot.surveys.ratings import Rating, are_high
from storage.queries import surveys as qs


async def gave_high_ratings(*, session: AsyncSession, programme: Programme, match_id: int, person_id: int) -> bool:
    """True when the person answered the end-of-match survey of ``match_id`` and their ratings (its scale
    questions) average 4 or more out of 5 (the top quarter of the scale); False otherwise, also when they have
    not answered it (yet)."""
    ratings = []
    for answer in await qs.end_ratings(session=session, match_id=match_id, person_id=person_id):
        survey = programme.config.survey(answer.survey_key)
        question = survey.question(answer.question_key) if survey is not None else None
        low, high = (question.low, question.high) if question is not None and question.kind == "scale" else (1, 5)
        if answer.value_int is not None and low <= answer.value_int <= high:
            ratings.append(Rating(answer.value_int, low, high))
    return are_high(ratings)
