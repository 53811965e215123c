#!/usr/bin/env node
// Thin entry point: parse argv, run a command. Commands live in src/commands/.
process.stderr.write('claude-hub: skeleton (commands land with the MCP server issue)\n');
