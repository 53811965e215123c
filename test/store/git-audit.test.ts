import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { HubError } from '../../src/errors.js';
import { GitAudit } from '../../src/store/git-audit.js';
import { silentLogger } from '../../src/log.js';

let base: string;
let repo: string;
let env: Record<string, string>;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hub-git-'));
  repo = join(base, 'repo');
  const home = join(base, 'home');
  await mkdir(repo);
  await mkdir(home);
  // An isolated git identity: never the runner's HOME or global config.
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Pat Person',
    GIT_AUTHOR_EMAIL: 'pat@example.test',
    GIT_COMMITTER_NAME: 'Pat Person',
    GIT_COMMITTER_EMAIL: 'pat@example.test',
  };
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd, env })).stdout;
}

async function userRepo(): Promise<void> {
  await git(repo, 'init', '-q', '-b', 'main');
  await writeFile(join(repo, 'README.md'), 'readme\n');
  await writeFile(join(repo, 'TODO.md'), '# TODO\n- [ ] one\n');
  await git(repo, 'add', '.');
  await git(repo, 'commit', '-q', '-m', 'initial');
}

async function userView(): Promise<Record<string, string>> {
  // The index bytes first, and `--no-optional-locks`: a plain `git status` would itself refresh the index.
  const index = (await readFile(join(repo, '.git', 'index'))).toString('hex');
  return {
    index,
    status: await git(repo, '--no-optional-locks', 'status', '--porcelain=v1', '--untracked-files=all'),
    head: await git(repo, 'rev-parse', 'HEAD'),
    symbolic: await git(repo, 'symbolic-ref', 'HEAD'),
    stash: await git(repo, 'stash', 'list'),
    branches: await git(repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/main', 'refs/stash'),
    readme: await readFile(join(repo, 'README.md'), 'utf8'),
    diff: await git(repo, '--no-optional-locks', 'diff', '--', 'README.md'),
    cached: await git(repo, '--no-optional-locks', 'diff', '--cached'),
  };
}

const agent = (name: string) => ({ kind: 'agent' as const, name });
const person = { kind: 'person' as const, name: 'Pat Person', email: 'pat@example.test' };

describe('GitAudit in the user repository', () => {
  it('50 records leave branch, HEAD, index, status, stash and working tree identical; only the audit ref moves', async () => {
    await userRepo();
    // A user mid-work: a stash, a staged change, an unstaged change, an untracked file.
    await writeFile(join(repo, 'README.md'), 'stashed\n');
    await git(repo, 'stash', '-q');
    await writeFile(join(repo, 'README.md'), 'readme, edited and staged\n');
    await git(repo, 'add', 'README.md');
    await writeFile(join(repo, 'README.md'), 'readme, edited again (unstaged)\n');
    await writeFile(join(repo, 'notes.txt'), 'untracked\n');
    await mkdir(join(repo, '.claude-hub', 'tasks'), { recursive: true });
    const before = await userView();

    const audit = await GitAudit.open(repo, { env });
    expect(audit.mode).toBe('repository');
    for (let i = 1; i <= 50; i += 1) {
      const task = `.claude-hub/tasks/T-${i % 5}.md`;
      await writeFile(join(repo, 'TODO.md'), `# TODO\n- [x] item ${i}\n`);
      await writeFile(join(repo, task), `---\nid: T-${i % 5}\n---\nrev ${i}\n`);
      const result = await audit.record({ files: ['TODO.md', task], actor: i % 2 ? agent('Agent_2') : person, summary: `edit ${i}`, session: 'web' });
      expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    }
    const after = await userView();
    // Only TODO.md and the task files changed on disk (by this test); everything git-side of the user is identical.
    expect({ ...after, status: '' }).toEqual({ ...before, status: '' });
    const statusLines = (s: string) => s.split('\n').filter((l) => l !== '' && !l.includes('TODO.md') && !l.includes('.claude-hub/'));
    expect(statusLines(after.status ?? '')).toEqual(statusLines(before.status ?? ''));
    expect(await git(repo, 'rev-list', '--count', 'claude-hub/audit')).toBe('50\n');
    expect(await stat(join(repo, '.git', 'index.lock')).catch(() => null)).toBeNull();

    // The audit tree holds exactly the recorded files: never README.md or notes.txt.
    const tree = (await git(repo, 'ls-tree', '-r', '--name-only', 'claude-hub/audit')).trim().split('\n');
    expect(tree.sort()).toEqual([
      '.claude-hub/tasks/T-0.md',
      '.claude-hub/tasks/T-1.md',
      '.claude-hub/tasks/T-2.md',
      '.claude-hub/tasks/T-3.md',
      '.claude-hub/tasks/T-4.md',
      'TODO.md',
    ]);
    expect(await git(repo, 'show', 'claude-hub/audit:TODO.md')).toBe('# TODO\n- [x] item 50\n');

    // `git log claude-hub/audit -- TODO.md` reads as history, attributed to who did it.
    const history = (await git(repo, 'log', '--format=%an <%ae>|%s|%(trailers:key=Hub-Actor,valueonly)', 'claude-hub/audit', '--', 'TODO.md'))
      .split('\n')
      .filter((l) => l !== '');
    expect(history).toHaveLength(50);
    expect(history[0]).toBe('Pat Person <pat@example.test>|TODO.md, .claude-hub/tasks/T-0.md: edit 50|person:Pat Person');
    expect(history[1]).toBe('Agent_2 <Agent_2@agent.claude-hub.invalid>|TODO.md, .claude-hub/tasks/T-4.md: edit 49|agent:Agent_2');
    const message = await git(repo, 'log', '-1', '--format=%B', 'claude-hub/audit');
    expect(message).toContain('Hub-Session: web');
    expect(await git(repo, 'log', '-1', '--format=%cn', 'claude-hub/audit')).toBe('claude-hub\n');
  });

  it('an unchanged file makes no commit; a deleted file is recorded as a deletion', async () => {
    await userRepo();
    const audit = await GitAudit.open(repo, { env });
    await writeFile(join(repo, 'task.md'), 'x\n');
    const first = await audit.record({ files: ['TODO.md', 'task.md'], actor: agent('A'), summary: 'created' });
    expect(first.commit).not.toBeNull();
    expect((await audit.record({ files: ['TODO.md'], actor: agent('A'), summary: 'same' })).commit).toBeNull();
    await unlink(join(repo, 'task.md'));
    const deletion = await audit.record({ files: ['task.md'], actor: person, summary: 'deleted the task' });
    expect(deletion.commit).not.toBeNull();
    expect(await git(repo, 'ls-tree', '-r', '--name-only', 'claude-hub/audit')).toBe('TODO.md\n');
    expect(await git(repo, 'log', '--diff-filter=D', '--format=%s', 'claude-hub/audit', '--', 'task.md')).toBe('task.md: deleted the task\n');
    // The user's HEAD commit still has task.md absent and README present: nothing swept.
    expect(await git(repo, 'status', '--porcelain')).toBe('');
  });

  it('a symlink is not followed or recorded (its path keeps its last recorded content)', async () => {
    await userRepo();
    const { symlink } = await import('node:fs/promises');
    const audit = await GitAudit.open(repo, { env });
    await writeFile(join(base, 'outside-secret.txt'), 'outside the root\n');
    await symlink(join(base, 'outside-secret.txt'), join(repo, 'link.md'));
    expect(await audit.record({ files: ['link.md'], actor: agent('A'), summary: 'link' })).toEqual({ commit: null, batched: 1 });
    await audit.record({ files: ['TODO.md', 'link.md'], actor: agent('A'), summary: 'todo' });
    expect(await git(repo, 'ls-tree', '-r', '--name-only', 'claude-hub/audit')).toBe('TODO.md\n');
    // Nor a regular file reached through a symlinked directory that leaves the root.
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'elsewhere', 'T-1.md'), 'outside\n');
    await symlink(join(base, 'elsewhere'), join(repo, 'tasks'));
    expect((await audit.record({ files: ['tasks/T-1.md'], actor: agent('A'), summary: 'x' })).commit).toBeNull();
    expect(await git(repo, 'ls-tree', '-r', '--name-only', 'claude-hub/audit')).toBe('TODO.md\n');
  });

  it('paths outside the root are refused with INVALID_PATH and the ref does not move', async () => {
    await userRepo();
    const audit = await GitAudit.open(repo, { env });
    await audit.record({ files: ['TODO.md'], actor: agent('A'), summary: 'first' });
    const head = await audit.head();
    for (const bad of ['../outside.md', '/etc/passwd', '.git/config', '']) {
      const error = await audit.record({ files: [bad], actor: agent('A'), summary: 'bad' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).code).toBe('INVALID_PATH');
    }
    expect(await audit.head()).toBe(head);
  });

  it('records waiting together from one actor share a commit; other actors get their own', async () => {
    await userRepo();
    const audit = await GitAudit.open(repo, { env, settleMs: 20 });
    await writeFile(join(repo, 'a.md'), 'a\n');
    await writeFile(join(repo, 'b.md'), 'b\n');
    await writeFile(join(repo, 'c.md'), 'c\n');
    const results = await Promise.all([
      audit.record({ files: ['a.md'], actor: agent('A'), summary: 'wrote a' }),
      audit.record({ files: ['b.md'], actor: agent('A'), summary: 'wrote b' }),
      audit.record({ files: ['c.md'], actor: agent('B'), summary: 'wrote c' }),
    ]);
    expect(results[0]).toEqual(results[1]);
    expect(results[0]?.batched).toBe(2);
    expect(results[2]?.commit).not.toBe(results[0]?.commit);
    expect(await git(repo, 'log', '--format=%an|%s', 'claude-hub/audit')).toBe('B|c.md: wrote c\nA|a.md, b.md: wrote a; wrote b\n');
  });

  it('a session root in a subdirectory records repo-relative paths', async () => {
    await userRepo();
    await mkdir(join(repo, 'web'));
    await writeFile(join(repo, 'web', 'TODO.md'), 'web todo\n');
    const audit = await GitAudit.open(join(repo, 'web'), { env });
    await audit.record({ files: ['TODO.md'], actor: agent('A'), summary: 'web todo' });
    expect(await git(repo, 'ls-tree', '-r', '--name-only', 'claude-hub/audit')).toBe('web/TODO.md\n');
  });
});

