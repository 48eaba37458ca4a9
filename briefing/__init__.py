"""briefing: news feeds into a daily briefing people read."""

__version__ = "0.1.0"
