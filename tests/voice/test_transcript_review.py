"""The reviewer's read of a transcript flags what issue #19 names: teacher words outside #EduMentoring, an error
before any answer, a question asked twice, a wrong plural, an unreadable message."""

from __future__ import annotations

from bot.demo.review import review_transcript

CLEAN = """# Demo transcript

## DM with Ana

- **MentorBot** · Mon 07 Sep 09:00 UTC
> 👋 Welcome! I'll ask you up to 9 short questions.
> **Question 1 of 9** — Would you like to be a mentor, a mentee, or both?
> Buttons: [Mentor] [Mentee] [Both]
- **Ana** · Mon 07 Sep 09:00 UTC
> banana
- **MentorBot** · Mon 07 Sep 09:00 UTC
> ⚠️ Please pick one of: Mentor, Mentee, Both.
> **Question 1 of 9** — Would you like to be a mentor, a mentee, or both?
  ↳ _Ana clicked [Mentee]_
- **MentorBot** · Mon 07 Sep 09:00 UTC
> **Question 2 of 8** — Which time zone are you in?
- **MentorBot** · Tue 08 Sep 09:00 UTC
> Hi Ana, pick up where you left off — here is the question you were on:
> **Question 2 of 8** — Which time zone are you in?
- **MentorBot** · Tue 08 Sep 09:00 UTC
> ▌ **Pairs:** 1
> 1 pair confirmed; 2 pairs at risk.
"""


def test_a_clean_transcript_has_nothing_to_flag() -> None:
    assert review_transcript(CLEAN, "libraries") == []


def test_each_kind_of_problem_is_flagged() -> None:
    bad = CLEAN.replace("Which time zone are you in?\n- **MentorBot** · Tue",
                        "Which time zone are you in?\n- **MentorBot** · Mon 07 Sep 09:00 UTC\n"
                        "> ⚠️ I couldn't recognise that time zone.\n- **MentorBot** · Tue")
    bad += ("- **MentorBot** · Wed 09 Sep 09:00 UTC\n> **Question 3 of 8** — Where do you work?\n"
            "- **MentorBot** · Wed 09 Sep 09:00 UTC\n> **Question 3 of 8** — Where do you work?\n"
            "- **MentorBot** · Wed 09 Sep 09:00 UTC\n> no subject in common; 1 pairs; <@123456789> (empty message)\n")
    found = "\n".join(review_transcript(bad, "runtogether"))
    assert "an error before any answer" in found
    assert "question asked twice: 'Where do you work?'" in found
    assert "teacher word 'subject in common'" in found
    assert "wrong plural '1 pairs'" in found
    assert "unreadable '<@123456789>'" in found and "unreadable '(empty message)'" in found
    assert "teacher word" not in "\n".join(review_transcript(bad, "edumentoring"))
