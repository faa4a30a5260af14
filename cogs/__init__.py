"""Thin discord.py adapters, one package per user-facing feature: each turns a Discord event (slash command,
button, select, modal, message, member join) into one service call (``bot.services``) and the result into one
reply. No SQL and no workflow here.

- ``kit/`` the Discord kit every cog shares (not an extension): messaging (DMs with the closed-DM fallback,
  organiser notices, no pings), persistent components that build and parse their own custom_id, the one error
  path, the interview as messages
- ``dms/`` the one listener for direct messages: an interview answer, a link code, or a short help text
- ``intake/`` the hashtag pollers' jobs, the organisers' lead queue, ``/link``
- ``onboarding/`` the interview in DMs (or a private thread when DMs are closed), ``/join``
- ``profiles/`` members' own data: ``/profile``, ``/pause``, ``/resume``, ``/mydata``, ``/leave``
- ``matching/`` ``/match`` preview, confirm, pair, unpair; the pair announcements
- ``nudges/`` the dispatch job, check-in buttons and their follow-ups, the weekly digest
- ``surveys/`` the survey dispatch job and the survey's answer buttons, menu and form
- ``organisers/`` programme set-up, stats, people, onboarding, CSV export/import, audit
- ``_common`` which programme a command means, and the organiser check
"""
