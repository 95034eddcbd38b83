/**
 * Who may do what on this terminal: ONE table from role to allowed actions, and the few rules
 * that go with it (per-channel role grants, the charter's roles for this party, the highest
 * precedence a role may send). Every officer-API route names one action from this table.
 */
import { PRECEDENCES, type Precedence, type Role } from '../../protocol/index.js';
import type { OfficerRoles } from '../../store/index.js';
import { TerminalError } from '../errors.js';

/** Every action an officer-API route can require. */
export const ACTIONS = [
  // the terminal
  'terminal.read',
  'terminal.manage',
  'officers.manage',
  'sessions.manage',
  'audit.read',
  // channels
  'channel.read',
  'channel.export',
  'charter.propose',
  'charter.accept',
  'charter.decline',
  'charter.withdraw',
  'charter.amend',
  'charter.suspend',
  'charter.resume',
  'charter.close',
  'message.send',
  'message.ack',
  // the dialogue layer (docs/protocol.md §6.1)
  'dialogue.write',
  'dialogue.position',
  'dialogue.endorse',
  'dialogue.commitment',
] as const;

/** An action of {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/** Issues, meetings, readouts, drafts and amendments; positions; endorsements; commitments. */
const DIALOGUE: readonly Action[] = ['dialogue.write', 'dialogue.position', 'dialogue.endorse', 'dialogue.commitment'];

const CHARTER: readonly Action[] = ['charter.propose', 'charter.accept', 'charter.decline', 'charter.withdraw', 'charter.amend', 'charter.suspend', 'charter.resume', 'charter.close'];

/**
 * THE table. admin runs the terminal (officers, peers, audit) but speaks on no channel;
 * plenipotentiaries handle charters; principals and duty officers send and acknowledge;
 * observers read. The dialogue: plenipotentiaries do all of it and alone endorse joint texts;
 * principals open issues, state positions, handle meetings, readouts, drafts and commitments.
 * The charter's dialogue rules may narrow who states positions, endorses and records commitments.
 */
export const PERMISSIONS: Readonly<Record<Role, readonly Action[]>> = Object.freeze({
  admin: ['terminal.read', 'terminal.manage', 'officers.manage', 'sessions.manage', 'audit.read'],
  plenipotentiary: ['terminal.read', 'channel.read', 'channel.export', ...CHARTER, ...DIALOGUE],
  principal: ['terminal.read', 'channel.read', 'channel.export', 'message.send', 'message.ack', 'dialogue.write', 'dialogue.position', 'dialogue.commitment'],
  'duty-officer': ['terminal.read', 'channel.read', 'channel.export', 'message.send', 'message.ack'],
  observer: ['terminal.read', 'channel.read', 'channel.export'],
});

/** Actions that put an officer's name inside a signed entry, or change who can: a second factor is required. */
export const SIGNING_ACTIONS: ReadonlySet<Action> = new Set<Action>([...CHARTER, ...DIALOGUE, 'message.send', 'message.ack', 'officers.manage']);

/** Actions whose signed entry carries the officer's role, which the charter must allow for this party. */
const ROLE_IN_ENTRY: ReadonlySet<Action> = new Set<Action>(['message.send', 'message.ack', ...DIALOGUE]);

/** The highest precedence each sending role may use (configurable per terminal). */
export type PrecedenceCaps = Readonly<Partial<Record<Role, Precedence>>>;

/** Default caps: duty officers up to IMMEDIATE; principals anything. */
export const DEFAULT_PRECEDENCE_CAPS: PrecedenceCaps = Object.freeze({ 'duty-officer': 'IMMEDIATE', principal: 'FLASH' });

/** Whether `role` may do `action` per the table. */
export function roleAllows(role: Role, action: Action): boolean {
  return PERMISSIONS[role]?.includes(action) ?? false;
}

