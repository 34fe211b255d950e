"""Parsers for the free-text parts of commands: dates, amounts, durations."""
