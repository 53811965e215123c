/**
 * MCP tasks (task-augmented tools/call, protocol 2025-11-25; the SDK's experimental tasks API):
 * a client that supports them may run a long call as a task instead of holding the request
 * open. The server answers at once with the task (`CreateTaskResult`), runs the call in the
 * background, and the client polls `tasks/get` or blocks on `tasks/result` for the very result
 * the plain call would have given; `tasks/cancel` stops it. Only tools that say
 * `execution.taskSupport` take part (wait_for_team); clients without tasks keep the plain call.
 *
 * The tasks live in memory, per MCP session (one server instance per client): a task ends with
 * its connection, and its result is kept `ttl` ms after it ends (at most TASK_MAX_TTL_MS).
 */
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CallToolResult, CreateTaskResult, Result, TaskStatus } from '@modelcontextprotocol/sdk/types.js';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Logger } from '../log.js';

/** How long a finished task's result is kept when the client asks for no ttl, and at most. */
export const TASK_DEFAULT_TTL_MS = 5 * 60_000;
export const TASK_MAX_TTL_MS = 60 * 60_000;
/** What a client is told to wait between tasks/get polls. */
export const TASK_POLL_INTERVAL_MS = 1000;

/**
 * The SDK's in-memory store, which also tells the running call when a client cancels its task
 * (tasks/cancel marks it cancelled in the store; the call must stop waiting then).
 */
export class HubTaskStore extends InMemoryTaskStore {
  readonly #running = new Map<string, AbortController>();

  /** The signal that aborts when the task is cancelled or the store closes. */
  track(taskId: string): AbortSignal {
    const controller = new AbortController();
    this.#running.set(taskId, controller);
    return controller.signal;
  }

  untrack(taskId: string): void {
    this.#running.delete(taskId);
  }

  get running(): number {
    return this.#running.size;
  }

  override async updateTaskStatus(taskId: string, status: TaskStatus, statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    if (status === 'cancelled') this.#running.get(taskId)?.abort(statusMessage ?? 'task cancelled');
  }

  /** The connection ends: every running task stops, and no timer outlives the store. */
  close(): void {
    for (const controller of this.#running.values()) controller.abort('the MCP session ended');
    this.#running.clear();
    this.cleanup();
  }
}

/**
 * Starts `run` as a task and answers with it at once. The result (an isError result too: the
 * call ran and said why it failed) is stored as `completed` or `failed`; a cancelled task keeps
 * its cancelled status and its result is dropped.
 */
export async function startTask(input: {
  readonly store: HubTaskStore;
  readonly requestStore: RequestTaskStore;
  readonly ttl: number | null | undefined;
  readonly logger: Logger;
  readonly tool: string;
  readonly run: (signal: AbortSignal) => Promise<CallToolResult>;
}): Promise<CreateTaskResult & Result> {
  const { store, requestStore, logger, tool } = input;
  const ttl = Math.min(input.ttl ?? TASK_DEFAULT_TTL_MS, TASK_MAX_TTL_MS);
  const task = await requestStore.createTask({ ttl, pollInterval: TASK_POLL_INTERVAL_MS });
  const signal = store.track(task.taskId);
  void input
    .run(signal)
    .then(async (result) => {
      if (signal.aborted) return;
      await requestStore.storeTaskResult(task.taskId, result.isError ? 'failed' : 'completed', result);
    })
    .catch((error: unknown) => {
      if (!signal.aborted) logger.warn('a task ended without a result', { tool, task: task.taskId, error: String(error) });
    })
    .finally(() => store.untrack(task.taskId));
  return { task };
}