/** Whether an officer with these roles needs a second factor to sign in. */
export function needsSecondFactor(roles: OfficerRoles): boolean {
  const all = new Set<string>([...roles.terminal, ...Object.values(roles.channels)]);
  return [...all].some((r) => (PERMISSIONS[r as Role] ?? []).some((a) => SIGNING_ACTIONS.has(a)));
}

/** The roles an officer holds on `channel` (a grant for that channel replaces the terminal-wide roles). */
export function rolesOn(roles: OfficerRoles, channel?: string): Role[] {
  if (channel !== undefined && roles.channels[channel] !== undefined) return [roles.channels[channel] as Role];
  return roles.terminal as Role[];
}

/** What a permission check is about. */
export interface PermissionQuery {
  readonly action: Action;
  /** The channel acted on, when the action is on one. */
  readonly channel?: string;
  /** Roles the charter allows for this party on that channel (for entries that carry a role). */
  readonly charterRoles?: readonly string[];
  /** For message.send: the precedence asked for. */
  readonly precedence?: Precedence;
}

/**
 * Picks the role in which an officer does `query.action`, or throws FORBIDDEN naming the missing
 * permission. `who` is for the message, e.g. `officer "Cdr Smith"`.
 */
export function actingRole(who: string, roles: OfficerRoles, query: PermissionQuery, caps: PrecedenceCaps = DEFAULT_PRECEDENCE_CAPS): Role {
  const held = rolesOn(roles, query.channel);
  // The channel list (no channel named) also counts channel grants: an officer granted one
  // channel sees that channel listed. Routes spanning channels show only the channels the officer
  // may read (officer-server.ts readableChannels); the terminal's status is open to every officer.
  const candidates = query.channel === undefined && query.action === 'channel.read' ? [...new Set([...held, ...(Object.values(roles.channels) as Role[])])] : held;
  const permitted = candidates.filter((r) => roleAllows(r, query.action));
  const heldText = candidates.length ? candidates.join(', ') : 'no role';
  if (permitted.length === 0) throw forbidden(who, query.action, ` (holds ${heldText}${query.channel ? ` on channel ${query.channel.slice(0, 12)}` : ''})`);
  let fitting = permitted;
  if (query.charterRoles && ROLE_IN_ENTRY.has(query.action)) {
    fitting = permitted.filter((r) => query.charterRoles!.includes(r));
    if (fitting.length === 0)
      throw forbidden(who, query.action, `: the channel's charter allows this party only ${query.charterRoles.join(', ')}, and ${who} acts as ${permitted.join(', ')}`);
  }
  if (query.action === 'message.send' && query.precedence) {
    // PRECEDENCES lists the most urgent first: a cap allows its own level and every less urgent one.
    const rank = (p: Precedence) => PRECEDENCES.indexOf(p);
    const within = fitting.filter((r) => caps[r] !== undefined && rank(query.precedence!) >= rank(caps[r]!));
    if (within.length === 0) {
      const best = fitting.map((r) => `${r} up to ${caps[r] ?? 'none'}`).join(', ');
      throw forbidden(who, `message.send:${query.precedence}`, `: ${best}`);
    }
    fitting = within;
  }
  return fitting[0]!;
}

/** FORBIDDEN naming the missing permission. */
export function forbidden(who: string, permission: string, why = ''): TerminalError {
  // The roles that have it, so that the admin knows what to grant (not for a precedence above a
  // role's cap, "message.send:FLASH": the caps are the terminal's own, named in `why`).
  const having = permission.includes(':') ? [] : (Object.keys(PERMISSIONS) as Role[]).filter((r) => roleAllows(r, permission as Action));
  const grant = having.length ? `a role that has it (${having.join(' or ')})` : 'a role that has it';
  return new TerminalError('FORBIDDEN', { detail: `Not allowed: ${who} lacks the permission "${permission}"${why}. Ask an admin to grant ${grant} (\`hotline officer list\` shows roles).` });
}
