"""Leadcheck: the compliance checks a lead buyer pays for, behind one window and one command."""

__version__ = "0.1.0"
