/**
 * Route validators compiled when first needed instead of when a server starts.
 *
 * Fastify compiles the JSON Schema validators of every route while the server starts. For the
 * officer and federation APIs that is most of a terminal's start once its logs are loaded
 * (about 0.5 s on a 2-core VM), and a terminal back from an outage cannot catch up until it is
 * done. With this compiler factory each validator is compiled by Fastify's own Ajv compiler, with
 * the server's Ajv options, at its first use; {@link LazyValidators.warm} then compiles the rest a
 * few at a time once the server listens, so that first requests do not pay for it either.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type BuildValidator = (externalSchemas: unknown, options: unknown) => (routeSchema: unknown) => Validate;

/** A `schemaController` option for Fastify, and the warm-up of what it deferred. */
export interface LazyValidators {
  readonly schemaController: NonNullable<FastifyServerOptions['schemaController']>;
  /** Compiles the validators not used yet, one per turn of the event loop; resolves when done. */
  warm(): Promise<void>;
  /** Ends a warm() under way (the servers are closing). */
  stop(): void;
}

export function lazyValidators(): LazyValidators {
  const pool = AjvCompiler() as unknown as BuildValidator;
  const pending = new Set<() => Validate>();
  let stopped = false;
  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const build = pool(externalSchemas, options);
    return (routeSchema) => {
      let compiled: Validate | undefined;
      const get = (): Validate => {
        if (compiled === undefined) {
          compiled = build(routeSchema);
          pending.delete(get);
        }
        return compiled;
      };
      pending.add(get);
      const lazy = ((data: unknown, context?: unknown) => get()(data, context)) as Validate;
      // Fastify reads both from the validator: Ajv's compiled function carries them.
      Object.defineProperty(lazy, 'schemaEnv', { get: () => get().schemaEnv });
      Object.defineProperty(lazy, 'errors', { get: () => get().errors });
      return lazy;
    };
  };
  return {
    // Fastify types a validator as Ajv's own function; this one forwards to it.
    schemaController: { compilersFactory: { buildValidator } } as unknown as NonNullable<FastifyServerOptions['schemaController']>,
    async warm() {
      for (const get of [...pending]) {
        await new Promise((r) => setImmediate(r));
        if (stopped) return;
        get();
      }
    },
    stop() {
      stopped = true;
    },
  };
}
