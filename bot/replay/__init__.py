"""/thread replays: jobs stored in their own SQLite database (jobs) and the loop that posts them
(runner). The command, its buttons and what the person sees live in cogs/thread.py."""
