#!/bin/sh
# claude-hub hook: append the hook's JSON (stdin) as ONE line to the event file named in $1.
# It must never slow down or fail the agent's turn: no output, always exit 0, even when the
# state directory is gone (it is recreated) or the file cannot be written.
file=$1
if [ -z "$file" ]; then cat >/dev/null 2>&1; exit 0; fi
dir=${file%/*}
[ -d "$dir" ] || mkdir -p "$dir" 2>/dev/null
# JSON has no raw newlines inside strings: dropping them keeps one event per line.
line=$(tr -d '\r\n' 2>/dev/null)
# The newline goes into the same string so the line is ONE write(2) (O_APPEND): hooks that run
# at the same time never interleave, even for large events (printf '%s\n' writes it separately).
nl='
'
[ -n "$line" ] && printf '%s' "$line$nl" >>"$file" 2>/dev/null
exit 0
