/**
 * GET /api/v1/channels/:id/search (#15): a channel's messages by text, precedence, officer and
 * time, newest first, a page at a time. Text matches in any script, case-insensitively where the
 * script has case (store/message-pages.ts foldForSearch); each result is a message as the
 * timeline shows it, so the console jumps to it there.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { PRECEDENCES } from '../../protocol/index.js';
import * as Api from './api-schemas.js';
import { cursorOf, presentPage, type MessagesRoutesOptions } from './messages-routes.js';
import { ChannelParams } from './route-kit.js';

/** Results per page unless `limit` says otherwise, and at most. */
export const SEARCH_PAGE = 50;
export const SEARCH_PAGE_MAX = 500;

/** Registers the search route. */
export async function searchRoutes(app: FastifyInstance, opts: Pick<MessagesRoutesOptions, 'reads' | 'directory' | 'self' | 'formats' | 'messages'>): Promise<void> {
  app.get(
    '/api/v1/channels/:id/search',
    {
      config: { permission: 'channel.read', scope: 'channel' },
      schema: {
        summary: 'Search a channel\'s messages by text (any script; case-insensitive where it has case), precedence, signing officer and time, newest first',
        params: ChannelParams,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 500, description: 'words or characters the text contains' })),
          precedence: Type.Optional(Type.String({ pattern: `^(${PRECEDENCES.join('|')})(,(${PRECEDENCES.join('|')}))*$`, description: 'one precedence or several, comma-separated' })),
          officer: Type.Optional(Type.String({ maxLength: 200, description: 'part of the signing officer\'s name' })),
          since: Type.Optional(Type.Integer({ minimum: 0, description: 'signed at or after (ms since the epoch, UTC)' })),
          until: Type.Optional(Type.Integer({ minimum: 0, description: 'signed at or before (ms since the epoch, UTC)' })),
          before: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the next page: `next` of the previous answer' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SEARCH_PAGE_MAX })),
          lang: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$', description: 'render formatted messages in this language' })),
        }),
        response: { 200: Api.SearchResults },
      },
    },
    async (request) => {
      const q = request.query as { q?: string; precedence?: string; officer?: string; since?: number; until?: number; before?: string; limit?: number; lang?: string };
      const log = opts.directory.channel((request.params as { id: string }).id);
      const limit = q.limit ?? SEARCH_PAGE;
      const before = q.before !== undefined ? await cursorOf(opts.reads, opts.messages, log, q.before) : undefined;
      const rows = await opts.reads.search(log.id, {
        limit,
        ...(q.q !== undefined ? { text: q.q.trim() } : {}),
        ...(q.precedence !== undefined ? { precedences: q.precedence.split(',') } : {}),
        ...(q.officer !== undefined ? { officer: q.officer.trim() } : {}),
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.until !== undefined ? { until: q.until } : {}),
        ...(before ? { before } : {}),
      });
      return { messages: await presentPage(opts, log.id, rows, q.lang), next: rows.length === limit ? rows[rows.length - 1]!.hash : null };
    },
  );
}
