/**
 * Drills: a FLASH-precedence message with `drill: true` that the other side must acknowledge like
 * any FLASH message; marked DRILL wherever it appears (channel show, API, verification report).
 * Sent on demand (`hotline drill`, POST /api/v1/channels/:id/drills) or by the drill scheduler,
 * daily at a random time inside a UTC window configured per channel.
 *
 * Schedules live in the store's settings (meta key `drills.schedule.<channel>`), so they survive
 * restarts and are the same through the CLI and the API.
 */
import type { OfficerRef, SealedEntry } from '../../protocol/index.js';
import type { JsonValue, Store } from '../../store/index.js';
import type { ChannelActions } from '../channels/ports.js';
import { TerminalError } from '../errors.js';

/** The daily drill schedule of one channel: a UTC window [from, to) in minutes of the day. */
export interface DrillSchedule {
  readonly enabled: boolean;
  /** Start of the window, minutes after 00:00 UTC. */
  readonly fromMinute: number;
  /** End of the window, minutes after 00:00 UTC; at or before fromMinute the window runs past midnight. */
  readonly toMinute: number;
}

export const DEFAULT_DRILL_WINDOW = '09:00-17:00';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses "09:00-17:00" (UTC; "22:00-06:00" runs past midnight); throws TerminalError BAD_REQUEST. */
export function parseWindow(text: string): { fromMinute: number; toMinute: number } {
  const [a, b, ...rest] = text.split('-').map((s) => s.trim());
  const ma = a ? HHMM.exec(a) : null;
  const mb = b ? HHMM.exec(b) : null;
  if (!ma || !mb || rest.length)
    throw new TerminalError('BAD_REQUEST', { detail: `Drill window "${text}" is not HH:MM-HH:MM in UTC; give e.g. ${DEFAULT_DRILL_WINDOW}` });
  const fromMinute = Number(ma[1]) * 60 + Number(ma[2]);
  const toMinute = Number(mb[1]) * 60 + Number(mb[2]);
  if (fromMinute === toMinute) throw new TerminalError('BAD_REQUEST', { detail: `Drill window "${text}" is empty: start and end are the same time` });
  return { fromMinute, toMinute };
}

/** "09:00-17:00" for a schedule. */
export function formatWindow(s: Pick<DrillSchedule, 'fromMinute' | 'toMinute'>): string {
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${hm(s.fromMinute)}-${hm(s.toMinute)}`;
}

const scheduleKey = (channel: string) => `drills.schedule.${channel}`;
const planKey = (channel: string) => `drills.plan.${channel}`;

export async function getDrillSchedule(store: Pick<Store, 'getMeta'>, channel: string): Promise<DrillSchedule | undefined> {
  const v = await store.getMeta<{ enabled: boolean; fromMinute: number; toMinute: number }>(scheduleKey(channel));
  return v ? { enabled: v.enabled, fromMinute: v.fromMinute, toMinute: v.toMinute } : undefined;
}

export async function setDrillSchedule(store: Pick<Store, 'setMeta'>, channel: string, schedule: DrillSchedule): Promise<void> {
  await store.setMeta(scheduleKey(channel), { enabled: schedule.enabled, fromMinute: schedule.fromMinute, toMinute: schedule.toMinute });
  // A new window means a new plan.
  await store.setMeta(planKey(channel), null);
}

/** The scheduler's plan for one window, persisted so that a restart neither repeats nor forgets a drill. */
export interface DrillPlan {
  /** Start of the window this plan is for. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** When the drill goes out. */
  readonly at: number;
  /** What happened: planned, sent (with the message id), or skipped (channel not active). */
  readonly status: 'planned' | 'sent' | 'skipped';
  readonly message?: string;
}

export async function getDrillPlan(store: Pick<Store, 'getMeta'>, channel: string): Promise<DrillPlan | undefined> {
  const v = await store.getMeta<JsonValue>(planKey(channel));
  return v && typeof v === 'object' ? (v as unknown as DrillPlan) : undefined;
}

export async function setDrillPlan(store: Pick<Store, 'setMeta'>, channel: string, plan: DrillPlan): Promise<void> {
  await store.setMeta(planKey(channel), { ...plan } as unknown as JsonValue);
}

export const DRILL_TEXT = 'DRILL. This is a readiness drill, not a real event. Acknowledge it as you would a FLASH message.';

/** Sends a drill on a channel: FLASH, drill: true, subject DRILL. */
export async function sendDrill(service: Pick<ChannelActions, 'send'>, channel: string, options: { from?: OfficerRef; text?: string; lang?: string } = {}): Promise<SealedEntry<'message'>> {
  return service.send(channel, {
    text: options.text ?? DRILL_TEXT,
    lang: options.lang ?? 'en',
    precedence: 'FLASH',
    subject: 'DRILL',
    drill: true,
    ...(options.from ? { from: options.from } : {}),
  });
}
