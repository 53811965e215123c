import { describe, expect, it } from 'vitest';
import { AGENT_HOOK_EVENTS, EMIT_SCRIPT, agentEventsFile, buildAgentSettings } from '../../src/agent/settings.js';
import { assembleAgentPrompt, renderAgentPrompt } from '../../src/agent/prompt.js';
import { existsSync } from 'node:fs';

describe('buildAgentSettings', () => {
  const eventsFile = agentEventsFile('/state dir/with space', 'sess-1', 'Agent_1');
  it('puts the event file path in the exec-form args (no shell quoting) for every event', () => {
    expect(eventsFile).toBe('/state dir/with space/events/sess-1/Agent_1.jsonl');
    const settings = buildAgentSettings({ eventsFile });
    expect(Object.keys(settings.hooks)).toEqual([...AGENT_HOOK_EVENTS]);
    for (const event of AGENT_HOOK_EVENTS) {
      const entries = settings.hooks[event]!;
      expect(entries).toHaveLength(1);
      expect(entries[0]!.hooks).toEqual([{ type: 'command', command: '/bin/sh', args: [EMIT_SCRIPT, eventsFile], timeout: 10 }]);
    }
    expect(settings.hooks.PreToolUse![0]!.matcher).toBe('*');
    expect(settings.hooks.Stop![0]!.matcher).toBeUndefined();
    expect(settings).not.toHaveProperty('permissions');
    expect(settings).not.toHaveProperty('sandbox');
    expect(existsSync(EMIT_SCRIPT)).toBe(true);
  });

  it('adds the security guard before the event hook, deny rules and the permission mode', () => {
    const guardHook = { matcher: 'Read|Edit|Write', hooks: [{ type: 'command' as const, command: '/bin/sh', args: ['/g/guard.sh'] }] };
    const sandbox = { enabled: true, filesystem: { denyRead: ['//other'] } };
    const settings = buildAgentSettings({ eventsFile, guardHook, deny: ['Read(//etc/**)'], permissionMode: 'acceptEdits', sandbox });
    expect(settings.sandbox).toBe(sandbox);
    expect(settings.hooks.PreToolUse).toHaveLength(2);
    expect(settings.hooks.PreToolUse![0]).toBe(guardHook);
    expect(settings.permissions).toEqual({ deny: ['Read(//etc/**)'], defaultMode: 'acceptEdits' });
  });
});

describe('agent prompt', () => {
  it('fills identity, root, other agents and the suffix, once', () => {
    const text = renderAgentPrompt('{{agent_name}} / {{specialization}} / {{root}} / {{other_agents}}{{user_suffix}} {{unknown}}', {
      agentName: 'Agent_2',
      specialization: 'the tester',
      root: '/r',
      otherAgents: ['Agent_1', 'Agent_3'],
      userSuffix: ' Use {{agent_name}} literally. ',
    });
    expect(text).toBe('Agent_2 / the tester / /r / Agent_1, Agent_3\nUse {{agent_name}} literally. {{unknown}}\n');
  });

  it('assembles the shipped ADDER+ protocol, short and complete', async () => {
    const text = await assembleAgentPrompt({ agentName: 'Agent_1', root: '/r', otherAgents: [] });
    expect(text.startsWith('You are Agent_1, a software engineer,')).toBe(true);
    expect(text).toContain('none yet');
    expect(text).toContain('ADDER+');
    expect(text).toContain('.claude-hub/tasks/');
    expect(text).not.toMatch(/\{\{/);
    expect(text.split('\n').length).toBeLessThanOrEqual(60);
  });
});
