/**
 * Action links: a notification may carry "answer this dialog with this choice" links. Each is
 * signed (HMAC-SHA256 with a key made when the hub starts and never written down, so links die
 * with the hub), expires (default 15 min), works once, and only while the agent still waits at
 * the same dialog (its `since`). Opening one (GET) shows what it would do and a button; only
 * the POST from that page acts, because link previewers and scanners fetch GETs. The act is
 * answer_agent_prompt through the tools' own call (level MEDIUM, audited as `link:<agent>`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, HubError } from '../errors.js';
import type { CallToolDeps } from '../server/call-tool.js';
import { checkOrigin } from './access.js';
import { refusal, runAct } from './acts.js';
import { securityHeaders } from './assets.js';
import type { PendingPrompt } from '../hub/types.js';

export const ACTION_PATH = '/board/action/';
export const DEFAULT_LINK_TTL_MS = 15 * 60 * 1000;

export interface LinkClaim {
  readonly session: string;
  readonly agent: string;
  /** The dialog's `since`: a link for an older dialog does not answer a newer one. */
  readonly since: string;
  readonly choice: string;
  readonly label: string;
  /** Expiry, ms since epoch. */
  readonly exp: number;
  readonly nonce: string;
}

export interface ActionLinksOptions {
  /** The board's base URL (`http://127.0.0.1:7338/`). */
  readonly baseUrl: () => string | null;
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** What the agent waits at now (null: nothing, or the agent is gone). */
  readonly pendingPrompt: (session: string, agent: string) => PendingPrompt | null;
  readonly calls: CallToolDeps;
}

export class ActionLinks {
  readonly #key = randomBytes(32);
  readonly #used = new Map<string, number>();
  readonly #options: ActionLinksOptions;

  constructor(options: ActionLinksOptions) {
    this.#options = options;
  }

  /** One link per choice of the dialog, or none when the board has no URL. */
  linksFor(session: string, agent: string, dialog: PendingPrompt): { label: string; url: string }[] {
    const base = this.#options.baseUrl();
    if (base === null) return [];
    const exp = this.#now() + (this.#options.ttlMs ?? DEFAULT_LINK_TTL_MS);
    return dialog.choices.map((choice) => {
      const claim: LinkClaim = {
        session,
        agent,
        since: dialog.since,
        choice: String(choice.number),
        label: choice.label,
        exp,
        nonce: randomBytes(9).toString('base64url'),
      };
      return { label: choice.label, url: new URL(`${ACTION_PATH.slice(1)}${this.sign(claim)}`, base).href };
    });
  }

  sign(claim: LinkClaim): string {
    const body = Buffer.from(JSON.stringify(claim)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The claim of a genuine, unexpired, unused link; FORBIDDEN (saying which) otherwise. */
  verify(token: string): LinkClaim {
    const [body, mac, extra] = token.split('.');
    const forged = new HubError(ErrorCodes.FORBIDDEN, 'This action link is not one this hub made (or the hub restarted since): answer from the board instead.');
    if (!body || !mac || extra !== undefined) throw forged;
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw forged;
    const claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkClaim;
    if (claim.exp <= this.#now()) throw new HubError(ErrorCodes.FORBIDDEN, 'This action link has expired: answer from the board instead.');
    if (this.#used.has(claim.nonce)) throw new HubError(ErrorCodes.FORBIDDEN, 'This action link was used already: each works once.');
    return claim;
  }

  /** The route: GET shows the confirmation, POST acts. True when the path was an action link. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (!url.pathname.startsWith(ACTION_PATH)) return false;
    const token = url.pathname.slice(ACTION_PATH.length);
    const claim = this.verify(token);
    if (req.method === 'GET') {
      page(
        res,
        200,
        `Answer ${claim.agent}'s dialog with “${claim.label}”?`,
        `<form method="post"><button type="submit">Answer “${escapeHtml(claim.label)}”</button></form>`,
      );
      return true;
    }
    if (req.method !== 'POST') throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'An action link is opened (GET) or confirmed (POST).');
    checkOrigin(req);
    const now = this.#options.pendingPrompt(claim.session, claim.agent);
    if (now === null || now.since !== claim.since) {
      throw new HubError(ErrorCodes.NO_PROMPT, `${claim.agent} no longer waits at that dialog: nothing was answered. The board shows what it does now.`);
    }
    this.#used.set(claim.nonce, claim.exp);
    this.#forgetExpired();
    const reply = await runAct(
      this.#options.calls,
      { who: `link:${claim.agent}`, role: 'operator' },
      { tool: 'answer_agent_prompt', args: { agent_name: claim.agent, choice: claim.choice } },
    );
    if (reply.body.ok) page(res, 200, `Answered ${claim.agent}'s dialog: “${claim.label}”.`, '');
    else page(res, reply.status, `Not answered: ${reply.body.error.code}`, `<p>${escapeHtml(reply.body.error.message)}</p>`);
    return true;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #forgetExpired(): void {
    const now = this.#now();
    for (const [nonce, exp] of this.#used) if (exp <= now) this.#used.delete(nonce);
  }
}

/** Text for HTML: the five characters that could start markup or end an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  securityHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>claude-hub</title><link rel="stylesheet" href="/board/board.css"></head><body><main class="board"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
  );
}

export { refusal };
