#!/bin/sh
# claude-hub stop hook (PreToolUse, every tool): while the file named in $1 exists and is not
# empty, every tool call is refused with its text (the session's budget is spent: the hub
# writes the reason there, and removes the file when the person raises the budget). Exit 2 is
# what blocks a call; Claude Code shows stderr to the model. No file: no opinion, exit 0 at once.
cat >/dev/null 2>&1
[ -s "$1" ] || exit 0
cat "$1" >&2 2>/dev/null
exit 2
