/** The hub as the board reads it (feed.ts BoardSource): the live index's views, its changes, a look at a screen. */
import type { Hub } from '../hub/hub.js';
import type { BoardSource } from './feed.js';

export function boardSourceOf(hub: Hub): BoardSource {
  return {
    sessions: () => hub.index.sessions(),
    sessionStatus: (id) => hub.index.sessionStatus(id),
    onChange: (listener) => hub.onChange(listener),
    peekScreen: (agent, lines) => hub.peekScreen(agent, lines),
  };
}
