/**
 * What a person wants to be told, from the live index's changes: an agent starts waiting for
 * them (with its dialog, if one is up), an agent exits, a task becomes done. The web page
 * derives the same from its own updates (page/render.js noticesBetween); webhooks get these.
 */
import type { IndexChange } from '../hub/index.js';
import type { PendingPrompt } from '../hub/types.js';

export interface Notice {
  readonly kind: 'waiting' | 'exited' | 'done';
  readonly session: string;
  readonly agent: string | null;
  readonly task: string | null;
  readonly title: string;
  readonly message: string;
  readonly at: string;
  /** The dialog the agent waits at (kind `waiting`), for action links. */
  readonly dialog: PendingPrompt | null;
}

export interface NoticeSource {
  onChange(listener: (change: IndexChange) => void): () => void;
  agentView(session: string, agent: string): { readonly pendingPrompt: PendingPrompt | null; readonly why: string };
  task(session: string, taskId: string): { readonly summary: { readonly status: string; readonly title: string; readonly assignee: string | null } } | null;
}

/** Calls `listener` for every notice from now on; returns the unsubscribe. */
export function watchNotices(index: NoticeSource, listener: (notice: Notice) => void, now: () => Date = () => new Date()): () => void {
  const taskStatus = new Map<string, string>();
  return index.onChange((change) => {
    if (change.kind === 'agent') {
      if (change.previous === null || change.previous === change.status) return;
      if (change.status === 'waiting_for_person') {
        const view = index.agentView(change.session, change.agent);
        const dialog = view.pendingPrompt;
        listener({
          kind: 'waiting',
          session: change.session,
          agent: change.agent,
          task: change.currentTask,
          title: `${change.agent} needs you`,
          message: dialog ? dialog.question : change.why,
          at: now().toISOString(),
          dialog,
        });
      } else if (change.status === 'exited') {
        listener({
          kind: 'exited',
          session: change.session,
          agent: change.agent,
          task: null,
          title: `${change.agent} exited`,
          message: change.why,
          at: now().toISOString(),
          dialog: null,
        });
      }
      return;
    }
    if (change.kind === 'task') {
      const key = `${change.session}\0${change.taskId}`;
      const task = index.task(change.session, change.taskId);
      const before = taskStatus.get(key);
      if (!task) {
        taskStatus.delete(key);
        return;
      }
      taskStatus.set(key, task.summary.status);
      if (task.summary.status === 'done' && before !== undefined && before !== 'done') {
        listener({
          kind: 'done',
          session: change.session,
          agent: task.summary.assignee,
          task: change.taskId,
          title: `${change.taskId} done${task.summary.assignee ? ` (${task.summary.assignee})` : ''}`,
          message: task.summary.title,
          at: now().toISOString(),
          dialog: null,
        });
      }
    }
  });
}
