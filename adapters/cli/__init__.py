"""The `dealbot` command and the wiring of a running dealbot: the composition root, where
the core, the store and the platforms are put together (main.py: the commands; store.py:
export and dead letters; assembly.py: the core and what runs after the inbox; process.py:
this process's name and leases; logs.py: log set-up and redaction)."""
