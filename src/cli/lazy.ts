/**
 * Where the CLI's commands reach the heavy modules: the terminal (Fastify, the stores, federation,
 * crypto setup), the protocol's barrel (schemas, verification) and the officer API client. Each is
 * loaded by a dynamic import() on first use, inside an action, so that registering the commands
 * (`hotline --help`, usage errors, argument checks, `--version`) loads none of them; rolldown puts
 * them in chunks under dist/cli/main-chunks/ (rolldown.config.mjs). A command module imports these
 * modules statically for their types only (`import type`), and their values through here.
 */
import type { loadTerminalIdentity } from '../terminal/index.js';
import type { OfficerClient } from './officer-client.js';

/** A terminal's identity, as loadTerminalIdentity() gives it. */
export type TerminalIdentity = Awaited<ReturnType<typeof loadTerminalIdentity>>;

/** The terminal's barrel, src/terminal/index.ts. */
export const loadTerminal = () => import('../terminal/index.js');

/** The protocol's barrel, src/protocol/index.ts. */
export const loadProtocol = () => import('../protocol/index.js');

/** {@link import('./officer-client.js').officerClient}, loaded on first use. */
export async function officerClient(dir: string, actAs?: string): Promise<OfficerClient> {
  return (await import('./officer-client.js')).officerClient(dir, actAs);
}
