/**
 * A session's timeline: the newest commits of its git audit ref (store/git-audit.ts writes
 * them: who changed which file, with a subject saying what). Read with `git log` through the
 * exec seam (in the root's repository, or `.claude-hub/history.git` for a root outside git); a root without git or without the ref has an empty timeline, never an error.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { DEFAULT_AUDIT_REF, HISTORY_REPO } from '../store/git-audit.js';
import type { TimelineEntry } from './types.js';

/** How many commits the board shows per session. */
export const TIMELINE_LENGTH = 30;
const FIELD = '\x1f';
const RECORD = '\x1e';

/** git's first arguments for a root: its own repository, or the hub's history repository for a root outside git. */
function repoArgs(root: string): string[] {
  const history = join(root, HISTORY_REPO);
  return existsSync(history) ? ['--git-dir', history] : ['-C', root];
}

/** The ref's head commit, or null when there is none (no git, no ref yet). */
export async function timelineHead(root: string, ref = DEFAULT_AUDIT_REF): Promise<string | null> {
  const out = await exec('git', [...repoArgs(root), 'rev-parse', '--verify', '--quiet', ref], { allowFailure: true, timeoutMs: 5000 }).catch(() => null);
  const head = out?.stdout.trim() ?? '';
  return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
}

/** The newest `limit` commits of the ref, each with its files. */
export async function readTimeline(root: string, limit = TIMELINE_LENGTH, ref = DEFAULT_AUDIT_REF): Promise<TimelineEntry[]> {
  const format = `${RECORD}%H${FIELD}%aI${FIELD}%an${FIELD}%s${FIELD}`;
  const out = await exec('git', [...repoArgs(root), 'log', `-n${limit}`, `--format=${format}`, '--name-only', ref, '--'], {
    allowFailure: true,
    timeoutMs: 5000,
  }).catch(() => null);
  if (out?.exitCode !== 0) return [];
  return parseTimeline(out.stdout);
}

/** Parses `git log` output in the format above. (Pure.) */
export function parseTimeline(text: string): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const record of text.split(RECORD)) {
    const fields = record.split(FIELD);
    if (fields.length < 5) continue;
    const [commit, at, actor, subject, rest] = fields as [string, string, string, string, string];
    const files = rest
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    entries.push({ commit: commit.trim(), at, actor, subject, files });
  }
  return entries;
}