describe('GitAudit under concurrency', () => {
  it('a user committing in a loop while the hub records: no user commit fails, both histories complete', async () => {
    await userRepo();
    const audit = await GitAudit.open(repo, { env });
    const userLoop = (async () => {
      for (let i = 0; i < 25; i += 1) {
        await writeFile(join(repo, 'README.md'), `readme ${i}\n`);
        await git(repo, 'add', 'README.md');
        await git(repo, 'commit', '-q', '-m', `user ${i}`);
      }
    })();
    const hubLoop = (async () => {
      for (let i = 0; i < 25; i += 1) {
        await writeFile(join(repo, 'TODO.md'), `# TODO\n- [x] hub ${i}\n`);
        await audit.record({ files: ['TODO.md'], actor: agent('Agent_1'), summary: `tick ${i}` });
      }
    })();
    await Promise.all([userLoop, hubLoop]);
    expect(await git(repo, 'rev-list', '--count', 'main')).toBe('26\n');
    expect(await git(repo, 'rev-list', '--count', 'claude-hub/audit')).toBe('25\n');
    expect(await git(repo, 'log', '-1', '--format=%s', 'main')).toBe('user 24\n');
    expect(await git(repo, 'fsck', '--no-progress')).toBe('');
  });

  it('two hub instances on one root race on the ref: compare-and-swap keeps every record', async () => {
    await userRepo();
    let retries = 0;
    const logger = { ...silentLogger, debug: (message: string) => void (message.includes('retrying') && (retries += 1)) };
    const one = await GitAudit.open(repo, { env, logger });
    const two = await GitAudit.open(repo, { env, logger });
    // Each instance records one file at a time; the two race on the same ref.
    const loop = async (audit: GitAudit, who: string): Promise<void> => {
      for (let i = 0; i < 10; i += 1) {
        const name = `${who}-${i}.md`;
        await writeFile(join(repo, name), `${i}\n`);
        await audit.record({ files: [name], actor: agent(who), summary: name });
      }
    };
    await Promise.all([loop(one, 'One'), loop(two, 'Two')]);
    const tree = (await git(repo, 'ls-tree', '--name-only', 'claude-hub/audit')).trim().split('\n');
    expect(tree).toHaveLength(20);
    expect(await git(repo, 'rev-list', '--count', 'claude-hub/audit')).toBe('20\n');
    // Linear history with every record, whether or not a CAS retry was needed this time.
    expect(await git(repo, 'rev-list', '--merges', '--count', 'claude-hub/audit')).toBe('0\n');
    process.stderr.write(`git audit race: ${retries} compare-and-swap retries\n`);
  });
});

