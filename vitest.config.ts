import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Tests that run a real Claude Code. They run once per pinned release (package.json
 * devDependencies: the oldest supported as @anthropic-ai/claude-code, the current one as the
 * alias claude-code-current), each addressed by its package path because both packages provide
 * a `claude` bin. CLAUDE_HUB_TEST_CLAUDE=/path/to/claude runs them against that binary instead
 * (`npm run test:claude`: one command to check a new release).
 */
export const REAL_CLAUDE_TESTS = [
  'test/e2e/agents.test.ts',
  'test/e2e/hub.test.ts',
  'test/e2e/crash.test.ts',
  'test/e2e/hostile-tools.test.ts',
  'test/e2e/mcp-stdio.test.ts',
  'test/security/guard-claude.test.ts',
  'test/security/sandbox-claude.test.ts',
  'test/security/sandbox-hub.test.ts',
  'test/install/plugin-claude.test.ts',
  'test/board/board-claude.test.ts',
  'test/e2e/orchestrator-claude.test.ts',
  'test/e2e/usage-claude.test.ts',
];

interface Release {
  readonly name: string;
  readonly bin: string;
}

/** The pinned releases, read from package.json so the pins are the one place they are named. */
function pinnedReleases(): Release[] {
  const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
  const oldest = pkg.devDependencies['@anthropic-ai/claude-code'] ?? 'unknown';
  const current = /@(\d[^@]*)$/.exec(pkg.devDependencies['claude-code-current'] ?? '')?.[1] ?? 'unknown';
  return [
    { name: `claude-${oldest}`, bin: 'node_modules/@anthropic-ai/claude-code/bin/claude.exe' },
    { name: `claude-${current}`, bin: 'node_modules/claude-code-current/bin/claude.exe' },
  ];
}

const custom = process.env.CLAUDE_HUB_TEST_CLAUDE;
const releases: Release[] = custom ? [{ name: 'claude-custom', bin: custom }] : pinnedReleases();

export default defineConfig({
  test: {
    setupFiles: ['test/setup-fast-check.ts'],
    // Real tmux, git, chokidar and Claude Code: give slow machines room, never assert on time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: REAL_CLAUDE_TESTS } },
      ...releases.map((release) => ({
        extends: true as const,
        test: {
          name: release.name,
          include: REAL_CLAUDE_TESTS,
          env: { CLAUDE_HUB_TEST_CLAUDE: release.bin.startsWith('/') ? release.bin : new URL(release.bin, import.meta.url).pathname },
        },
      })),
    ],
  },
});
