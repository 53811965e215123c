/**
 * An isolated world for a real Claude Code in tests: its own HOME with a seeded
 * `.claude.json` (onboarding done, API key approved, roots trusted — each can be turned off to
 * make the matching dialog appear), optional `acceptEdits` in the HOME's settings, and the env
 * an agent gets (pointing at the fake model on 127.0.0.1). Nothing of the runner's env leaks in.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout that holds node_modules/ (found upwards, so a compiled copy of this file works too). */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@anthropic-ai', 'claude-code'))) return dir;
    if (dirname(dir) === dir) return resolve(start, '..', '..');
  }
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const CLAUDE_BIN = process.env.CLAUDE_HUB_TEST_CLAUDE ?? join(REPO_ROOT, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');

export interface ClaudeEnvOptions {
  /** Base URL of the fake model (startFakeAnthropic().url). */
  readonly baseUrl: string;
  /** Roots to mark trusted (and project-onboarded). */
  readonly trustedRoots?: readonly string[];
  readonly onboarded?: boolean;
  readonly approveKey?: boolean;
  /** Put `permissions.defaultMode: acceptEdits` in the HOME's `.claude/settings.json`. */
  readonly acceptEdits?: boolean;
  /**
   * Leave Claude Code's one-time offer "Make auto mode your default permission mode?" unanswered
   * (2.1.332 shows it at start-up to a person whose settings say acceptEdits, until they answer
   * it once; answering records `hasSeenAutoDefaultNudge`). By default the HOME is that of a
   * person who answered it: the offer comes a moment after start-up, later on a loaded machine,
   * and only the test of that menu wants it.
   */
  readonly autoModeOffer?: boolean;
}

export interface ClaudeEnv {
  readonly home: string;
  readonly apiKey: string;
  /** The whole environment for an agent process. */
  readonly env: Readonly<Record<string, string>>;
  cleanup(): Promise<void>;
}

export async function createClaudeEnv(options: ClaudeEnvOptions): Promise<ClaudeEnv> {
  const home = await realpath(await mkdtemp(join(tmpdir(), 'hub-home-')));
  const apiKey = `sk-ant-fake-${Math.random().toString(36).slice(2)}-test-key-0123456789`;
  const projects: Record<string, unknown> = {};
  for (const root of options.trustedRoots ?? []) projects[root] = { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true };
  const seeded: Record<string, unknown> = {
    hasCompletedOnboarding: options.onboarded ?? true,
    customApiKeyResponses: (options.approveKey ?? true) ? { approved: [apiKey.slice(-20)], rejected: [] } : { approved: [], rejected: [] },
    projects,
    ...(options.autoModeOffer === true ? {} : { hasSeenAutoDefaultNudge: true }),
  };
  await writeFile(join(home, '.claude.json'), JSON.stringify(seeded, null, 2));
  await mkdir(join(home, '.claude'), { recursive: true });
  if (options.acceptEdits) await writeFile(join(home, '.claude', 'settings.json'), JSON.stringify({ permissions: { defaultMode: 'acceptEdits' } }));
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: process.env.USER ?? 'test',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    SHELL: '/bin/sh',
    TMPDIR: tmpdir(),
    ANTHROPIC_API_KEY: apiKey,
    ANTHROPIC_BASE_URL: options.baseUrl,
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  return {
    home,
    apiKey,
    env,
    // A claude that was just killed may still be writing under HOME for a moment.
    cleanup: () => rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
  };
}
