/**
 * /api/v1/formats: the agreed-format definitions this terminal holds (docs/protocol.md §13), to
 * compose and render formatted messages; /api/v1/channels/:id/formats: those a channel agreed.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { checkFields, formatHash } from '../../protocol/index.js';
import { TerminalError } from '../errors.js';
import { formatSummary, type FormatCatalogue } from '../formats/catalogue.js';
import * as Api from './api-schemas.js';
import { ChannelParams, type OfficerApiPorts } from './route-kit.js';

/** Options of {@link formatsRoutes}. */
export interface FormatsRoutesOptions extends Pick<OfficerApiPorts, 'directory' | 'now'> {
  readonly formats: FormatCatalogue;
}

/** Registers the format routes. */
export async function formatsRoutes(app: FastifyInstance, opts: FormatsRoutesOptions): Promise<void> {
  const { formats, directory } = opts;

  app.get(
    '/api/v1/formats',
    { config: { permission: 'terminal.read' }, schema: { summary: 'Message formats this terminal holds', response: { 200: Type.Array(Api.FormatSummary) } } },
    async () => formats.list().map((d) => formatSummary(formats, d)),
  );

  app.get(
    '/api/v1/formats/:name',
    {
      config: { permission: 'terminal.read' },
      schema: {
        summary: 'One format definition: by id (highest version), id@version, or hash',
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 70, pattern: '^[a-z0-9][a-z0-9.@-]*$' }) }),
        response: { 200: Api.FormatDetail },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const def = formats.find(name);
      if (!def) throw new TerminalError('FORMAT_NOT_FOUND', { format: name });
      const hash = formatHash(def);
      return { hash, definition: def, packs: formats.packsOf(hash).map((p) => p.pack) };
    },
  );

  app.post(
    '/api/v1/formats/:name/check',
    {
      config: { permission: 'terminal.read' },
      schema: {
        summary: 'Check fields against a format without sending anything (the console validates as the officer types)',
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 70, pattern: '^[a-z0-9][a-z0-9.@-]*$' }) }),
        body: Type.Object({ fields: Type.Record(Type.String(), Type.Unknown()) }),
        response: { 200: Api.FieldsCheck },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      const def = formats.find(name);
      if (!def) throw new TerminalError('FORMAT_NOT_FOUND', { format: name });
      const problem = checkFields(def, (request.body as { fields: Record<string, unknown> }).fields);
      return problem ? { ok: false, field: problem.field, rule: problem.rule, detail: problem.detail } : { ok: true };
    },
  );

  app.get(
    '/api/v1/channels/:id/formats',
    { config: { permission: 'channel.read', scope: 'channel' }, schema: { summary: 'The formats the charter in force agreed, with their definitions when held', params: ChannelParams, response: { 200: Type.Array(Api.FormatSummary) } } },
    async (request) => {
      const charter = directory.channel((request.params as { id: string }).id).state(opts.now()).charter;
      return (charter.formats ?? []).flatMap((r) => {
        const d = formats.byHash(r.hash);
        return d ? [formatSummary(formats, d)] : [];
      });
    },
  );
}
