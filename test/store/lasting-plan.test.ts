/**
 * Restarting a terminal reads each channel's lasting entries (charter, keys, dialogue). Through a
 * partial index of the log (migration 0019), PostgreSQL's planner misjudged how many entries of a
 * long channel are of those kinds and read the whole log instead: 2.9 s of a 4 s restart at
 * 5,000,000 entries. Their places are now listed in lasting_entries (migration 0021). This loads a
 * channel whose four bulk kinds are a quarter each and two lasting kinds appear once (the shape
 * that misled the planner), lets ANALYZE see it, and checks the plan of the very query the store
 * runs: the channel's rows of lasting_entries, each entry fetched by its primary key.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { listLastingRawEntries } from '../../src/store/bounded-logs.js';
import type { Database } from '../../src/store/schema.js';
import { BACKENDS, open } from './backends.js';

const postgres = BACKENDS.find((b) => b.name === 'postgres')!;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function indexesOf(node: PlanNode): string[] {
  return [...(node['Index Name'] ? [node['Index Name']] : []), ...(node.Plans ?? []).flatMap(indexesOf)];
}

describe('the lasting entries of a long channel on PostgreSQL', () => {
  it('are read through lasting_entries and the primary key, not by walking the log', { timeout: 120_000 }, async () => {
    const database = await postgres.create();
    const store = await open(database.config);
    const schema = (database.config as { schema: string }).schema;
    const pool = new pg.Pool({ connectionString: (database.config as { connectionString: string }).connectionString, max: 1, options: `-c search_path=${schema}` });
    try {
      // 200,000 entries of the four bulk kinds in one channel and 20,000 in each of 10 others, and
      // a few lasting ones per channel: written in SQL, the shape is what matters, not the entries.
      await pool.query(`insert into entries (channel, author, seq, hash, kind, time, raw, received_at)
        select case when g <= 200000 then 'long' else 'other' || (g % 10) end, 'US', g, md5(g::text),
               (array['message', 'link.test', 'link.echo', 'receipt'])[1 + g % 4], g, repeat('x', 200), g
        from generate_series(1, 400000) g`);
      await pool.query(`insert into entries (channel, author, seq, hash, kind, time, raw, received_at)
        select c, 'CN', g, md5(c || g), case when g = 1 then 'charter.propose' else 'charter.accept' end, g, '{}', g
        from generate_series(1, 5) g, unnest(array['long', 'other3']) c`);
      // Their places, as the store lists them when it inserts such entries.
      await pool.query(`insert into lasting_entries (channel, pos) select channel, pos from entries where kind like 'charter.%'`);
      await pool.query('analyze entries');

      let compiled: CompiledQuery | undefined;
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void (compiled = event.query) });
      expect(await listLastingRawEntries(db, 'long')).toHaveLength(5);
      expect(await listLastingRawEntries(db, 'other3')).toHaveLength(5);
      expect(compiled).toBeDefined();
      for (const channel of ['long', 'other3', 'none']) {
        const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (format json) ${compiled!.sql}`, [channel]);
        const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
        expect({ channel, indexes: indexesOf(plan).sort() }).toEqual({ channel, indexes: ['entries_pkey', 'lasting_entries_pk'] });
      }
    } finally {
      await pool.end();
      await store.close();
      await database.remove();
    }
  });
});
