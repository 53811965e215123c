/**
 * git as the history of coordination: each settled change to a session's TODO.md and task
 * files becomes a commit on a dedicated ref (`refs/heads/claude-hub/audit`), attributed to
 * whoever made it. Commits are built with git plumbing and a temporary index
 * (GIT_INDEX_FILE in a temp dir), then published with a compare-and-swap `update-ref`, so the
 * user's branch, HEAD, index, working tree, stash and `index.lock` are never touched and
 * only the named files are ever recorded.
 *
 * A root that is not inside a git repository gets its own bare repository at
 * `<root>/.claude-hub/history.git` (work tree: the root), used with plumbing only:
 * `git --git-dir .claude-hub/history.git log claude-hub/audit -- TODO.md`.
 */
import { lstat, mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { HubError, ErrorCodes } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

export const DEFAULT_AUDIT_REF = 'refs/heads/claude-hub/audit';
export const HISTORY_REPO = join('.claude-hub', 'history.git');

export interface GitActor {
  readonly kind: 'agent' | 'person' | 'hub';
  readonly name: string;
  /** Defaults to `<name>@<kind>.claude-hub.invalid`. */
  readonly email?: string;
}

export interface GitRecordInput {
  /** Paths relative to the session root; their CURRENT content is recorded (missing = deleted). */
  readonly files: readonly string[];
  readonly actor: GitActor;
  /** What happened, in words: `Agent_2 ticked 1 item`. The subject is `<files>: <summary>`. */
  readonly summary: string;
  readonly detail?: string;
  readonly session?: string;
}

export interface GitRecordResult {
  /** The new audit commit, or null when the files already matched the audit ref. */
  readonly commit: string | null;
  /** How many record() calls went into this commit. */
  readonly batched: number;
}

export interface GitAuditOptions {
  readonly ref?: string;
  readonly logger?: Logger;
  /** Wait this long before committing so changes that settle together share a commit. */
  readonly settleMs?: number;
  /** CAS retries when someone else moved the ref meanwhile. */
  readonly maxRetries?: number;
  /** Environment git runs with (PATH, HOME); only those are passed on. Default: the hub's. */
  readonly env?: NodeJS.ProcessEnv;
}

interface Pending {
  readonly input: GitRecordInput;
  readonly paths: readonly string[];
  readonly resolve: (result: GitRecordResult) => void;
  readonly reject: (error: unknown) => void;
}

const GIT_ENV_KEYS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
] as const;

/** Only what git needs; never the hub's own GIT_* (the hub may run inside a git hook). */
function baseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = { LC_ALL: 'C' };
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const value = env[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** `Agent_2` → `Agent_2@agent.claude-hub.invalid` (a reserved domain: never mail). */
export function actorEmail(actor: GitActor): string {
  const local = actor.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '') || 'unknown';
  return actor.email ?? `${local}@${actor.kind}.claude-hub.invalid`;
}

/** The commit message: subject, optional detail, trailers. Pure. */
export function commitMessage(input: {
  files: readonly string[];
  summaries: readonly string[];
  details: readonly string[];
  actor: GitActor;
  session?: string;
}): string {
  const shown = input.files.length <= 3 ? input.files.join(', ') : `${input.files.slice(0, 2).join(', ')} +${input.files.length - 2} files`;
  const summary = [...new Set(input.summaries.map((s) => s.trim()).filter((s) => s !== ''))].join('; ') || 'changed';
  const subject = `${shown}: ${summary}`.replace(/\s*\n\s*/g, ' ');
  const trailers = [`Hub-Actor: ${input.actor.kind}:${input.actor.name}`];
  if (input.session !== undefined) trailers.push(`Hub-Session: ${input.session}`);
  const details = input.details.map((d) => d.trim()).filter((d) => d !== '');
  return [subject, ...(details.length > 0 ? [details.join('\n\n')] : []), trailers.join('\n')].join('\n\n') + '\n';
}

function sameBatch(a: GitRecordInput, b: GitRecordInput): boolean {
  return a.actor.kind === b.actor.kind && a.actor.name === b.actor.name && a.session === b.session;
}

