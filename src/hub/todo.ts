/**
 * edit_todo: add an item under an agent's section of a session's TODO.md, or tick / untick
 * the item on a line. The edit is made on the text (protocol/, pure) and written compare-and-
 * swap; a session without a TODO.md gets its first one from an `add` (never over one made
 * meanwhile). The answer is the item as the file reads back, with the file's progress.
 */
import { join } from 'node:path';
import { HubError, ErrorCodes } from '../errors.js';
import { addTodoItem, parseTodo, toggleTodoItem, TODO_FILE } from '../protocol/index.js';
import { createProtocolFile, isMissing, updateProtocolFile } from '../store/files.js';
import { validateAgentName, validateLineNumber, validateTodoItemText } from '../security/validate.js';
import type { ProtocolFileDeps } from './tasks.js';
import type { TodoEditInput, TodoEditResult } from './api.js';

export class TodoEditor {
  readonly #deps: ProtocolFileDeps;

  constructor(deps: ProtocolFileDeps) {
    this.#deps = deps;
  }

  async edit(callerId: string, input: TodoEditInput): Promise<TodoEditResult> {
    const session = this.#deps.records.session(input.session_id);
    const agents = this.#deps.index.session(session.id).agents;
    let edit: (text: string) => string;
    let target: { line: number } | { text: string };
    if (input.action === 'add') {
      const agent = validateAgentName(input.agent, 'agent');
      const text = validateTodoItemText(input.text);
      edit = (current) => addTodoItem(current, TODO_FILE, agent, text, { agents });
      target = { text };
    } else if (input.action === 'check' || input.action === 'uncheck') {
      const line = validateLineNumber(input.line);
      const checked = input.action === 'check';
      edit = (current) => toggleTodoItem(current, TODO_FILE, line, checked);
      target = { line };
    } else {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"action" must be add, check or uncheck.', { data: { field: 'action' } });
    }
    const beforeWrite = (path: string, hash: string): void => this.#deps.index.expectOwnWrite(path, hash, { routed: false });
    let result: { text: string; changed: boolean; before: string };
    try {
      let before = '';
      const updated = await updateProtocolFile(
        session.root,
        TODO_FILE,
        (current) => {
          before = current;
          return edit(current);
        },
        { beforeWrite },
      );
      result = { text: updated.text, changed: updated.changed, before };
    } catch (error) {
      // No TODO.md yet: adding an item writes the first one (never over one made meanwhile).
      if (!isMissing(error) || input.action !== 'add') throw error;
      const text = edit('# TODO\n');
      if (!(await createProtocolFile(session.root, TODO_FILE, text, { beforeWrite }))) {
        throw new HubError(ErrorCodes.EDIT_CONFLICT, `${TODO_FILE} appeared while the hub was creating it; try again.`, { data: { path: TODO_FILE } });
      }
      result = { text, changed: true, before: '' };
    }
    if (result.changed) {
      this.#deps.git.expectHubWrite(session.id, TODO_FILE, {
        caller: callerId,
        summary: input.action === 'add' ? `item added for ${input.agent}` : `item on line ${input.line} ${input.action}ed`,
      });
      await this.#deps.index.reflect(join(session.root, TODO_FILE));
    }
    const doc = parseTodo(result.text, TODO_FILE, { agents });
    let item: (typeof doc.items)[number] | undefined;
    if ('line' in target) item = doc.items.find((candidate) => candidate.line === target.line);
    else {
      // The new item: the first with that text at or after the first line the edit changed.
      const old = result.before.split('\n');
      const now = result.text.split('\n');
      let first = 0;
      while (first < old.length && first < now.length && old[first] === now[first]) first++;
      item = doc.items.find((candidate) => candidate.line > first && candidate.text === target.text);
    }
    if (item === undefined)
      throw new HubError(ErrorCodes.INTERNAL, `${TODO_FILE} was edited but the item does not read back; get_session_status shows the file's state.`);
    return {
      file: TODO_FILE,
      item: { line: item.line, text: item.text, checked: item.checked, assignee: item.assignee, section: doc.sections[item.section]?.title ?? null },
      progress: doc.progress,
      changed: result.changed,
    };
  }
}
