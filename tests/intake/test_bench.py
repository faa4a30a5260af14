"""The intake benchmark runs end to end and reports where the time goes."""

from __future__ import annotations

from bot.intake.bench import bench_x_ingest


async def test_bench_ingests_every_post_and_splits_the_time() -> None:
    result = await bench_x_ingest(posts=450)
    assert result["posts"] == 450 and result["pages"] == 5 and result["complete"]
    assert result["distinct_leads"] == 90
    assert result["posts_per_s"] > 0
    assert 0 < result["http_share"] < 1 and abs(result["http_share"] + result["own_share"] - 1) < 0.01