describe('GitAudit when git cannot be used', () => {
  it('a repository git refuses (dubious ownership) is GIT_ERROR, not silently a second history', async () => {
    await userRepo();
    const { chown } = await import('node:fs/promises');
    const uid = process.getuid?.();
    // Only a privileged runner can hand the repo to another owner; otherwise own it by ourselves and expect success.
    if (uid === 0) {
      const chownTree = async (path: string): Promise<void> => {
        await chown(path, 4321, 4321);
        const { readdir, lstat } = await import('node:fs/promises');
        if ((await lstat(path)).isDirectory()) for (const name of await readdir(path)) await chownTree(join(path, name));
      };
      await chownTree(repo);
      const error = await GitAudit.open(repo, { env }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).code).toBe('GIT_ERROR');
      expect((error as HubError).message).toMatch(/dubious ownership/);
    } else {
      expect((await GitAudit.open(repo, { env })).mode).toBe('repository');
    }
    expect(await stat(join(repo, '.claude-hub')).catch(() => null)).toBeNull();
  });

  it('git missing from PATH is GIT_ERROR and creates nothing', async () => {
    const root = join(base, 'plain');
    await mkdir(root);
    const error = await GitAudit.open(root, { env: { ...env, PATH: join(base, 'no-bin') } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('GIT_ERROR');
    expect(await stat(join(root, '.claude-hub')).catch(() => null)).toBeNull();
  });
});

describe('GitAudit outside a git repository', () => {
  it('uses <root>/.claude-hub/history.git with the root as work tree, and never creates .git', async () => {
    const root = join(base, 'plain');
    await mkdir(root);
    await writeFile(join(root, 'TODO.md'), 'one\n');
    const audit = await GitAudit.open(root, { env });
    expect(audit.mode).toBe('history');
    await audit.record({ files: ['TODO.md'], actor: agent('A'), summary: 'first' });
    await writeFile(join(root, 'TODO.md'), 'two\n');
    await audit.record({ files: ['TODO.md'], actor: person, summary: 'second' });
    expect(await stat(join(root, '.git')).catch(() => null)).toBeNull();
    const gitDir = join(root, '.claude-hub', 'history.git');
    expect(await git(root, '--git-dir', gitDir, 'log', '--format=%an|%s', 'claude-hub/audit', '--', 'TODO.md')).toBe(
      'Pat Person|TODO.md: second\nA|TODO.md: first\n',
    );
    expect(await git(root, '--git-dir', gitDir, 'show', 'claude-hub/audit:TODO.md')).toBe('two\n');
    // Reopening finds the same history repository.
    const again = await GitAudit.open(root, { env });
    expect(await again.head()).toBe(await audit.head());
  });
});
