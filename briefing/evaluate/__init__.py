"""Evaluations of briefing's own code on labelled data (used by `briefing eval`)."""
