/**
 * /api/v1/officers*: officer accounts for admins (the same as `hotline officer ...`), and
 * /api/v1/audit: the audit log, exported and verified. Each route declares its permission.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ROLES, type Role } from '../../protocol/index.js';
import type { ChannelDirectory } from '../channels/ports.js';
import type { OfficerService } from '../officers/officer-service.js';
import * as Api from './api-schemas.js';
import { actorOf } from './auth.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
const RoleList = Type.Array(Type.Enum(ROLES), { maxItems: 5 });
const ChannelRoles = Type.Record(Type.String({ pattern: '^[0-9a-f]{6,64}$' }), Type.Enum(ROLES), { additionalProperties: false });

/** Audit records a page holds unless asked for another number, and the most. */
export const AUDIT_PAGE = 50;
export const AUDIT_PAGE_MAX = 1000;

const AuditPageQuerystring = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    until: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** Registers the officer-management and audit routes. */
export async function officersRoutes(app: FastifyInstance, opts: { officers: OfficerService; directory: Pick<ChannelDirectory, 'channel'> }): Promise<void> {
  const { officers, directory } = opts;
  const manage = { permission: 'officers.manage' } as const;
  const audit = { permission: 'audit.read' } as const;
  // Channel grants may name a channel by a unique prefix, as everywhere else.
  const fullIds = (grants: Record<string, Role> | undefined) => (grants ? Object.fromEntries(Object.entries(grants).map(([c, r]) => [directory.channel(c).id, r])) : undefined);

  app.get('/api/v1/officers', { config: manage, schema: { summary: 'Officer accounts (no secrets)' } }, async () => officers.list());

  app.post(
    '/api/v1/officers',
    { config: manage, schema: { summary: 'Add an officer: the initial password and TOTP enrolment URI are returned once', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), title: Type.String({ minLength: 1, maxLength: 200 }), roles: RoleList, channelRoles: Type.Optional(ChannelRoles) }) } },
    async (request, reply) => {
      const b = request.body as { name: string; title: string; roles: Role[]; channelRoles?: Record<string, Role> };
      const r = await officers.add({ name: b.name, title: b.title, roles: b.roles, channelRoles: fullIds(b.channelRoles) }, actorOf(request.principal));
      return reply.code(201).send(r);
    },
  );

  app.patch(
    '/api/v1/officers/:name',
    { config: manage, schema: { summary: 'Change an officer\'s title or roles', params: NameParams, body: Type.Object({ title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), roles: Type.Optional(RoleList), channelRoles: Type.Optional(ChannelRoles) }) } },
    async (request) => {
      const b = request.body as { title?: string; roles?: Role[]; channelRoles?: Record<string, Role> };
      return officers.update((request.params as { name: string }).name, { ...b, channelRoles: fullIds(b.channelRoles) }, actorOf(request.principal));
    },
  );

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const)
    app.post(`/api/v1/officers/:name/${action}`, { config: manage, schema: { summary: `${action} an officer${disabled ? ' (ends their sessions)' : ''}`, params: NameParams } }, async (request) =>
      officers.setDisabled((request.params as { name: string }).name, disabled, actorOf(request.principal)),
    );

  app.post(
    '/api/v1/officers/:name/unlock',
    { config: manage, schema: { summary: 'Lift a lockout after failed sign-ins, changing nothing else (same password and second factor; sessions go on)', params: NameParams } },
    async (request) => officers.unlock((request.params as { name: string }).name, actorOf(request.principal)),
  );

  app.post(
    '/api/v1/officers/:name/reset',
    { config: manage, schema: { summary: 'Issue a new password and/or second factor (returned once); ends sessions and clears a lockout', params: NameParams, body: Type.Object({ password: Type.Optional(Type.Boolean()), secondFactor: Type.Optional(Type.Boolean()) }) } },
    async (request) => {
      const b = request.body as { password?: boolean; secondFactor?: boolean };
      const what = b.password || b.secondFactor ? b : { password: true, secondFactor: true };
      return officers.reset((request.params as { name: string }).name, what, actorOf(request.principal));
    },
  );

  app.get('/api/v1/audit', { config: audit, schema: { summary: 'The audit log as JSON Lines', querystring: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 1 })) }) } }, async (request, reply) => {
    void reply.header('content-type', 'application/x-ndjson');
    return officers.audit.export((request.query as { from?: number }).from ?? 1);
  });

  app.get(
    '/api/v1/audit/records',
    {
      config: audit,
      schema: {
        summary: `A page of the audit log, newest first: records before seq \`before\` (the previous page's \`next\`), at most \`limit\` (default ${AUDIT_PAGE}), of one actor, of an action or its prefix ("auth" for "auth.*"), in [since, until) ms; \`next\` is null on the last page`,
        querystring: AuditPageQuerystring,
        response: { 200: Api.AuditPage },
      },
    },
    async (request) => {
      const q = request.query as { before?: number; limit?: number; actor?: string; action?: string; since?: number; until?: number };
      return officers.audit.page({ limit: q.limit ?? AUDIT_PAGE, ...(q.before !== undefined ? { beforeSeq: q.before } : {}), ...(q.actor ? { actor: q.actor } : {}), ...(q.action ? { action: q.action } : {}), ...(q.since !== undefined ? { since: q.since } : {}), ...(q.until !== undefined ? { until: q.until } : {}) });
    },
  );

  app.get('/api/v1/audit/verify', { config: audit, schema: { summary: 'Verify the audit log\'s hash chain' } }, async () => officers.audit.verify());
}
