/**
 * Protocol names the CLI needs to declare its commands (option choices, checks), without loading
 * src/protocol/schemas.ts (typebox: 0.4 MB of the bundle) on every start. tsc checks that each
 * list is exactly the protocol's.
 */
import type { PRECEDENCES as PROTOCOL_PRECEDENCES, ROLES as PROTOCOL_ROLES, TIERS as PROTOCOL_TIERS } from '../protocol/index.js';

export const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const;
export const TIERS = ['leaders', 'ministerial', 'military', 'working', 'technical'] as const;
export const ROLES = ['plenipotentiary', 'principal', 'duty-officer', 'observer', 'admin'] as const;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameLists: [Same<typeof PRECEDENCES, typeof PROTOCOL_PRECEDENCES>, Same<typeof TIERS, typeof PROTOCOL_TIERS>, Same<typeof ROLES, typeof PROTOCOL_ROLES>] = [true, true, true];
void sameLists;
