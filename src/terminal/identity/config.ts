/**
 * config.json of a terminal's data directory: who the terminal speaks for, where its officer and
 * federation APIs listen, and where its database is. Validated on load with a TypeBox schema.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

export const CONFIG_TYPE = 'hotline.terminal-config';
export const CONFIG_VERSION = 1;

/** A party code as in party cards and charters: "US", "CN", "EU-CERT". */
export const PARTY_CODE_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,15}$/;
/** BCP 47 language tag, simplified, as in the protocol's language maps. */
export const LANG_TAG_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
const Host = Type.String({ minLength: 1, maxLength: 255 });

const SqliteDatabase = Type.Object(
  { kind: Type.Literal('sqlite'), path: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
const PostgresDatabase = Type.Object(
  {
    kind: Type.Literal('postgres'),
    connectionString: Type.String({ minLength: 1 }),
    schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
  },
  { additionalProperties: false },
);

export const TerminalConfigSchema = Type.Object(
  {
    type: Type.Literal(CONFIG_TYPE),
    version: Type.Literal(CONFIG_VERSION),
    party: Type.Object(
      {
        code: Type.String({ pattern: PARTY_CODE_PATTERN.source }),
        names: Type.Record(
          Type.String({ pattern: LANG_TAG_PATTERN.source }),
          Type.String({ minLength: 1, maxLength: 500 }),
          {
            minProperties: 1,
            additionalProperties: false,
          },
        ),
        /** The root public key (base64url): the party itself. */
        key: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
      },
      { additionalProperties: false },
    ),
    officer: Type.Object(
      {
        host: Host,
        port: Port,
        /**
         * The reverse proxies in front of the officer API (addresses or CIDRs): from them alone
         * X-Forwarded-For names the caller, for the sign-in rate limit, sessions and the audit
         * log (Fastify's trustProxy). Absent: none, the connection's address is the caller's.
         */
        trustProxy: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
      },
      { additionalProperties: false },
    ),
    federation: Type.Object(
      {
        host: Host,
        port: Port,
        endpoints: Type.Array(Type.String({ pattern: '^(https|wss)://', maxLength: 500 }), { maxItems: 16 }),
      },
      { additionalProperties: false },
    ),
    database: Type.Union([SqliteDatabase, PostgresDatabase]),
    /** The root key is kept on another machine (offline-root mode): no keys/root.json here. */
    offlineRoot: Type.Optional(Type.Literal(true)),
    /**
     * High availability (#19): this directory is one instance of a party whose instances share a
     * PostgreSQL database; exactly one of them is active at a time (docs/operations.md).
     */
    ha: Type.Optional(Type.Object({ instance: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }) }, { additionalProperties: false })),
    /** Where e-mail notifications go out (escalation, src/terminal/notifiers/email-notifier.ts). */
    smtp: Type.Optional(
      Type.Object(
        {
          host: Host,
          port: Port,
          from: Type.String({ minLength: 3, maxLength: 320 }),
          secure: Type.Optional(Type.Boolean()),
          user: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          pass: Type.Optional(Type.String({ maxLength: 500 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The content of config.json. */
export type TerminalConfig = Static<typeof TerminalConfigSchema>;

/** Where the terminal keeps its data; a relative SQLite path is relative to the data directory. */
export type DatabaseConfig = TerminalConfig['database'];

const compiled = Compile(TerminalConfigSchema);

/** The first problem of a parsed config.json as "field: message", or undefined when valid. */
export function configProblem(value: unknown): string | undefined {
  if (compiled.Check(value)) {
    const proxies = value.officer.trustProxy ?? [];
    const i = proxies.findIndex((p) => !proxyAddress(p));
    return i < 0 ? undefined : `officer.trustProxy.${i}: "${proxies[i]}" is not an IP address or a CIDR block (such as 127.0.0.1, ::1 or 10.0.0.0/8)`;
  }
  const errors = [...compiled.Errors(value)].sort((a, b) => b.instancePath.length - a.instancePath.length);
  const e = errors.find((x) => x.keyword !== 'boolean') ?? errors[0];
  if (!e) return 'invalid value';
  const field = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replace(/\//g, '.');
  return `${field}: ${e.message}`;
}

/** An IP address, or a CIDR block (address/prefix length), as Fastify's trustProxy takes them. */
function proxyAddress(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** The database configuration with a relative SQLite path resolved against the data directory. */
export function resolveDatabase(dir: string, database: DatabaseConfig): DatabaseConfig {
  if (database.kind === 'sqlite' && database.path !== ':memory:' && !isAbsolute(database.path)) {
    return { kind: 'sqlite', path: resolve(dir, database.path) };
  }
  return database;
}
