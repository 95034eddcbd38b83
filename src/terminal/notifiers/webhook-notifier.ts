/**
 * The webhook notifier: an HTTP POST of a JSON body, signed with HMAC-SHA256 under the contact's
 * secret so that the receiver can tell it came from this terminal and was not altered:
 *
 *   X-Hotline-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 *   X-Hotline-Event:     escalation | overdue | alarm
 *
 * Any answer other than 2xx, a network error or a timeout is a failure (the dispatcher retries).
 */
import { createHmac } from 'node:crypto';
import type { Target } from '../escalation/settings.js';
import type { Notice, Notifier } from './notification.js';

/** The header value for `body` signed with `secret`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The JSON body of a webhook call. */
export function webhookBody(n: Notice): string {
  return JSON.stringify({ type: 'hotline.notification', version: 1, ...n });
}

export class WebhookNotifier implements Notifier {
  readonly via = 'webhook' as const;
  readonly #timeoutMs: number;

  constructor(opts: { timeoutMs?: number } = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(target: Target, n: Notice): Promise<void> {
    const body = webhookBody(n);
    let response: Response;
    try {
      response = await fetch(target.address, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'hotline-terminal',
          'x-hotline-event': n.kind,
          'x-hotline-signature': webhookSignature(target.secret ?? '', body),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const reason = err.name === 'TimeoutError' ? `no answer within ${this.#timeoutMs} ms` : [err.cause?.code, err.cause?.message ?? err.message].filter(Boolean).join(': ');
      throw new Error(`POST failed: ${reason}`);
    }
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  }
}
