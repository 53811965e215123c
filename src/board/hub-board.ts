/**
 * The board, action links and webhooks over one hub, as `serve` runs them: the board's routes
 * (with the action-link route), the notices that go to `--notify-webhook` URLs (with action
 * links for a waiting agent's dialog once the board has a URL), and one close for all.
 */
import type { HubConfig } from '../config.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../log.js';
import type { AuditHook } from '../server/call-tool.js';
import type { Authenticate } from '../server/http.js';
import { ActionLinks } from './action-links.js';
import { watchNotices } from './notices.js';
import { createBoard, type Board } from './routes.js';
import { boardSourceOf } from './source.js';
import { WebhookNotifier } from './webhook.js';

export interface HubBoard {
  readonly board: Board;
  /** The board listens at `url` (action links point there). */
  listening(url: string): void;
  close(): void;
}

export function createHubBoard(input: {
  readonly hub: Hub;
  readonly config: HubConfig;
  readonly logger: Logger;
  readonly authenticate: Authenticate | null;
  readonly audit: AuditHook;
}): HubBoard {
  const { hub, config, logger } = input;
  const calls = { hub, ceiling: config.securityLevel, logger, audit: input.audit };
  let url: string | null = null;
  const links = new ActionLinks({
    baseUrl: () => url,
    pendingPrompt: (session, agent) => {
      try {
        return hub.index.agentView(session, agent).pendingPrompt;
      } catch {
        return null;
      }
    },
    calls,
  });
  const board = createBoard({
    source: boardSourceOf(hub),
    gate: { bindHost: config.host, ceiling: config.securityLevel, authenticate: input.authenticate },
    calls,
    logger,
    extra: (req, res, u) => links.handle(req, res, u),
  });
  const notifier =
    config.notifyWebhooks.length === 0
      ? null
      : new WebhookNotifier({ urls: config.notifyWebhooks, logger, links: (n) => (n.dialog && n.agent ? links.linksFor(n.session, n.agent, n.dialog) : []) });
  const stop = notifier ? watchNotices(hub.index, (notice) => notifier.notify(notice)) : () => undefined;
  return {
    board,
    listening(at) {
      url = at;
    },
    close() {
      stop();
      notifier?.close();
      board.close();
    },
  };
}
