/**
 * Issue 14 through the live index (real chokidar on real temp dirs): hook events name each
 * agent's transcript; its usage lands per agent, per current task and in the session total;
 * lines of another conversation and a transcript path that is not `<session_id>.jsonl` are
 * refused with diagnostics; an interruption written to the transcript with no Stop makes the
 * agent `interrupted`; a quiet working agent becomes `stuck`; a restarted index seeded from the
 * saved usage goes on without counting anything twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LiveIndex, type IndexChange } from '../../src/hub/index.js';
import { removeAll, taskText, tasksDir, tempRoot, waitFor } from '../watch/helpers.js';

let root: string;
let state: string;
let transcripts: string;
let index: LiveIndex;
let clock: number;
let changes: IndexChange[];

const CONV = '11111111-2222-3333-4444-555555555555';
const events = (agent: string): string => join(state, 'events', 's1', `${agent}.jsonl`);
const transcript = (conv = CONV): string => join(transcripts, `${conv}.jsonl`);
const hook = (event: string, extra: Record<string, unknown> = {}, conv = CONV): string =>
  JSON.stringify({ hook_event_name: event, session_id: conv, transcript_path: transcript(conv), cwd: root, ...extra }) + '\n';
const assistant = (id: string, usage: Record<string, unknown>, conv = CONV, model = 'claude-sonnet-4-5'): string =>
  JSON.stringify({ type: 'assistant', sessionId: conv, timestamp: new Date(clock).toISOString(), message: { id, model, usage, content: [] } }) + '\n';

async function open(seed?: ReturnType<LiveIndex['usageSeed']>): Promise<void> {
  index = new LiveIndex({ stateDir: state, watcher: { rescanIntervalMs: 0 }, now: () => clock, stuckMs: 60_000, tickMs: 60_000 });
  changes = [];
  index.onChange((c) => changes.push(c));
  await index.addSession({ id: 's1', name: 'demo', root, agents: [{ name: 'Agent_1', specialization: null }], usage: seed ?? null });
}

beforeEach(async () => {
  clock = Date.now();
  root = await tempRoot('hub-usage-');
  state = await tempRoot('hub-usage-state-');
  transcripts = await tempRoot('hub-usage-tr-');
  await mkdir(tasksDir(root), { recursive: true });
  await writeFile(join(tasksDir(root), 'TASK-1-a.md'), taskText({ id: 'TASK-1', title: 'A', status: 'in_progress', assignee: 'Agent_1' }));
  await mkdir(join(state, 'events', 's1'), { recursive: true });
});

afterEach(async () => {
  await index?.close();
  await removeAll(root, state, transcripts);
});

describe('usage through the live index', () => {
  it('counts per agent, per task and per session; refuses other conversations and odd paths with diagnostics; survives a restart', async () => {
    await writeFile(transcript(), assistant('m1', { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 4000, cache_creation_input_tokens: 300 }));
    await open();
    await appendFile(events('Agent_1'), hook('UserPromptSubmit'));
    await waitFor(() => index.agentView('s1', 'Agent_1').usage.messages === 1, 'first message counted');
    // The same message again (one line per content block), another conversation's line, a new message.
    await appendFile(
      transcript(),
      assistant('m1', { input_tokens: 1000, output_tokens: 200 }) +
        assistant('x1', { input_tokens: 5, output_tokens: 5 }, 'other-conv') +
        assistant('m2', { input_tokens: 7, output_tokens: 11 }),
    );
    await appendFile(events('Agent_1'), hook('PostToolUse', { tool_name: 'Read' }));
    await waitFor(() => index.agentView('s1', 'Agent_1').usage.messages === 2, 'second message counted');
    const status = index.sessionStatus('s1');
    expect(status.usage.total).toMatchObject({ input: 1007, output: 211, cacheRead: 4000, cacheWrite: 300, messages: 2 });
    expect(status.usage.byTask['TASK-1']).toMatchObject({ input: 1007, output: 211, messages: 2 });
    expect(status.usage.total.costUsd).toBeCloseTo((1007 * 3 + 211 * 15 + 4000 * 0.3 + 300 * 3.75) / 1e6, 9);
    expect(index.agentView('s1', 'Agent_1').usage).toMatchObject({ skipped: 1, contextTokens: 7, model: 'claude-sonnet-4-5' });
    expect(status.diagnostics.map((d) => d.code)).toContain('transcript-other-session');
    expect(changes.some((c) => c.kind === 'usage')).toBe(true);

    // A hook naming a transcript that is not <session_id>.jsonl is not followed.
    await appendFile(
      events('Agent_1'),
      JSON.stringify({ hook_event_name: 'PreToolUse', session_id: CONV, transcript_path: '/etc/passwd', tool_name: 'Bash' }) + '\n',
    );
    await waitFor(() => index.sessionStatus('s1').diagnostics.some((d) => d.code === 'transcript-path-refused'), 'path refused');

    // Restart from the saved usage: nothing counted twice, new lines counted.
    const seed = index.usageSeed('s1');
    await index.close();
    await appendFile(transcript(), assistant('m3', { input_tokens: 1, output_tokens: 1 }));
    await open(JSON.parse(JSON.stringify(seed)));
    await appendFile(events('Agent_1'), hook('PostToolUse', { tool_name: 'Read' }));
    await waitFor(() => index.sessionStatus('s1').usage.total.messages === 3, 'third message after restart');
    expect(index.sessionStatus('s1').usage.total).toMatchObject({ input: 1008, output: 212 });
  });

  it('an interruption in the transcript with no Stop makes the agent interrupted; silence past the threshold makes it stuck', async () => {
    await writeFile(transcript(), '');
    await open();
    await appendFile(events('Agent_1'), hook('UserPromptSubmit') + hook('PreToolUse', { tool_name: 'Bash' }));
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'working', 'working');
    // Quiet for longer than the threshold: stuck, since the last event, naming the tool.
    clock += 61_000;
    index.tick();
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'stuck', 'stuck');
    expect(index.agentView('s1', 'Agent_1')).toMatchObject({ lastTool: 'Bash', stuckSince: new Date(clock - 61_000).toISOString() });
    expect(changes.some((c) => c.kind === 'agent' && c.status === 'stuck')).toBe(true);
    // Esc: Claude Code writes the interruption to the transcript and fires no hook.
    await appendFile(
      transcript(),
      JSON.stringify({
        type: 'user',
        sessionId: CONV,
        timestamp: new Date(clock).toISOString(),
        message: { content: [{ type: 'text', text: '[Request interrupted by user for tool use]' }] },
      }) + '\n',
    );
    index.tick();
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'interrupted', 'interrupted');
    expect(index.agentView('s1', 'Agent_1').idleReason).toBe('open_work');
    // The next prompt is work again.
    await appendFile(events('Agent_1'), hook('UserPromptSubmit'));
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'working', 'working again');
  });

  it('an API error line in the transcript says rate_limited before the StopFailure hook arrives', async () => {
    await writeFile(transcript(), '');
    await open();
    await appendFile(events('Agent_1'), hook('UserPromptSubmit'));
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'working', 'working');
    const reset = Math.floor(clock / 1000) * 1000 + 3_600_000;
    clock += 2000;
    await appendFile(
      transcript(),
      JSON.stringify({
        type: 'assistant',
        sessionId: CONV,
        timestamp: new Date(clock).toISOString(),
        isApiErrorMessage: true,
        error: 'rate_limit',
        apiErrorStatus: 429,
        message: {
          id: 'e1',
          model: '<synthetic>',
          usage: { input_tokens: 0, output_tokens: 0 },
          content: [{ type: 'text', text: `Claude AI usage limit reached|${reset / 1000}` }],
        },
      }) + '\n',
    );
    index.tick();
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'rate_limited', 'rate limited');
    expect(index.agentView('s1', 'Agent_1').resetAt).toBe(new Date(reset).toISOString());
    expect(index.sessionStatus('s1').usage.total.messages).toBe(0);
  });
});
