/** The README says what the code does: checked where a test can check it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/commands/command-io.js';
import { SERVE_FLAGS, envName } from '../../src/commands/serve-options.js';
import { SECURITY_LEVELS } from '../../src/config.js';
import { TOOL_LEVELS } from '../../src/server/tool-levels.js';
import { DEFAULT_AUDIT_REF } from '../../src/store/git-audit.js';
import { REPO } from './run-cli.js';

const readme = async (): Promise<string> => readFile(join(REPO, 'README.md'), 'utf8');

describe('README against the code', () => {
  it('the tools table gives every tool the level the server enforces, and no other tool', async () => {
    const rows = [...(await readme()).matchAll(/^\| `([a-z_]+)` \| (?:[^|]|\\\|)* \| (LOW|MEDIUM|HIGH) \|/gm)].map((m) => [m[1], m[2]] as const);
    expect(Object.fromEntries(rows)).toEqual({ ...TOOL_LEVELS });
    expect(rows).toHaveLength(Object.keys(TOOL_LEVELS).length);
  });

  it('the security levels paragraph names each tool at the level it needs', async () => {
    const paragraph = /\*\*Security levels\.\*\*([\s\S]*?)\n\n/.exec(await readme())?.[1] ?? '';
    // Each level's clause runs from its name to the next level's name.
    const clauses = SECURITY_LEVELS.map((level, at) => {
      const next = SECURITY_LEVELS[at + 1];
      const clauseStart = (name: string): number => paragraph.search(new RegExp(`\`${name}\`\\s+(offers|adds)`));
      return [level, paragraph.slice(clauseStart(level), next === undefined ? undefined : clauseStart(next))] as const;
    });
    for (const [level, clause] of clauses) {
      const named = [...clause.matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)].map((m) => m[1]!).sort();
      const expected = Object.entries(TOOL_LEVELS)
        .filter(([, needs]) => needs === level)
        .map(([tool]) => tool)
        .sort();
      expect(named, level).toEqual(expected);
    }
  });

  it('the serve options table has every serve flag with its environment variable, and XDG_STATE_HOME', async () => {
    const text = await readme();
    const table = text.slice(text.indexOf('`serve` options'), text.indexOf('Bad values stop `serve`'));
    for (const flag of Object.keys(SERVE_FLAGS)) {
      // Cells may hold escaped pipes (`stdio\|http`).
      expect(table, flag).toMatch(new RegExp(`^\\| \`--${flag}[ \`](?:[^|]|\\\\\\|)*\\| \`${envName(flag)}\` \\|`, 'm'));
    }
    const rows = table.split('\n').filter((line) => line.startsWith('| `--'));
    expect(rows).toHaveLength(Object.keys(SERVE_FLAGS).length);
    expect(table).toContain('XDG_STATE_HOME');
  });

  it('names the git ref the history is on, and how to see it', async () => {
    const text = await readme();
    expect(DEFAULT_AUDIT_REF).toBe('refs/heads/claude-hub/audit');
    expect(text).toContain('`refs/heads/claude-hub/audit`');
    expect(text).toContain('git log claude-hub/audit');
  });

  it('documents the exit codes the commands use', async () => {
    const text = await readme();
    for (const [code, meaning] of [
      [EXIT_OK, 'done, nothing wrong found'],
      [EXIT_FAILED, 'a failure found, or a runtime error'],
      [EXIT_USAGE, 'usage or bad input'],
    ] as const) {
      expect(text).toMatch(new RegExp(`^\\| \`${code}\` \\| ${meaning} \\|`, 'm'));
    }
  });
});
