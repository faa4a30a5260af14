"""The local X checks OAuth 1.0a signatures and refuses user-context calls from an app-only bearer token, as X
does, so a client that signs wrongly or has only X_BEARER_TOKEN meets the same answers it would on X."""

from __future__ import annotations

import pytest
from tweepy.errors import Forbidden, Unauthorized

from bot.sandbox.x import SandboxX
from bot.sandbox.x.oauth import base_string, sign


def test_the_signature_is_rfc_5849s_example() -> None:
    # RFC 5849 §3.4.1.1's example request, with its §1.2 secrets
    params = [("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b"), ("oauth_consumer_key", "9djdj82h48djs9d2"),
              ("oauth_token", "kkk9d7dh3k39sjv7"), ("oauth_signature_method", "HMAC-SHA1"),
              ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"), ("c2", ""), ("a3", "2 q")]
    base = base_string("POST", "http://example.com/request", params)
    assert base.startswith("POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D")
    assert sign(base, "j49sk3j29djd", "dh893hdasih9") == "r6/TJjbCOr97/+UU0NsvSne7s5g="


async def test_user_context_calls_need_a_valid_signature(sandbox: SandboxX) -> None:
    good = sandbox.make_client(user_only=True)
    assert (await good.get_me(user_auth=True)).data.username == "MentorBot"
    stale = sandbox.make_client(user_only=True, consumer_secret="old-secret")
    with pytest.raises(Unauthorized):
        await stale.get_me(user_auth=True)
    assert sandbox.oauth_failures == ["signature does not match"]


async def test_an_app_only_bearer_token_may_search_but_not_act_as_a_user(sandbox: SandboxX) -> None:
    app_only = sandbox.make_client(bearer_only=True)
    await app_only.search_recent_tweets("#EduMentoring")
    with pytest.raises(Forbidden, match="Application-Only is forbidden"):
        await app_only.get_me(user_auth=False)
    with pytest.raises(Forbidden, match="Application-Only is forbidden"):
        await app_only.create_tweet(text="hello", user_auth=False)
