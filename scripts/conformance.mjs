#!/usr/bin/env node
// The MCP conformance suite (@modelcontextprotocol/conformance, a devDependency) against the
// built server over Streamable HTTP: `npm run test:conformance` (after `npm run build`), and
// test/e2e/conformance.test.ts inside `npm test`. The suite needs Node >= 22 (it uses
// fs.globSync): it runs on the Node 24 that node24.mjs installs from the npm registry, while
// the server runs on this Node. It starts `node dist/cli.js serve --transport http --port 0`
// with a temp state dir and its own tmux socket, runs each scenario that applies, and stops it.
//
// Scenarios that apply: those that test the protocol itself. The others call the reference
// server's own fixtures (a tool `test_simple_text`, a prompt `test_prompt_with_arguments`, a
// resource `test://watched-resource`, …) that this server does not have; what they test is
// covered on the hub's own tools, prompts and resources by test/server/*.test.ts.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24, node24Unavailable, REPO } from './node24.mjs';

export const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'tools-call-error',
  'resources-list',
  'prompts-list',
  'dns-rebinding-protection',
  'server-sse-multiple-streams',
];

/** Not run, and why (each needs a fixture of the reference server, or SSE resumption the hub does not offer). */
export const NOT_APPLICABLE = {
  'completion-complete': 'completes the prompt test_prompt_with_arguments',
  'tools-call-*': 'call the reference tools (test_simple_text, test_image_content, …); tools-call-error runs',
  'resources-read-*, resources-templates-read, resources-subscribe, resources-unsubscribe': 'use test:// resources',
  'prompts-get-*': 'get the reference prompts (test_simple_prompt, …)',
  'elicitation-*, json-schema-2020-12': 'call reference tools that elicit or carry 2020-12 schemas',
  'server-sse-polling': 'calls test_reconnection and needs SSE resumption (an event store), which the hub does not offer',
};

const CLI = join(REPO, 'dist', 'cli.js');
const SUITE = join(REPO, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/** Starts the built server on a free port; resolves with its URL once it printed its ready line. */
function startServer(dir) {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--transport', 'http', '--port', '0', '--state-dir', join(dir, 'state'), '--tmux-socket', `conformance-${process.pid}`],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, CLAUDE_HUB_KEY: 'c'.repeat(64) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  const url = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      log += chunk.toString('utf8');
      const match = /ready: transport=http url=(\S+)/.exec(log);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${log}`)));
    setTimeout(() => reject(new Error(`the server was not ready after 60 s:\n${log}`)), 60_000).unref();
  });
  return { child, url, log: () => log };
}

function runScenario(node, url, scenario, cwd) {
  return new Promise((resolve) => {
    execFile(node, [SUITE, 'server', '--url', url, '--scenario', scenario], { cwd, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(output);
      resolve({
        scenario,
        ok: error === null && summary !== null && summary[3] === '0',
        passed: summary ? Number(summary[1]) : 0,
        checks: summary ? Number(summary[2]) : 0,
        warnings: summary ? Number(summary[4]) : 0,
        output,
      });
    });
  });
}

/**
 * Runs every scenario that applies; resolves with one result per scenario (a failed check is a
 * result, not a throw), and `stuck` when the server did not stop on SIGTERM (a failure too).
 */
export async function runConformance({ scenarios = SCENARIOS } = {}) {
  const node = node24();
  const dir = await mkdtemp(join(tmpdir(), 'hub-conformance-'));
  const server = startServer(dir);
  const results = [];
  let url = null;
  let stuck = null;
  try {
    url = await server.url;
    for (const scenario of scenarios) results.push(await runScenario(node, url, scenario, dir));
  } finally {
    // The server must stop on SIGTERM, as a service manager asks it to; not within 20 s is a failure.
    const exited = new Promise((resolve) => (server.child.exitCode === null ? server.child.once('exit', () => resolve(true)) : resolve(true)));
    server.child.kill('SIGTERM');
    if (!(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(false), 20_000).unref())]))) {
      server.child.kill('SIGKILL');
      stuck = `the server did not exit within 20 s of SIGTERM:\n${server.log().slice(-4000)}`;
    }
    await new Promise((resolve) => execFile('tmux', ['-L', `conformance-${process.pid}`, 'kill-server'], () => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
  return { url, results, stuck, serverLog: server.log() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const why = node24Unavailable();
  if (why) {
    console.log(`test:conformance: skipped (${why}); run @modelcontextprotocol/conformance with your own Node >= 22.`);
    process.exit(0);
  }
  const { url, results, stuck } = await runConformance();
  console.log(`MCP conformance against ${url} (Node ${process.version} server, suite on Node 24):`);
  for (const r of results)
    console.log(`${r.ok ? '✓' : '✗'} ${r.scenario}: ${r.passed}/${r.checks} checks passed${r.warnings ? `, ${r.warnings} warning(s)` : ''}`);
  for (const [scenario, why] of Object.entries(NOT_APPLICABLE)) console.log(`- ${scenario}: not applicable (${why})`);
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) console.log(`\n=== ${r.scenario} ===\n${r.output}`);
  if (stuck) console.log(`\n${stuck}`);
  process.exit(failed.length === 0 && stuck === null ? 0 : 1);
}
