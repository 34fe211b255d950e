"""The pieces every command's parser is written with: a line and its failures (line.py), a
step and its deadline (steps.py), the words of periods (period_words.py). Pure: no store, no
clock. Which command reads a line is decided by the list of commands (bot/commands/__init__.py,
`parse`)."""
