/**
 * The e-mail notifier: plain-text mail over SMTP through nodemailer, to the server of config.json
 * ("smtp": {"host", "port", "from", ...}).
 */
import type { Transporter } from 'nodemailer';
import type { Target } from '../escalation/settings.js';
import type { Notice, Notifier } from './notification.js';

/** SMTP settings (config.json "smtp"). */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** Sender address, e.g. "Hotline US <hotline@example.org>". */
  readonly from: string;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure?: boolean;
  readonly user?: string;
  readonly pass?: string;
}

export class EmailNotifier implements Notifier {
  readonly via = 'email' as const;
  readonly #smtp: SmtpSettings;
  /** Loaded with the notifier (only terminals with SMTP configured load nodemailer at all). */
  readonly #transport: Promise<Transporter>;

  constructor(smtp: SmtpSettings, opts: { timeoutMs?: number } = {}) {
    this.#smtp = smtp;
    const timeout = opts.timeoutMs ?? 15_000;
    this.#transport = import('nodemailer').then(({ createTransport }) =>
      createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure ?? false,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      }),
    );
  }

  async send(target: Target, n: Notice): Promise<void> {
    await (await this.#transport).sendMail({
      from: this.#smtp.from,
      to: target.address,
      subject: n.subject,
      text: n.text,
      headers: { 'X-Hotline-Event': n.kind, ...(n.message ? { 'X-Hotline-Message': n.message.hash } : {}) },
    });
  }

  close(): void {
    void this.#transport.then((t) => t.close()).catch(() => undefined);
  }
}
