"""Mentors as a community: the mentor circle (a private channel for everyone who mentors) and programme
events (development days, webinars, cohort training) with reminders in each person's daytime. Pure domain
code: configuration and the arithmetic of reminders; the workflows are in ``bot.services``."""
