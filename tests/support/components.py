"""Components as Discord keeps them on messages already sent: a button as an earlier version of the bot made it."""

from __future__ import annotations

from bot.sandbox.discord import Message
from bot.sandbox.world import SandboxWorld


def as_sent_before(world: SandboxWorld, message: Message, prefix: str, fields: int) -> list[str]:
    """Cut the custom_id of every button on ``message`` starting with ``prefix`` to its first ``fields`` fields
    after the prefix (a button sent before later fields were added), in the local Discord's copy of the message —
    what a click will carry. The custom_ids as now stored."""
    stored = world.discord.state.messages[message.id]
    cut: list[str] = []
    for row in stored.components:
        for component in row["components"]:
            custom_id = str(component.get("custom_id", ""))
            if custom_id.startswith(prefix):
                head = custom_id[len(prefix):].split(":")[:fields]
                component["custom_id"] = prefix + ":".join(head)
                cut.append(component["custom_id"])
    return cut
