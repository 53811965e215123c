/**
 * Turns every settled change of a session's TODO.md and task files into a commit on the git
 * audit ref, attributed to who made it: the hub (on behalf of a tool call it announced), an
 * agent (its PostToolUse hook named that file moments before), or else a person.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Logger } from '../log.js';
import { toHubError } from '../errors.js';
import { GitAudit, type GitActor } from '../store/git-audit.js';
import { TODO_FILE } from '../protocol/index.js';
import type { LiveIndex, IndexChange } from './index.js';
import type { HookEvent } from './types.js';

export interface GitRecorderOptions {
  readonly index: LiveIndex;
  readonly logger: Logger;
  readonly enabled: boolean;
  readonly sessionRoot: (sessionId: string) => string | null;
  /** How long an agent's Pre/PostToolUse on a file, or a hub announcement, attributes its change. */
  readonly attributionMs?: number;
  /**
   * How long an unattributed change waits for the hook event that names its author: the file
   * change can reach the index before the agent's hook line does.
   */
  readonly attributionDelayMs?: number;
}

interface Claim {
  readonly actor: GitActor;
  readonly summary: string;
  readonly at: number;
}

const EDIT_TOOLS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

export class GitRecorder {
  readonly #options: GitRecorderOptions;
  readonly #audits = new Map<string, GitAudit>();
  /** `${session}\0${relPath}` → who is about to change it / just changed it. */
  readonly #claims = new Map<string, Claim>();
  readonly #todoDone = new Map<string, number>();
  readonly #taskStatus = new Map<string, string>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: GitRecorderOptions) {
    this.#options = options;
    if (!options.enabled) return;
    this.#unsubscribe.push(
      options.index.onHookEvent((event) => this.#onHook(event)),
      options.index.onChange((change) => this.#onChange(change)),
    );
  }

  async addSession(sessionId: string, root: string): Promise<void> {
    if (!this.#options.enabled || this.#audits.has(sessionId)) return;
    try {
      this.#audits.set(sessionId, await GitAudit.open(root, { logger: this.#options.logger, settleMs: 50 }));
      const todo = this.#options.index.todo(sessionId);
      if (todo) this.#todoDone.set(sessionId, todo.progress.done);
      for (const task of this.#options.index.tasks(sessionId)) this.#taskStatus.set(`${sessionId}\0${task.id}`, task.status);
    } catch (error) {
      // No git audit for this root (git missing, unwritable): the hub still works; say so.
      this.#options.logger.warn('git audit unavailable for session', { session: sessionId, error: toHubError(error).message });
    }
  }

  async removeSession(sessionId: string): Promise<void> {
    const audit = this.#audits.get(sessionId);
    this.#audits.delete(sessionId);
    await audit?.flush().catch(() => undefined);
  }

  /** The hub is about to write `file` for a tool call: attribute the coming change to it. */
  expectHubWrite(sessionId: string, file: string, claim: { caller: string; summary: string }): void {
    this.#claims.set(`${sessionId}\0${file}`, { actor: { kind: 'hub', name: `claude-hub (${claim.caller})` }, summary: claim.summary, at: Date.now() });
  }

  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    await Promise.allSettled([...this.#audits.values()].map((a) => a.flush()));
  }

  async close(): Promise<void> {
    for (const off of this.#unsubscribe) off();
    await this.flush();
  }

  #onHook(event: HookEvent): void {
    if (event.event !== 'PreToolUse' && event.event !== 'PostToolUse') return;
    const tool = event.payload.tool_name;
    const input = event.payload.tool_input as { file_path?: unknown; notebook_path?: unknown } | undefined;
    const path = input?.file_path ?? input?.notebook_path;
    if (typeof tool !== 'string' || !EDIT_TOOLS.has(tool) || typeof path !== 'string') return;
    const root = this.#options.sessionRoot(event.session);
    if (root === null) return;
    const rel = relative(root, isAbsolute(path) ? path : resolve(root, path))
      .split('\\')
      .join('/');
    if (rel.startsWith('..')) return;
    this.#claims.set(`${event.session}\0${rel}`, {
      actor: { kind: 'agent', name: event.agent },
      summary: `${event.agent} edited it (${tool})`,
      at: Date.now(),
    });
  }

  #onChange(change: IndexChange): void {
    if (change.kind === 'todo') {
      const todo = this.#options.index.todo(change.session);
      const before = this.#todoDone.get(change.session);
      const done = todo?.progress.done ?? 0;
      this.#todoDone.set(change.session, done);
      const what =
        todo === null
          ? 'removed'
          : before === undefined || before === done
            ? `edited (${done}/${todo.progress.total} done)`
            : done > before
              ? `${done - before} item${done - before === 1 ? '' : 's'} ticked (${done}/${todo.progress.total} done)`
              : `${before - done} item${before - done === 1 ? '' : 's'} unticked (${done}/${todo.progress.total} done)`;
      this.#record(change.session, TODO_FILE, what);
      return;
    }
    if (change.kind === 'task') {
      const key = `${change.session}\0${change.taskId}`;
      const status = this.#options.index.task(change.session, change.taskId)?.summary.status;
      const before = this.#taskStatus.get(key);
      if (status === undefined) this.#taskStatus.delete(key);
      else this.#taskStatus.set(key, status);
      const what =
        change.change === 'added'
          ? `${change.taskId} created`
          : change.change === 'removed'
            ? `${change.taskId} deleted`
            : change.change === 'broken'
              ? `${change.taskId} broken (line ${change.diagnostic?.line ?? 1}: ${change.diagnostic?.code ?? 'does not parse'})`
              : before !== undefined && status !== undefined && before !== status
                ? `${change.taskId} ${before} → ${status}`
                : `${change.taskId} edited`;
      this.#record(change.session, change.file, what);
    }
  }

  #record(sessionId: string, file: string, what: string): void {
    if (!this.#audits.has(sessionId)) return;
    const key = `${sessionId}\0${file}`;
    if (this.#claims.has(key)) {
      this.#commit(sessionId, file, what);
      return;
    }
    const wait = new Promise<void>((resolve) => setTimeout(resolve, this.#options.attributionDelayMs ?? 1000).unref()).then(() =>
      this.#commit(sessionId, file, what),
    );
    const job = wait.finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  #commit(sessionId: string, file: string, what: string): void {
    const audit = this.#audits.get(sessionId);
    if (!audit) return;
    const key = `${sessionId}\0${file}`;
    const claim = this.#claims.get(key);
    const fresh = claim !== undefined && Date.now() - claim.at <= (this.#options.attributionMs ?? 15_000);
    if (claim) this.#claims.delete(key);
    const actor: GitActor = fresh ? claim.actor : { kind: 'person', name: 'person' };
    const summary = fresh && claim.actor.kind === 'hub' ? `${what} — ${claim.summary}` : what;
    const job = audit
      .record({ files: [file], actor, summary, session: sessionId })
      .catch((error: unknown) => this.#options.logger.warn('git audit record failed', { session: sessionId, file, error: toHubError(error).message }))
      .finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }
}
