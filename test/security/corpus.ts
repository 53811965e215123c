/**
 * The hostile corpus (fixtures/hostile/corpus.json), loaded and expanded: every input the
 * edge must refuse with a clear HubError or pass on inert. Shared by the security tests and,
 * later, by the end-to-end run of the corpus through every MCP tool.
 */
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'hostile', 'corpus.json');

export interface HostileInput {
  readonly name: string;
  readonly value: string;
  /** shell, applescript, tmux, escape, control, nul, empty, unicode, path, markdown, json, size */
  readonly tags: readonly string[];
}

export interface HostilePath {
  readonly name: string;
  /** Relative to a session root unless absolute. */
  readonly value: string;
}

export interface HostileSymlink {
  readonly name: string;
  /** Link name inside the root. */
  readonly link: string;
  /** Link target; `{outside}` stands for a directory outside the root. */
  readonly target: string;
  /** A path (relative to the root) that goes through the link. */
  readonly probe: string;
}

export interface HostileCorpus {
  readonly inputs: readonly HostileInput[];
  readonly paths: readonly HostilePath[];
  readonly symlinks: readonly HostileSymlink[];
}

interface RawCorpus {
  readonly inputs: readonly HostileInput[];
  readonly generated: readonly { name: string; unit: string; count: number; tags: string[] }[];
  readonly paths: readonly HostilePath[];
  readonly symlinks: readonly HostileSymlink[];
}

export function loadHostileCorpus(file: string = CORPUS_FILE): HostileCorpus {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawCorpus;
  const generated = raw.generated.map((g) => ({ name: g.name, value: g.unit.repeat(g.count), tags: g.tags }));
  return { inputs: [...raw.inputs, ...generated], paths: raw.paths, symlinks: raw.symlinks };
}

/**
 * Builds the symlink escapes on disk: `<root>/<link>` → target, where `{outside}` is a folder
 * next to the root holding `secret.txt` and `nested/`. Returns the outside folder.
 */
export async function createSymlinkEscapes(root: string, outside: string, links: readonly HostileSymlink[]): Promise<void> {
  await mkdir(join(outside, 'nested'), { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'secret\n');
  for (const link of links) {
    await symlink(link.target.replaceAll('{outside}', outside), join(root, link.link));
  }
}
