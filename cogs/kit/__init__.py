"""The small Discord kit every cog shares (a library, not a loaded extension).

- :mod:`cogs.kit.messaging` — getting words to people: a DM with the closed-DM fallback, a notice to the
  organisers, the no-ping default, finding a configured channel.
- :mod:`cogs.kit.interactions` — persistent components whose custom_id is built and parsed by their own class,
  acknowledged before any database work, with the one error path every interaction ends in.
- :mod:`cogs.kit.interview` — the interview as Discord messages: a flow step rendered with its components and
  delivered where the person's conversation lives (used by onboarding, profiles, organisers and intake).
- :mod:`cogs.kit.ports` — the Discord side effects the services ask for (create a pair's space, send its
  messages), implemented here so services never import discord.
"""
