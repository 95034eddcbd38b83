/**
 * The escalation settings of a running terminal, kept in DATA/escalation.json and DATA/roster.json:
 * loaded (and validated) at start, replaced through the officer API — validated first, written
 * atomically, then swapped in, so that a bad change is refused and nothing already stored is lost.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, writeFileAtomic, PRIVATE_FILE_MODE } from '../identity/files.js';
import { EscalationSettings, ESCALATION_FILE, ROSTER_FILE, parseSettingsJson, type ContactSpec, type EscalationFile, type PolicySpec, type RosterFile } from './settings.js';

/** Stands for a webhook secret in what the API shows; given back unchanged, it keeps the secret. */
export const SECRET_MASK = '(secret)';

/** A channel's part of escalation.json, as the API and `hotline escalation set` exchange it. */
export interface ChannelEscalation {
  readonly contacts?: Record<string, ContactSpec>;
  readonly policies: PolicySpec[];
}

export class EscalationSettingsFiles {
  readonly #dir: string;
  readonly #smtp: boolean;
  #current: EscalationSettings;

  private constructor(dir: string, smtp: boolean, current: EscalationSettings) {
    this.#dir = dir;
    this.#smtp = smtp;
    this.#current = current;
  }

  /** Loads both files from `dir` (absent files: defaults); throws naming the file and the field. */
  static async load(dir: string, opts: { smtp: boolean }): Promise<EscalationSettingsFiles> {
    const read = async (name: string) => {
      const path = join(dir, name);
      return (await exists(path)) ? parseSettingsJson(name, await readFile(path, 'utf8')) : undefined;
    };
    return new EscalationSettingsFiles(dir, opts.smtp, EscalationSettings.from(await read(ESCALATION_FILE), await read(ROSTER_FILE), opts));
  }

  current(): EscalationSettings {
    return this.#current;
  }

  /** The policies written for `channel` (its full id), and the contacts they name; secrets masked. */
  channel(channel: string): ChannelEscalation {
    const file = this.#current.file;
    const policies = file.policies.filter((p) => p.channel !== undefined && p.channel !== '*' && channel.startsWith(p.channel));
    const names = new Set(policies.flatMap((p) => [...p.levels.flatMap((l) => l.contacts), ...(p.overdue ?? []), ...(p.alarms ?? [])]));
    const contacts: Record<string, ContactSpec> = {};
    for (const [name, c] of Object.entries(file.contacts ?? {})) if (names.has(name)) contacts[name] = mask(c);
    return { contacts, policies };
  }

  /** Replaces the policies of `channel` (and adds or replaces the contacts given). */
  async setChannel(channel: string, input: ChannelEscalation): Promise<EscalationSettings> {
    const file = this.#current.configured ? this.#current.file : { policies: [] };
    const contacts = { ...(file.contacts ?? {}) };
    for (const [name, c] of Object.entries(input.contacts ?? {}))
      contacts[name] = c.webhook?.secret === SECRET_MASK && contacts[name]?.webhook ? { ...c, webhook: { ...c.webhook, secret: contacts[name].webhook.secret } } : c;
    // Checked alone first, so that errors name the fields as the caller wrote them.
    EscalationSettings.from({ contacts, policies: input.policies }, this.#current.roster, { smtp: this.#smtp });
    const next: EscalationFile = {
      ...file,
      contacts,
      policies: [...file.policies.filter((p) => !(p.channel !== undefined && p.channel !== '*' && channel.startsWith(p.channel))), ...input.policies.map((p) => ({ ...p, channel }))],
    };
    const settings = EscalationSettings.from(next, this.#current.roster, { smtp: this.#smtp });
    await writeFileAtomic(join(this.#dir, ESCALATION_FILE), `${JSON.stringify(next, null, 2)}\n`, PRIVATE_FILE_MODE);
    this.#current = settings;
    return settings;
  }

  /**
   * Replaces the roster; refused if a policy would then name an unknown contact. An officer's
   * webhook secret given as {@link SECRET_MASK} (as GET /api/v1/roster shows it) keeps the
   * secret stored for that officer.
   */
  async setRoster(input: unknown): Promise<EscalationSettings> {
    const roster = keepRosterSecrets(input, this.#current.roster);
    const settings = EscalationSettings.from(this.#current.configured ? this.#current.file : undefined, roster, { smtp: this.#smtp });
    await writeFileAtomic(join(this.#dir, ROSTER_FILE), `${JSON.stringify(roster as RosterFile, null, 2)}\n`, PRIVATE_FILE_MODE);
    this.#current = settings;
    return settings;
  }
}

/** `input` with each masked officer webhook secret replaced by the one stored (left as is if there is none: then refused). */
function keepRosterSecrets(input: unknown, stored: RosterFile): unknown {
  const officers = (input as { officers?: unknown } | null)?.officers;
  if (typeof officers !== 'object' || officers === null) return input;
  const kept = Object.fromEntries(
    Object.entries(officers as Record<string, { webhook?: { secret?: unknown } }>).map(([id, o]) => {
      const secret = stored.officers[id]?.webhook?.secret;
      return [id, o?.webhook?.secret === SECRET_MASK && secret !== undefined ? { ...o, webhook: { ...o.webhook, secret } } : o];
    }),
  );
  return { ...(input as object), officers: kept };
}

function mask(c: ContactSpec): ContactSpec {
  return c.webhook ? { ...c, webhook: { ...c.webhook, secret: SECRET_MASK } } : c;
}
