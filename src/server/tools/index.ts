/** Every tool the server offers, in the order tools/list shows them. */
import type { ToolDefinition } from '../tool-definition.js';
import { createSession } from './create-session.js';
import { getSessionStatus } from './get-session-status.js';
import { waitForTeam } from './wait-for-team.js';
import { deleteSession } from './delete-session.js';
import { createAgent } from './create-agent.js';
import { deleteAgent } from './delete-agent.js';
import { sendMessageToAgent } from './send-message-to-agent.js';
import { clearAgentConversation } from './clear-agent-conversation.js';
import { startNewAgentConversation } from './start-new-agent-conversation.js';
import { answerAgentPrompt } from './answer-agent-prompt.js';
import { listSessions } from './list-sessions.js';
import { listTasks } from './list-tasks.js';
import { createTask } from './create-task.js';
import { updateTask } from './update-task.js';
import { editTodo } from './edit-todo.js';
import { readAgentOutput } from './read-agent-output.js';
import { showBoard } from './show-board.js';
import { setSessionBudget } from './set-session-budget.js';

export const TOOLS: readonly ToolDefinition[] = Object.freeze([
  createSession,
  getSessionStatus,
  waitForTeam,
  deleteSession,
  setSessionBudget,
  createAgent,
  deleteAgent,
  sendMessageToAgent,
  clearAgentConversation,
  startNewAgentConversation,
  answerAgentPrompt,
  listSessions,
  listTasks,
  createTask,
  updateTask,
  editTodo,
  readAgentOutput,
  showBoard,
]);

export function findTool(name: string): ToolDefinition | undefined {
  return TOOLS.find((tool) => tool.name === name);
}
