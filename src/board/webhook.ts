/**
 * `--notify-webhook URL`: each notice (notices.ts) as one JSON POST to every URL, in a shape
 * ntfy's JSON publishing (`topic`, `title`, `message`, `tags`, `priority`, `actions`) and chat
 * webhooks (`text` for Slack and Mattermost, `content` for Discord) accept, plus the notice
 * itself under `claude_hub`. Sending never blocks the hub: notices wait in a bounded queue
 * (the oldest is dropped, and counted, when it is full) for one sender that retries a failed
 * POST (network error, 429, 5xx) with back-off. Text is redacted (log-redact.ts) before it
 * leaves, and a URL (which may hold a webhook's secret) is logged by its origin only.
 */
import type { Logger } from '../log.js';
import { redactText } from '../log-redact.js';
import type { Notice } from './notices.js';

export interface WebhookOptions {
  readonly urls: readonly string[];
  readonly logger: Logger;
  /** Action links for a waiting agent's dialog (action-links.ts), when the board runs. */
  readonly links?: (notice: Notice) => { label: string; url: string }[];
  readonly maxQueue?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface Job {
  readonly url: string;
  readonly body: string;
  tries: number;
}

export class WebhookNotifier {
  readonly #options: WebhookOptions;
  readonly #queue: Job[] = [];
  #dropped = 0;
  #sent = 0;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(options: WebhookOptions) {
    this.#options = options;
  }

  /** Queues the notice for every URL; returns at once. */
  notify(notice: Notice): void {
    if (this.#closed) return;
    const max = this.#options.maxQueue ?? 100;
    for (const url of this.#options.urls) {
      if (this.#queue.length >= max) {
        this.#queue.shift();
        this.#dropped += 1;
      }
      this.#queue.push({ url, body: JSON.stringify(webhookBody(url, notice, this.#options.links?.(notice) ?? [])), tries: 0 });
    }
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
  }

  get stats(): { queued: number; dropped: number; sent: number } {
    return { queued: this.#queue.length, dropped: this.#dropped, sent: this.#sent };
  }

  /** Resolves when the queue is empty (tests, and a clean stop). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  async #drain(): Promise<void> {
    const retries = this.#options.retries ?? 3;
    const backoff = this.#options.backoffMs ?? 1000;
    for (let job = this.#queue.shift(); job !== undefined && !this.#closed; job = this.#queue.shift()) {
      for (;;) {
        job.tries += 1;
        const outcome = await this.#post(job);
        if (outcome === 'sent') {
          this.#sent += 1;
          break;
        }
        if (outcome === 'final' || job.tries > retries) {
          this.#options.logger.warn('webhook notification not delivered', { to: originOf(job.url), tries: job.tries });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff * 2 ** (job!.tries - 1)).unref());
      }
    }
  }

  async #post(job: Job): Promise<'sent' | 'retry' | 'final'> {
    const send = this.#options.fetch ?? fetch;
    try {
      const response = await send(job.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'claude-hub' },
        body: job.body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
        redirect: 'error',
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return 'sent';
      return response.status === 429 || response.status >= 500 ? 'retry' : 'final';
    } catch {
      return 'retry';
    }
  }
}

/** The JSON one webhook gets for a notice. (Pure.) */
export function webhookBody(url: string, notice: Notice, links: readonly { label: string; url: string }[]): Record<string, unknown> {
  const title = redactText(notice.title);
  const message = redactText(notice.message);
  const parsed = new URL(url);
  const topic = parsed.searchParams.get('topic') ?? parsed.pathname.split('/').filter(Boolean).pop() ?? 'claude-hub';
  return {
    topic,
    title,
    message,
    tags: [notice.kind === 'waiting' ? 'warning' : notice.kind === 'done' ? 'white_check_mark' : 'x'],
    priority: notice.kind === 'waiting' ? 4 : 3,
    ...(links.length > 0 ? { actions: links.slice(0, 3).map((link) => ({ action: 'view', label: link.label.slice(0, 40), url: link.url })) } : {}),
    text: `${title}: ${message}`,
    content: `${title}: ${message}`,
    claude_hub: {
      kind: notice.kind,
      session: notice.session,
      agent: notice.agent,
      task: notice.task,
      at: notice.at,
      ...(notice.dialog ? { dialog: { question: redactText(notice.dialog.question), choices: notice.dialog.choices.map((c) => c.label) } } : {}),
      links,
    },
  };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
