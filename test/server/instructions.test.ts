/** The server's instructions to the model mention only tools the model can see at its level. */
import { describe, expect, it } from 'vitest';
import { SECURITY_LEVELS } from '../../src/config.js';
import { TOOL_LEVELS } from '../../src/server/tool-levels.js';
import { connect } from './connect.js';

describe('server instructions', () => {
  it('at every level, each tool the instructions name is one tools/list offers; below HIGH they say what to start with', async () => {
    for (const level of SECURITY_LEVELS) {
      const session = await connect({ config: { securityLevel: level } });
      try {
        const instructions = session.client.getInstructions() ?? '';
        const listed = new Set((await session.client.listTools()).tools.map((t) => t.name));
        const named = Object.keys(TOOL_LEVELS).filter((tool) => new RegExp(`\\b${tool}\\b`).test(instructions));
        expect(named.length, level).toBeGreaterThan(0);
        for (const tool of named) expect(listed.has(tool), `${level}: ${tool}`).toBe(true);
        if (level !== 'HIGH') expect(instructions, level).toMatch(/--security-level (MEDIUM|HIGH)/);
      } finally {
        await session.close();
      }
    }
  });
});
