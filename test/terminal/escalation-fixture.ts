/**
 * Fixtures for the escalation tests: two TestWings wired back to back on one ManualClock
 * (as in link-tester.test.ts), an escalation scheduler on each, and real receivers — an HTTP
 * server for webhooks and an SMTP server (smtp-server) for e-mail — started by the test.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { TestWing, type TerminalEvent } from './test-wing.js';
import { EscalationSettings } from '../../src/terminal/escalation/settings.js';
import { EscalationPlanner } from '../../src/terminal/escalation/escalation-planner.js';
import { ConsoleNotifier } from '../../src/terminal/notifiers/console-notifier.js';
import { Dispatcher } from '../../src/terminal/notifiers/dispatcher.js';
import { EmailNotifier } from '../../src/terminal/notifiers/email-notifier.js';
import { WebhookNotifier } from '../../src/terminal/notifiers/webhook-notifier.js';
import { EscalationScheduler } from '../../src/terminal/schedulers/escalation-scheduler.js';
import { backToBack, portsOf } from './back-to-back.js';

/** A webhook receiver: every POST with its headers and raw body; answers `status` (default 204). */
export async function webhookReceiver(): Promise<{ url: string; calls: Array<{ headers: IncomingHttpHeaders; body: string }>; status: number; close(): Promise<void> }> {
  const calls: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const r = {
    url: '',
    calls,
    status: 204,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      calls.push({ headers: req.headers, body });
      res.writeHead(r.status).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hotline`;
  return r;
}

/** An SMTP server that keeps every mail it is given. */
export async function smtpReceiver(): Promise<{ port: number; mails: Array<{ from: string; to: string[]; data: string; at: number }>; close(): Promise<void> }> {
  const mails: Array<{ from: string; to: string[]; data: string; at: number }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (d: Buffer) => (data += d.toString()));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, at: Date.now() });
        callback();
      });
    },
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((res) => server.close(() => res())) };
}

/** A terminal's escalation machinery over a TestWing. */
export function escalation(service: TestWing, settings: () => EscalationSettings, smtpPort?: number) {
  const notifiers = [new ConsoleNotifier(service.events), new WebhookNotifier({ timeoutMs: 5000 }), ...(smtpPort ? [new EmailNotifier({ host: '127.0.0.1', port: smtpPort, from: 'hotline@cn.example' })] : [])];
  let scheduler: EscalationScheduler | undefined = undefined;
  const dispatcher = new Dispatcher({ store: service.store.escalations, notifiers, now: () => service.now(), elapsed: () => service.elapsed(), retry: () => settings().retry, stillWanted: (n) => scheduler!.stillWanted(n) });
  scheduler = new EscalationScheduler({ ...portsOf(service), settings, dispatcher });
  service.wing.committer.planner = new EscalationPlanner({ settings, self: service.self.party, label: (p) => service.label(p) });
  scheduler.start();
  const events: TerminalEvent[] = [];
  service.events.onAny((e: TerminalEvent) => (e.type === 'escalation' || e.type === 'alarm') && events.push(e));
  return { scheduler, dispatcher, events };
}

/** Two terminals (US sends, CN receives) in one process on a ManualClock, with an active channel. */
export async function pairWithChannel(ackDeadlineSec: { FLASH?: number; IMMEDIATE?: number } = { FLASH: 60 }) {
  const t = await backToBack();
  const channel = await t.activeChannel({ title: 'Line', ackDeadlineSec });
  return { us: t.a, cn: t.b, clock: t.clock, settle: t.settle, cleanup: t.cleanup, channel };
}
