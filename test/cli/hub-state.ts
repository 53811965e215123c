/** A real (encrypted) state dir holding one session and its agents, as a hub would leave it. */
import { realpath } from 'node:fs/promises';
import { silentLogger } from '../../src/log.js';
import { StateStore } from '../../src/store/state-store.js';

/** A fixed 32-byte key (hex): tests pass it as CLAUDE_HUB_KEY, as a user may. */
export const TEST_KEY = 'a1'.repeat(32);

export async function seedHubState(stateDir: string, session: { id: string; name: string; root: string }, agents: readonly string[]): Promise<void> {
  const root = await realpath(session.root);
  const store = await StateStore.open({ dir: stateDir, logger: silentLogger, env: { CLAUDE_HUB_KEY: TEST_KEY } });
  const now = new Date('2026-03-01T10:00:00.000Z').toISOString();
  await store.update((draft) => {
    draft.sessions.push({ id: session.id, name: session.name, root, createdAt: now, trustRoot: false, budgetUsd: null, budgetTokens: null });
    for (const name of agents) {
      draft.agents.push({
        name,
        session: session.id,
        specialization: null,
        systemPromptSuffix: null,
        backend: 'tmux',
        terminal: null,
        claudeSessionId: null,
        launch: { permissionMode: null, model: null, extraArgs: [] },
        createdAt: now,
        conversationStartedAt: null,
      });
    }
  });
  await store.close();
}
