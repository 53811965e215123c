import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError } from '../../src/errors.js';
import { isInside, resolveInsideRoot, resolveReal, validateSessionRoot } from '../../src/security/paths.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
  return 'ACCEPTED';
}

describe('session roots and paths (real temp dirs, real symlinks)', () => {
  let base: string;
  let home: string;
  let a: string;
  let b: string;
  let stateDir: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'hub-paths-')));
    home = join(base, 'home');
    a = join(home, 'proj-a');
    b = join(home, 'proj-b');
    stateDir = join(base, 'state dir');
    await mkdir(join(a, 'sub', 'deep'), { recursive: true });
    await mkdir(join(b, 'src'), { recursive: true });
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(b, 'secret.txt'), 'b\n');
    await writeFile(join(home, 'file.txt'), 'f\n');
    await symlink(b, join(a, 'link-to-b'));
    await symlink(join(b, 'src'), join(home, 'b-src-alias'));
    await symlink(join(a, 'sub', 'deep'), join(a, 'deep-link'));
    await symlink('loop', join(a, 'loop'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  describe('resolveReal', () => {
    it('follows symlinks before applying .. (as the kernel does)', async () => {
      // a/deep-link → a/sub/deep, so deep-link/.. is a/sub, not a.
      // (Template strings: path.join would collapse the `..` lexically before we see it.)
      expect(await resolveReal(`${a}/deep-link/..`)).toBe(join(a, 'sub'));
      expect(await resolveReal(`${a}/deep-link/../x`)).toBe(join(a, 'sub', 'x'));
      expect(await resolveReal(join(a, 'link-to-b', 'secret.txt'))).toBe(join(b, 'secret.txt'));
    });

    it('resolves a path that does not exist yet through its nearest existing ancestor', async () => {
      expect(await resolveReal(join(a, 'link-to-b', 'new', 'file.txt'))).toBe(join(b, 'new', 'file.txt'));
      expect(await resolveReal(`${a}/missing/../../proj-b/x`)).toBe(join(b, 'x'));
      expect(await resolveReal(`${a}/link-to-b/../proj-a/sub`)).toBe(join(a, 'sub'));
      expect(await resolveReal('sub/./deep/../x', a)).toBe(join(a, 'sub', 'x'));
    });

    it('refuses symlink loops and control characters with INVALID_PATH', async () => {
      expect(await codeOf(resolveReal(join(a, 'loop', 'x')))).toBe('INVALID_PATH');
      expect(await codeOf(resolveReal(join(a, 'x\u0000y')))).toBe('INVALID_PATH');
      await expect(resolveReal(join(a, 'loop'))).rejects.toThrow(HubError);
    });
  });

  it('isInside compares whole components', () => {
    expect(isInside('/x/a', '/x/a')).toBe(true);
    expect(isInside('/x/a/b', '/x/a')).toBe(true);
    expect(isInside('/x/ab', '/x/a')).toBe(false);
    expect(isInside('/x', '/x/a')).toBe(false);
    expect(isInside('/anything', '/')).toBe(true);
  });

  describe('validateSessionRoot', () => {
    const rules = () => ({ existingRoots: [a], home, stateDir });

    it('returns the real path of a fresh project folder', async () => {
      expect(await validateSessionRoot(b, rules())).toBe(b);
      expect(await validateSessionRoot(join(a, '..', 'proj-b'), rules())).toBe(b);
    });

    it('refuses relative, missing, file, /, home and its ancestors with INVALID_PATH', async () => {
      for (const path of ['proj-b', '~/proj-b', join(home, 'nope'), join(home, 'file.txt'), '/', home, base, '', 'x'.repeat(5000)]) {
        expect([path.slice(0, 40), await codeOf(validateSessionRoot(path, rules()))]).toEqual([
          path.slice(0, 40),
          path.length > 4096 ? 'TOO_LARGE' : 'INVALID_PATH',
        ]);
      }
      expect(await codeOf(validateSessionRoot(42, rules()))).toBe('INVALID_PATH');
      expect(await codeOf(validateSessionRoot(join(a, 'loop'), rules()))).toBe('INVALID_PATH');
    });

    it('refuses a root that overlaps the state dir', async () => {
      expect(await codeOf(validateSessionRoot(stateDir, { existingRoots: [], home, stateDir }))).toBe('INVALID_PATH');
      expect(await codeOf(validateSessionRoot(base, { existingRoots: [], home: '/nonexistent-home', stateDir }))).toBe('INVALID_PATH');
    });

    it('refuses ROOT_OVERLAP for the same root, a root inside another, one containing another — symlinks included', async () => {
      const cases = [a, join(a, 'sub'), join(a, 'link-to-b'), join(home, 'b-src-alias')];
      const existing = [a, b];
      for (const path of cases)
        expect([path, await codeOf(validateSessionRoot(path, { existingRoots: existing, home, stateDir }))]).toEqual([path, 'ROOT_OVERLAP']);
      // A new root that contains an existing one.
      const outer = join(base, 'outer');
      await mkdir(join(outer, 'inner'), { recursive: true });
      expect(await codeOf(validateSessionRoot(outer, { existingRoots: [join(outer, 'inner')], home, stateDir }))).toBe('ROOT_OVERLAP');
      let error: unknown;
      await validateSessionRoot(join(a, 'link-to-b'), { existingRoots: existing, home, stateDir }).catch((e: unknown) => (error = e));
      expect((error as HubError).message).toContain(`really ${b}`);
      expect((error as HubError).data).toMatchObject({ real: b, other: b });
    });
  });

  describe('resolveInsideRoot', () => {
    it('returns the real path of a task path inside the root', async () => {
      expect(await resolveInsideRoot(a, '.claude-hub/tasks/TASK-1.md')).toBe(join(a, '.claude-hub', 'tasks', 'TASK-1.md'));
      expect(await resolveInsideRoot(a, 'deep-link/../x.md')).toBe(join(a, 'sub', 'x.md'));
    });

    it('refuses OUTSIDE_ROOT for .., absolute paths and symlink escapes, creating nothing', async () => {
      const before = await readdir(a);
      for (const rel of ['../proj-b/secret.txt', join(b, 'secret.txt'), 'link-to-b/secret.txt', 'link-to-b/new.md', 'sub/../../x']) {
        expect([rel, await codeOf(resolveInsideRoot(a, rel))]).toEqual([rel, 'OUTSIDE_ROOT']);
      }
      expect(await codeOf(resolveInsideRoot(a, 'x\ny'))).toBe('INVALID_PATH');
      expect(await readdir(a)).toEqual(before);
    });
  });
});
