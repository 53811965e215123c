// After tsc: make the CLI entry executable (tsc does not keep modes), and ship the board's page
// files (plain HTML/CSS/JS, not TypeScript) beside the compiled server.
import { chmodSync, cpSync, existsSync } from 'node:fs';
const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
cpSync(new URL('../src/board/page/', import.meta.url), new URL('../dist/board/page/', import.meta.url), { recursive: true });