export class GitAudit {
  readonly root: string;
  readonly ref: string;
  /** `repository`: the root's own git repo; `history`: `<root>/.claude-hub/history.git`. */
  readonly mode: 'repository' | 'history';
  readonly gitDir: string;
  readonly workTree: string;
  readonly #logger: Logger;
  readonly #settleMs: number;
  readonly #maxRetries: number;
  readonly #env: Record<string, string>;
  readonly #pending: Pending[] = [];
  #running = false;
  #idle: Promise<void> = Promise.resolve();

  private constructor(root: string, ref: string, mode: 'repository' | 'history', gitDir: string, workTree: string, options: GitAuditOptions) {
    this.root = root;
    this.ref = ref;
    this.mode = mode;
    this.gitDir = gitDir;
    this.workTree = workTree;
    this.#logger = options.logger ?? silentLogger;
    this.#settleMs = options.settleMs ?? 0;
    this.#maxRetries = options.maxRetries ?? 20;
    this.#env = baseEnv(options.env ?? process.env);
  }

  static async open(rootPath: string, options: GitAuditOptions = {}): Promise<GitAudit> {
    const ref = options.ref ?? DEFAULT_AUDIT_REF;
    if (!/^refs\/[A-Za-z0-9._/-]+$/.test(ref) || ref.includes('..') || ref.endsWith('/') || ref.endsWith('.lock')) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `The audit ref ${JSON.stringify(ref)} is not a valid ref name under refs/.`);
    }
    let root: string;
    try {
      root = await realpath(resolve(rootPath));
      if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw new HubError(ErrorCodes.INVALID_PATH, `The session root ${rootPath} is not a readable directory.`, { cause: error });
    }
    const env = baseEnv(options.env ?? process.env);
    const probe = simpleGit({ baseDir: root }).env(env);
    let topLevel = '';
    let gitDir = '';
    try {
      const inside = (await probe.raw(['rev-parse', '--is-inside-work-tree'])).trim();
      if (inside === 'true') {
        topLevel = (await probe.raw(['rev-parse', '--show-toplevel'])).trim();
        gitDir = (await probe.raw(['rev-parse', '--absolute-git-dir'])).trim();
      }
    } catch (error) {
      // Not a repository: use the history repo. Anything else (git missing, a repository git
      // refuses, e.g. "dubious ownership") is reported rather than papered over.
      if (!/not a git repository/i.test((error as Error).message)) {
        throw new HubError(ErrorCodes.GIT_ERROR, `git cannot use ${root}: ${(error as Error).message.trim()}`, { cause: error, data: { root } });
      }
    }
    const audit =
      topLevel !== '' && gitDir !== ''
        ? new GitAudit(root, ref, 'repository', gitDir, await realpath(topLevel), options)
        : new GitAudit(root, ref, 'history', await GitAudit.#ensureHistoryRepo(root, env), root, options);
    options.logger?.info('git audit ready', { root, mode: audit.mode, gitDir: audit.gitDir, ref });
    return audit;
  }

  static async #ensureHistoryRepo(root: string, env: Record<string, string>): Promise<string> {
    const gitDir = join(root, HISTORY_REPO);
    try {
      await stat(join(gitDir, 'HEAD'));
      return gitDir;
    } catch {
      // Create it below.
    }
    await mkdir(join(root, '.claude-hub'), { recursive: true });
    try {
      await simpleGit({ baseDir: root }).env(env).raw(['init', '--bare', '--quiet', gitDir]);
    } catch (error) {
      throw new HubError(ErrorCodes.GIT_ERROR, `Could not create the history repository ${gitDir}: ${(error as Error).message}`, { cause: error });
    }
    return gitDir;
  }

  /**
   * Records the current content of `files` on the audit ref. Calls are serialised; calls
   * from the same actor and session that are waiting together are folded into one commit.
   */
  record(input: GitRecordInput): Promise<GitRecordResult> {
    if (input.files.length === 0) return Promise.reject(new HubError(ErrorCodes.INVALID_ARGUMENT, 'record() needs at least one file.'));
    if (input.actor.name.trim() === '') return Promise.reject(new HubError(ErrorCodes.INVALID_ARGUMENT, 'The actor needs a name.'));
    let paths: string[];
    try {
      paths = input.files.map((file) => this.#repoPath(file));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<GitRecordResult>((resolvePromise, rejectPromise) => {
      this.#pending.push({ input, paths, resolve: resolvePromise, reject: rejectPromise });
      if (!this.#running) {
        // Set synchronously, cleared synchronously when the queue is seen empty: no gap in which a record could be stranded.
        this.#running = true;
        this.#idle = this.#drain();
      }
    });
  }

  /** Resolves when every record() made so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#idle;
  }

  /** The audit ref's commit, or null before the first record. */
  async head(): Promise<string | null> {
    const out = (await this.#git().raw(['rev-parse', '--verify', '--quiet', `${this.ref}^{commit}`])).trim();
    return out === '' ? null : out;
  }

  /** Session-root-relative path → work-tree-relative posix path; refuses escapes. */
  #repoPath(file: string): string {
    if (file === '' || isAbsolute(file) || file.split(/[\\/]/).includes('..') || file.includes('\0')) {
      throw new HubError(ErrorCodes.INVALID_PATH, `${JSON.stringify(file)} is not a path inside the session root.`, { data: { file } });
    }
    const path = relative(this.workTree, resolve(this.root, file)).split(sep).join('/');
    if (path === '' || path.startsWith('../') || path.startsWith('.git/') || path === '.git' || path.startsWith('.claude-hub/history.git')) {
      throw new HubError(ErrorCodes.INVALID_PATH, `${JSON.stringify(file)} cannot be recorded.`, { data: { file } });
    }
    return path;
  }

  #git(extra: Record<string, string> = {}): SimpleGit {
    return simpleGit({ baseDir: this.workTree, allowEnvironment: [...GIT_ENV_KEYS] }).env({
      ...this.#env,
      GIT_DIR: this.gitDir,
      GIT_WORK_TREE: this.workTree,
      ...extra,
    });
  }

  async #drain(): Promise<void> {
    if (this.#settleMs > 0) await new Promise((r) => setTimeout(r, this.#settleMs));
    for (;;) {
      // Checked and cleared in the same tick as the last resolve: a record() made in
      // reaction to it either lands in this queue or starts a new drain.
      if (this.#pending.length === 0) {
        this.#running = false;
        return;
      }
      const first = this.#pending[0] as Pending;
      let count = 1;
      while (count < this.#pending.length && sameBatch(first.input, (this.#pending[count] as Pending).input)) count += 1;
      const batch = this.#pending.splice(0, count);
      try {
        const commit = await this.#commit(batch);
        for (const item of batch) item.resolve({ commit, batched: batch.length });
      } catch (error) {
        const hubError =
          error instanceof HubError
            ? error
            : new HubError(ErrorCodes.GIT_ERROR, `Recording on ${this.ref} failed: ${(error as Error).message}`, { cause: error });
        this.#logger.error(hubError.message, { root: this.root });
        for (const item of batch) item.reject(hubError);
      }
    }
  }

  /** One commit for a batch: snapshot the files, write their blobs, then move the ref by compare-and-swap. */
  async #commit(batch: readonly Pending[]): Promise<string | null> {
    const first = batch[0] as Pending;
    const files = [...new Set(batch.flatMap((item) => item.paths))];
    const displayFiles = [...new Set(batch.flatMap((item) => item.input.files))];
    const { present, deleted } = await snapshotFiles(this.root, this.workTree, files, this.#logger);
    if (present.length === 0 && deleted.length === 0) return null;
    const git = this.#git();
    const blobs = present.length === 0 ? [] : (await git.raw(['hash-object', '-w', '--no-filters', '--', ...present.map((p) => p.abs)])).trim().split('\n');
    if (blobs.length !== present.length) throw new HubError(ErrorCodes.GIT_ERROR, 'git hash-object returned an unexpected number of ids.');

    const tempDir = await mkdtemp(join(tmpdir(), 'claude-hub-audit-'));
    try {
      const indexed = this.#git({
        GIT_INDEX_FILE: join(tempDir, 'index'),
        GIT_AUTHOR_NAME: first.input.actor.name,
        GIT_AUTHOR_EMAIL: actorEmail(first.input.actor),
        GIT_COMMITTER_NAME: 'claude-hub',
        GIT_COMMITTER_EMAIL: 'hub@claude-hub.invalid',
      });
      const message = commitMessage({
        files: displayFiles,
        summaries: batch.map((item) => item.input.summary),
        details: batch.flatMap((item) => (item.input.detail === undefined ? [] : [item.input.detail])),
        actor: first.input.actor,
        ...(first.input.session !== undefined ? { session: first.input.session } : {}),
      });
      return await commitOnRef(indexed, { ref: this.ref, maxRetries: this.#maxRetries, logger: this.#logger }, { present, blobs, deleted }, message);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
  }
}

/** A batch's files as found now: regular files to record (with their mode), and paths that are gone. */
interface Snapshot {
  readonly present: readonly { readonly path: string; readonly mode: string; readonly abs: string }[];
  readonly deleted: readonly string[];
}

/**
 * Snapshot the content now: blobs are written once, whatever CAS retries follow. Only regular
 * files inside the root are recorded; anything else keeps its audit entry as it was.
 */
async function snapshotFiles(root: string, workTree: string, files: readonly string[], logger: Logger): Promise<Snapshot> {
  const present: { path: string; mode: string; abs: string }[] = [];
  const deleted: string[] = [];
  for (const path of files) {
    const abs = join(workTree, ...path.split('/'));
    try {
      const info = await lstat(abs);
      const real = info.isFile() ? await realpath(abs) : null;
      if (real !== null && !real.startsWith(root + sep)) {
        logger.warn('git audit skips a file reached through a symlinked directory outside the root', { root, path });
      } else if (info.isFile()) present.push({ path, mode: info.mode & 0o111 ? '100755' : '100644', abs });
      // A symlink, directory or device is not a protocol file: leave its audit entry as it was.
      else logger.warn('git audit skips a path that is not a regular file', { root, path });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      deleted.push(path);
    }
  }
  return { present, deleted };
}

/**
 * Builds the tree on the ref's current commit in the temporary index and moves the ref to the
 * new commit only if nobody moved it meanwhile (another hub on the same repository); when
 * someone did, starts again from their commit, up to `maxRetries` times. Null: nothing changed.
 */
async function commitOnRef(
  indexed: SimpleGit,
  target: { readonly ref: string; readonly maxRetries: number; readonly logger: Logger },
  change: Snapshot & { readonly blobs: readonly string[] },
  message: string,
): Promise<string | null> {
  const { ref } = target;
  const { present, blobs, deleted } = change;
  for (let attempt = 0; ; attempt += 1) {
    // One call for both the parent commit and its tree (empty output: the ref does not exist yet).
    const [parentId, parentTreeId] = (await indexed.raw(['for-each-ref', '--format=%(objectname) %(tree)', ref])).trim().split(' ');
    const parent = parentId || null;
    await indexed.raw(parent ? ['read-tree', parent] : ['read-tree', '--empty']);
    if (present.length > 0) {
      await indexed.raw(['update-index', '--add', ...present.flatMap((p, i) => ['--cacheinfo', `${p.mode},${blobs[i] ?? ''},${p.path}`])]);
    }
    if (deleted.length > 0) await indexed.raw(['update-index', '--force-remove', '--', ...deleted]);
    const tree = (await indexed.raw(['write-tree'])).trim();
    if ((parent !== null && tree === parentTreeId) || (parent === null && present.length === 0)) return null;
    const commit = (await indexed.raw(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message])).trim();
    try {
      await indexed.raw(['update-ref', '-m', `claude-hub audit: ${message.split('\n')[0] ?? ''}`, ref, commit, parent ?? '']);
      return commit;
    } catch (error) {
      const now = (await indexed.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || null;
      if (now === parent || attempt >= target.maxRetries) {
        throw new HubError(ErrorCodes.GIT_ERROR, `Could not move ${ref}: ${(error as Error).message}`, { cause: error, data: { ref } });
      }
      target.logger.debug('audit ref moved meanwhile; retrying', { ref, attempt });
    }
  }
}
