"""The reviewer's read of a transcript flags what issue #19 names: teacher words outside #EduMentoring, an error
before any answer, a question asked twice, a wrong plural, an unreadable message. A question is known by the note
the transcript writes from the message's structure (``<!-- asks: key -->``), not by the programme's wording of its
progress line; a reminder to finish the interview by its note too (``<!-- reminds: key -->``), not by its words."""

from __future__ import annotations

from bot.demo.review import review_transcript

CLEAN = """# Demo transcript

## DM with Ana

- **MentorBot** · Mon 07 Sep 09:00 UTC
> 👋 Welcome! I'll ask you up to 9 short questions.
> **Question 1 of 9** — Would you like to be a mentor, a mentee, or both?
> Buttons: [Mentor] [Mentee] [Both]
  <!-- asks: role -->
- **Ana** · Mon 07 Sep 09:00 UTC
> banana
- **MentorBot** · Mon 07 Sep 09:00 UTC
> ⚠️ Please pick one of: Mentor, Mentee, Both.
> **Question 1 of 9** — Would you like to be a mentor, a mentee, or both?
  <!-- asks: role -->
  ↳ _Ana clicked [Mentee]_
- **MentorBot** · Mon 07 Sep 09:00 UTC
> **Question 2 of 8** — Which time zone are you in?
  <!-- asks: timezone -->
- **MentorBot** · Tue 08 Sep 09:00 UTC
> Hi Ana, pick up where you left off — here is the question you were on:
> **Question 2 of 8** — Which time zone are you in?
  <!-- asks: timezone -->
  <!-- reminds: timezone -->
- **MentorBot** · Tue 08 Sep 09:00 UTC
> ▌ **Pairs:** 1
> 1 pair confirmed; 2 pairs at risk.
"""


def test_a_clean_transcript_has_nothing_to_flag() -> None:
    assert review_transcript(CLEAN, "libraries") == []


def test_each_kind_of_problem_is_flagged() -> None:
    bad = CLEAN.replace("<!-- asks: timezone -->\n- **MentorBot** · Tue",
                        "<!-- asks: timezone -->\n- **MentorBot** · Mon 07 Sep 09:00 UTC\n"
                        "> ⚠️ I couldn't recognise that time zone.\n- **MentorBot** · Tue")
    assert bad != CLEAN
    bad += ("- **MentorBot** · Wed 09 Sep 09:00 UTC\n> **Question 3 of 8** — Where do you work?\n"
            "  <!-- asks: workplace -->\n"
            "- **MentorBot** · Wed 09 Sep 09:00 UTC\n> **Question 3 of 8** — Where do you work?\n"
            "  <!-- asks: workplace -->\n"
            "- **MentorBot** · Wed 09 Sep 09:00 UTC\n> no subject in common; 1 pairs; <@123456789> (empty message)\n")
    found = "\n".join(review_transcript(bad, "runtogether"))
    assert "an error before any answer" in found
    assert "question asked twice: 'workplace'" in found
    assert "teacher word 'subject in common'" in found
    assert "wrong plural '1 pairs'" in found
    assert "unreadable '<@123456789>'" in found and "unreadable '(empty message)'" in found
    assert "teacher word" not in "\n".join(review_transcript(bad, "edumentoring"))


def test_a_question_is_known_by_its_note_whatever_the_progress_line_says() -> None:
    reworded = CLEAN.replace("**Question 2 of 8** — ", "Step 2/8: ")  # a programme's own progress line
    assert review_transcript(reworded, "libraries") == []
    twice = reworded + ("- **MentorBot** · Wed 09 Sep 09:00 UTC\n> Step 3/8: Where do you work?\n"
                        "  <!-- asks: workplace -->\n"
                        "- **MentorBot** · Wed 09 Sep 09:00 UTC\n> Step 3/8: Where do you work?\n"
                        "  <!-- asks: workplace -->\n")
    assert "question asked twice: 'workplace'" in "\n".join(review_transcript(twice, "libraries"))


def test_a_reminder_is_known_by_its_note_whatever_its_words() -> None:
    reworded = CLEAN.replace("Hi Ana, pick up where you left off — here is the question you were on:",
                             "Ana, the scheme is still waiting for your answer:")
    assert reworded != CLEAN
    assert review_transcript(reworded, "libraries") == [], "the programme's own reminder is still a reminder"
    unnoted = CLEAN.replace("  <!-- reminds: timezone -->\n", "")
    assert "question asked twice: 'timezone'" in "\n".join(review_transcript(unnoted, "libraries")), \
        "the words 'where you left off' alone do not make a reminder"


def test_the_transcript_notes_a_reminder_from_the_programmes_own_reminder_text() -> None:
    from bot.demo.transcript import reminder_pattern

    pattern = reminder_pattern("{name}, {programme} is still waiting for you — here it is again:")
    assert pattern.match("Ana, Libraries Connected is still waiting for you — here it is again:\n\n**Step 2/8**")
    assert not pattern.match("**Step 2/8** — Which time zone are you in?")
    assert not reminder_pattern("Hi {name}, pick up where you left off").match("Ana, the scheme is still waiting")
