"""The command line: ``python -m bot`` and the ``mentorbot`` console script.

One module per command or command group, each registering onto the one typer app built here:

- ``options``: the shared console, the ``--config``/``--log-level`` options and config loading
- ``run``: ``run`` (the bot against Discord)
- ``config``: ``check-config`` (validate a config file, note missing credentials)
- ``doctor``: ``doctor`` (check the Discord servers and the platforms' credentials for real, before ``run``)
- ``db``: ``db upgrade | backup | restore``
- ``match``: ``match`` (the offline matcher over a people CSV)
- ``demo``: ``demo`` (a whole programme against the local sandboxes)
- ``bench``: ``bench matching | sandbox | intake | nudges | load | interactions``
- ``report``: ``report`` (a programme's outcomes: chart, anonymised CSV, summary)
"""

from __future__ import annotations

import typer

from bot.cli import bench, config, db, demo, doctor, match, report, run

app = typer.Typer(help="mentorbot: runs peer-mentoring programmes on Discord.", no_args_is_help=True,
                  add_completion=False)
app.add_typer(db.app, name="db")
app.add_typer(bench.app, name="bench")
app.command("check-config")(config.check_config)
app.command("run")(run.run)
app.command("doctor")(doctor.doctor)
app.command("match")(match.match)
app.command("demo")(demo.demo)
app.command("report")(report.report)

__all__ = ["app"]
