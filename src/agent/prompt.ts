/**
 * The system prompt appended to every agent's Claude Code: who it is, the team's coordination
 * protocol (templates/agent-protocol.md) and the person's own suffix.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './settings.js';

export const AGENT_PROTOCOL_TEMPLATE = join(TEMPLATES_DIR, 'agent-protocol.md');

export interface AgentPromptInput {
  readonly agentName: string;
  readonly specialization?: string | null;
  readonly root: string;
  readonly otherAgents: readonly string[];
  readonly userSuffix?: string | null;
}

/** Fills `{{placeholder}}`s; unknown placeholders are left as they are. */
export function renderAgentPrompt(template: string, input: AgentPromptInput): string {
  const values: Record<string, string> = {
    agent_name: input.agentName,
    specialization: input.specialization?.trim() || 'a software engineer',
    root: input.root,
    other_agents: input.otherAgents.length > 0 ? input.otherAgents.join(', ') : 'none yet',
    user_suffix: input.userSuffix?.trim() ? `\n${input.userSuffix.trim()}` : '',
  };
  // One pass: a value that itself contains `{{…}}` is never expanded again.
  return template.replace(/\{\{([a-z_]+)\}\}/g, (whole, key: string) => values[key] ?? whole).trimEnd() + '\n';
}

export async function loadAgentPromptTemplate(path: string = AGENT_PROTOCOL_TEMPLATE): Promise<string> {
  return readFile(path, 'utf8');
}

export async function assembleAgentPrompt(input: AgentPromptInput, templatePath?: string): Promise<string> {
  return renderAgentPrompt(await loadAgentPromptTemplate(templatePath), input);
}
