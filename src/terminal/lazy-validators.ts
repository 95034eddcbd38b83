/**
 * Route validators and response serialisers compiled when first needed instead of when a server
 * starts.
 *
 * Fastify compiles the JSON Schema validators of every route while the server starts. For the
 * officer and federation APIs that is most of a terminal's start once its logs are loaded
 * (about 0.5 s on a 2-core VM), and a terminal back from an outage cannot catch up until it is
 * done. With this compiler factory each validator is compiled by Fastify's own Ajv compiler, with
 * the server's Ajv options, at its first use; {@link LazyValidators.warm} then compiles the rest a
 * few at a time once the server listens, so that first requests do not pay for it either.
 *
 * warm() compiles only while the event loop is mostly idle: a terminal that comes back to a
 * backlog stores it first. Compiling the rest takes about 0.3 s of the main thread on a 2-core VM,
 * which otherwise went in between the first batches of a catch-up.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type BuildValidator = (externalSchemas: unknown, options: unknown) => (routeSchema: unknown) => Validate;
type Serialize = (data: unknown) => string;
type BuildSerializer = (externalSchemas: unknown, options: unknown) => (routeSchema: unknown) => Serialize;

/** A `schemaController` option for Fastify, and the warm-up of what it deferred. */
export interface LazyValidators {
  readonly schemaController: NonNullable<FastifyServerOptions['schemaController']>;
  /**
   * Compiles the validators not used yet, one per turn of the event loop, while `idle` says the
   * terminal has nothing more urgent to do (default {@link loopIdle}); resolves when done.
   */
  warm(idle?: () => Promise<void>): Promise<void>;
  /** Validators and response serialisers not compiled yet. */
  readonly waiting: number;
  /** Ends a warm() under way (the servers are closing). */
  stop(): void;
}

/** Options of {@link lazyValidators}. */
export interface LazyValidatorOptions {
  /**
   * Request bodies taken as sent (#14 D10): no type coercion, and unknown members refused rather
   * than dropped (every object schema listing its properties is closed). Default false: Fastify's.
   */
  readonly strictBodies?: boolean;
}

export function lazyValidators(settings: LazyValidatorOptions = {}): LazyValidators {
  const pool = AjvCompiler() as unknown as BuildValidator;
  const pending = new Set<() => unknown>();
  let stopped = false;
  /** `compile` run at the first call of the returned getter (by a request or by warm()), once. */
  const deferred = <F>(compile: () => F): (() => F) => {
    let compiled: F | undefined;
    const get = (): F => {
      if (compiled === undefined) {
        compiled = compile();
        pending.delete(get);
      }
      return compiled;
    };
    pending.add(get);
    return get;
  };
  // Response serialisers (fast-json-stringify) likewise: Fastify compiles one per route and status
  // at start, 0.2–0.3 s of a terminal's start on the 2-core VM; each is compiled by Fastify's
  // own compiler at the first response that needs it, or by warm().
  const serializers = SerializerSelector() as unknown as BuildSerializer;
  const buildSerializer: BuildSerializer = (externalSchemas, options) => {
    const build = serializers(externalSchemas, options);
    return (routeSchema) => {
      const get = deferred(() => build(routeSchema));
      return (data: unknown) => get()(data);
    };
  };
  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const build = pool(externalSchemas, options);
    // With strictBodies, request bodies are taken as sent (#14 D10): no type coercion ({"text": 12345} is not the text
    // "12345") and no silent removal of unknown members, which are refused instead. Query strings
    // and path parameters keep Fastify's coercion (they are text by nature).
    const opts = options as { customOptions?: Record<string, unknown> };
    const buildBody = settings.strictBodies ? pool(externalSchemas, { ...opts, customOptions: { ...opts.customOptions, coerceTypes: false, removeAdditional: false } }) : undefined;
    return (routeSchema) => {
      const get = deferred((): Validate => {
        const r = routeSchema as { httpPart?: string; schema?: unknown };
        return buildBody && r.httpPart === 'body' ? buildBody({ ...r, schema: closedObjects(r.schema) }) : build(routeSchema);
      });
      const lazy = ((data: unknown, context?: unknown) => get()(data, context)) as Validate;
      // Fastify reads both from the validator: Ajv's compiled function carries them.
      Object.defineProperty(lazy, 'schemaEnv', { get: () => get().schemaEnv });
      Object.defineProperty(lazy, 'errors', { get: () => get().errors });
      return lazy;
    };
  };
  return {
    // Fastify types a validator as Ajv's own function; this one forwards to it.
    schemaController: { compilersFactory: { buildValidator, buildSerializer } } as unknown as NonNullable<FastifyServerOptions['schemaController']>,
    async warm(idle = loopIdle) {
      let idleAt = -Infinity;
      for (const get of [...pending]) {
        // Asked again every 100 ms: a backlog that arrives meanwhile goes first.
        if (performance.now() - idleAt > IDLE_RECHECK_MS) {
          await idle();
          idleAt = performance.now();
        } else await new Promise((r) => setImmediate(r));
        if (stopped) return;
        get();
      }
    },
    get waiting() {
      return pending.size;
    },
    stop() {
      stopped = true;
    },
  };
}

/** How long warm() compiles before it asks again whether the terminal is idle. */
const IDLE_RECHECK_MS = 100;

/**
 * Resolves once the event loop was busy less than half of a 100 ms window, or after `maxWaitMs`
 * whatever the load (the validators are compiled in the end either way).
 */
export async function loopIdle(maxWaitMs = 10_000): Promise<void> {
  const until = performance.now() + maxWaitMs;
  for (;;) {
    const before = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, IDLE_RECHECK_MS));
    if (performance.eventLoopUtilization(before).utilization < 0.5 || performance.now() >= until) return;
  }
}

/**
 * A copy of a body schema in which every object schema that lists its properties and says nothing
 * of others refuses others (`additionalProperties: false`): an unknown member is an error, not
 * dropped. Members of an `allOf` are left open (each part names only some of the members).
 */
export function closedObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closedObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Enumerable members only: TypeBox's markers (`~kind`) are not, and are no JSON Schema keywords.
  for (const [key, v] of Object.entries(s)) {
    out[key] = key === 'allOf' || key === 'const' || key === 'default' || key === 'examples' || key === 'enum' ? v : closedObjects(v);
  }
  if (s.type === 'object' && s.properties !== undefined && s.additionalProperties === undefined && s.patternProperties === undefined) out.additionalProperties = false;
  return out;
}
