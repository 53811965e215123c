import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, LIMITS } from '../schemas.js';

export const readAgentOutput = defineTool({
  name: 'read_agent_output',
  level: 'LOW',
  config: {
    title: 'Read agent output',
    description: "An agent's Claude Code screen: its terminal's last lines, when its status says too little.",
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      lines: z.number().int().min(1).max(LIMITS.outputLines).default(50).describe('From the bottom, with scrollback.'),
    }),
    outputSchema: z.object({ agent_name: z.string(), alive: z.boolean(), text: z.string() }),
    // Reads a live terminal whose content an agent (a model) writes: open world, but changes nothing.
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const result = await hub.readAgentOutput(caller, args.agent_name, args.lines);
    return {
      structured: { agent_name: result.agent, alive: result.alive, text: result.text },
      text: `agent_name ${result.agent} (${result.alive ? 'running' : 'exited'}):\n${result.text}`,
    };
  },
});
