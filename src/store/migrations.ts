/**
 * The schema, as an ordered list of migrations run by Kysely's Migrator at `openStore()`.
 *
 * Migrations are append-only: never edit one that has shipped, add the next. They take
 * `Kysely<any>` on purpose (Kysely's advice): a migration must not depend on today's types.
 * What differs between backends comes from the {@link StoreAdapter}, never from a branch here.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { StoreError, storeErrorOf } from './errors.js';
import { BULK_KINDS } from './bounded-logs.js';
import { foldForSearch } from './message-pages.js';
import { fillReceiptMarks } from './receipt-marks.js';
import type { StoreAdapter } from './store-adapter.js';

/** Builds the migrations for one backend. Names sort in the order they must run. */
export function migrations(adapter: StoreAdapter): Record<string, Migration> {
  const key = adapter.keyType;
  return {
    '0001_initial': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('peers')
          .addColumn('party', key, (c) => c.primaryKey())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('card', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('added_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('channels')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('proposer', key, (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('charter', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        // `pos` is the arrival order and the table's primary key; the log key (channel, author,
        // seq) is a unique constraint. Physically this is what a composite primary key would be on
        // both backends (a unique index beside the row store), and SQLite can only auto-increment
        // an INTEGER PRIMARY KEY.
        await adapter
          .addSerialPrimaryKey(db.schema.createTable('entries'), 'pos')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('hash', key, (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addColumn('raw', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('entries_log_key', ['channel', 'author', 'seq'])
          .execute();
        await db.schema.createIndex('entries_channel_kind').on('entries').columns(['channel', 'kind']).execute();
        await db.schema.createIndex('entries_channel_pos').on('entries').columns(['channel', 'pos']).execute();

        await adapter
          .addSerialPrimaryKey(db.schema.createTable('evidence'), 'id')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('first_raw', 'text', (c) => c.notNull())
          .addColumn('second_raw', 'text', (c) => c.notNull())
          .addColumn('detected_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('evidence_channel').on('evidence').columns(['channel', 'id']).execute();

        await db.schema
          .createTable('messages')
          .addColumn('hash', key, (c) => c.primaryKey())
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('time', 'bigint', (c) => c.notNull())
          .addColumn('precedence', 'text', (c) => c.notNull())
          .addColumn('lang', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('reply_to', key)
          // 0 or 1: SQLite has no boolean type and one write path is simpler than a conversion.
          .addColumn('drill', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('deadline_at', 'bigint')
          .addColumn('acked_at', 'bigint')
          .addColumn('acked_by', 'text')
          .addColumn('receipted_at', 'bigint')
          .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('messages_channel_time').on('messages').columns(['channel', 'time']).execute();
        await db.schema
          .createIndex('messages_channel_author_seq')
          .on('messages')
          .columns(['channel', 'author', 'seq'])
          .execute();
        await db.schema.createIndex('messages_deadline').on('messages').columns(['deadline_at']).execute();

        await db.schema
          .createTable('receipts')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('holder', key, (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('hash', key, (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('receipts_pk', ['channel', 'holder', 'author'])
          .execute();

        // Double precision rather than `real`: PostgreSQL's real is 4 bytes and would round
        // sub-millisecond link measurements; SQLite's REAL is 8 bytes anyway.
        await db.schema
          .createTable('link_samples')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('peer', key, (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('rtt_ms', 'double precision', (c) => c.notNull())
          .addColumn('offset_ms', 'double precision', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('link_samples_channel_peer_at')
          .on('link_samples')
          .columns(['channel', 'peer', 'at'])
          .execute();
      },
    },
    '0002_officers': {
      // Officer accounts, second factors, console sessions, login failures and the audit log
      // (src/store/officer-store.ts). Booleans are 0/1 integers, JSON is text, as in 0001.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('officers')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('totp_secret', 'text')
          .addColumn('totp_last_step', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('webauthn_credentials')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('officer', key, (c) => c.notNull())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('counter', 'bigint', (c) => c.notNull())
          .addColumn('transports', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema.createIndex('webauthn_credentials_officer').on('webauthn_credentials').columns(['officer']).execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id_hash', key, (c) => c.primaryKey())
          .addColumn('officer', key, (c) => c.notNull())
          .addColumn('csrf_hash', key, (c) => c.notNull())
          .addColumn('second_factor', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .addColumn('ip', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_officer').on('sessions').columns(['officer', 'created_at']).execute();

        await db.schema
          .createTable('login_failures')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
          .addColumn('locked_until', 'bigint')
          .execute();

        // `seq` is assigned by the writer (previous + 1), not by the database: the hash chain
        // covers it, and the primary key turns a concurrent append into a retry, never a fork.
        await db.schema
          .createTable('audit_log')
          .addColumn('seq', 'bigint', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('prev_hash', key, (c) => c.notNull())
          .addColumn('hash', key, (c) => c.notNull())
          .execute();
      },
    },
    '0003_escalations': {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await adapter
          .addSerialPrimaryKey(db.schema.createTable('escalations'), 'id')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('message', key)
          .addColumn('channel', key)
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('level_name', 'text', (c) => c.notNull())
          .addColumn('repeat', 'integer', (c) => c.notNull())
          .addColumn('contact', 'text', (c) => c.notNull())
          .addColumn('via', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .execute();
        await db.schema.createIndex('escalations_message').on('escalations').columns(['message', 'id']).execute();
        await db.schema.createIndex('escalations_channel_at').on('escalations').columns(['channel', 'at']).execute();
      },
    },
    '0004_unreceipted_messages': {
      // A cumulative receipt marks the messages it newly covers. With only the index of all
      // messages, each receipt scanned every earlier message of the author (O(n) per receipt);
      // a partial index holds just the unreceipted ones, so a receipt touches only what it marks.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createIndex('messages_unreceipted')
          .on('messages')
          .columns(['channel', 'author', 'seq'])
          .where(sql.ref('receipted_at'), 'is', null)
          .execute();
      },
    },
    '0005_hash_prefix_indexes': {
      // Entry hashes are random keys: a UNIQUE or PRIMARY KEY on them made every insert (entries
      // and messages, on both sides of a line) dirty its own index page, about half the cost of
      // storing an entry. Identity is the log position (channel, author, seq); lookups by hash
      // (acknowledging a message, a hash prefix typed at the CLI) use an index on the hash's first
      // 12 hex digits (48 bits), whose keys are a fifth of the size, and then compare the full hash.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await adapter.dropHashKeys(db);
        await db.schema.createIndex('entries_hash_prefix').on('entries').expression(sql`substr(hash, 1, 12)`).execute();
        await db.schema.createIndex('messages_hash_prefix').on('messages').expression(sql`substr(hash, 1, 12)`).execute();
      },
    },
    '0006_messages_by_entry': {
      // A message is the projection of a stored entry, and the entry's hash is its id: lookups by
      // hash find the entry through entries_hash_prefix, then the message by its log position. The
      // second index on random keys cost about a fifth of storing a message entry (its pages are
      // dirtied all over at every commit).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.dropIndex('messages_hash_prefix').execute();
      },
    },
    '0007_no_hash_index': {
      // The last index on random keys. Every message's entry put its own key into a page of it at
      // random, so a commit of n entries dirtied up to n of its pages: measured on a copy of a
      // bench terminal's database (40,000 entries), 14 of about 50 microseconds of storing an
      // entry, and more as the log grows (up to a page per entry). The terminal finds an entry
      // or a message by its hash in its channel logs, which it holds in memory anyway, and then
      // reads the row by its log position (channel, author, seq), which every table is keyed by.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.dropIndex('entries_hash_prefix').execute();
      },
    },
    '0008_escalation_due': {
      // The escalation scheduler looked at every unacknowledged message with a deadline once a
      // second (with a policy that starts at receipt, every one of the last year), so its tick
      // grew with the backlog: a terminal holding 90,000 unacknowledged messages read them all
      // every second. Each message now carries when the scheduler should next look at it, and a
      // partial index holds only the unacknowledged ones that still have a step to come. Existing
      // messages are due at once (the earliest any policy could act); the scheduler plans each.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.alterTable('messages').addColumn('escalation_due_at', 'bigint').execute();
        await sql`update messages set escalation_due_at = case when time < deadline_at then time else deadline_at end where acked_at is null and deadline_at is not null`.execute(db);
        await db.schema
          .createIndex('messages_escalation_due')
          .on('messages')
          .column('escalation_due_at')
          .where(sql.ref('acked_at'), 'is', null)
          .where(sql.ref('escalation_due_at'), 'is not', null)
          .execute();
      },
    },
    '0009_no_kind_index': {
      // entries_channel_kind served only listEntries' `kinds` filter, which the terminal does not
      // use (it holds every log in memory); every entry paid for it, about 6% of the pages a commit
      // writes. The filter still works, on the channel's entries in arrival order.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.dropIndex('entries_channel_kind').execute();
      },
    },
    '0010_unacked_index': {
      // What awaits acknowledgement was found through an index of every message's deadline, so
      // listing the earliest few read every unacknowledged message and sorted them: a terminal
      // holding 92,000 of them took 0.84 s of its event loop per GET /api/v1/pending (44 MB of
      // JSON), which the console asked for every few seconds. This index holds only the
      // unacknowledged messages with a deadline, in the order they are listed, with the author
      // to tell ours from the other side's; a message leaves it when it is acknowledged. It
      // replaces the deadline index, which served nothing else.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.dropIndex('messages_deadline').execute();
        await db.schema
          .createIndex('messages_unacked')
          .on('messages')
          .columns(['deadline_at', 'author', 'seq'])
          .where(sql.ref('acked_at'), 'is', null)
          .where(sql.ref('deadline_at'), 'is not', null)
          .execute();
      },
    },
    '0015_idempotency': {
      // Officer-API writes carrying an Idempotency-Key (#14 C7): the answer given, stored in the
      // transaction of the entries it reports, so a resubmission after any crash gets that answer
      // instead of a second message.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('idempotency')
          .addColumn('key', key, (c) => c.primaryKey())
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('response', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0016_ha': {
      // High availability (#19): several terminal processes of one party share a PostgreSQL
      // database; one row of ha_lease says which one is active, until when, and the fencing token
      // every commit of entries checks (leadership.ts). ha_instances lists the processes and where
      // they serve, for status and for a standby to name the active one.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('ha_lease')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('token', 'bigint', (c) => c.notNull())
          .addColumn('instance', 'text', (c) => c.notNull())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('backend_pid', 'integer', (c) => c.notNull())
          .addColumn('backend_start', 'text', (c) => c.notNull())
          .addColumn('since', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('failovers', 'bigint', (c) => c.notNull())
          .execute();
        // The one row exists from the start, never held: every acquisition then locks it, so two
        // processes starting at once cannot both take it (an insert would not wait for the other).
        await db.insertInto('ha_lease').values({ id: 1, token: 0, instance: '', holder: '', backend_pid: 0, backend_start: '', since: 0, expires_at: 0, failovers: 0 }).execute();
        await db.schema
          .createTable('ha_instances')
          .addColumn('instance', key, (c) => c.primaryKey())
          .addColumn('officer_url', 'text', (c) => c.notNull())
          .addColumn('federation_url', 'text', (c) => c.notNull())
          .addColumn('host', 'text', (c) => c.notNull())
          .addColumn('pid', 'integer', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('seen_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0018_formats': {
      // Formatted messages (#17): the agreed format and the fields of a message, as the canonical
      // JSON {"fields":...,"format":{id,version,hash}}; null for free text. Kept beside the text so
      // the officers' lists render them in each reader's language without reading entries.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.alterTable('messages').addColumn('formatted', 'text').execute();
      },
    },
    '0019_bounded_logs': {
      // A terminal keeps only each log's last entries in memory (#18). Restarting reads the entries
      // of the lasting kinds (charter, keys, dialogue: a few per channel, whatever its age) through
      // a partial index that the bulk kinds never enter, so the write path of messages, receipts,
      // acknowledgements and link tests is unchanged. Referents (messages, link tests) that leave
      // memory are found again by hash through referent_index: its rows are written in batches
      // when memory is trimmed, not with each entry, and key a 48-bit integer prefix of the hash
      // (the full hash is compared on the entry read back). referent_marks says up to which seq an
      // author's referents are indexed.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createIndex('entries_lasting')
          .on('entries')
          .columns(['channel', 'pos'])
          .where(sql.ref('kind'), 'not in', ['message', 'ack', 'receipt', 'link.test', 'link.echo', 'link.summary', 'link.state'])
          .execute();
        await db.schema
          .createTable('referent_index')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('hash_key', 'bigint', (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('referent_index_pk', ['channel', 'hash_key', 'author', 'seq'])
          .execute();
        await db.schema
          .createTable('referent_marks')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('referent_marks_pk', ['channel', 'author'])
          .execute();
      },
    },
    '0020_message_pages': {
      // The timeline of a 100,000-message channel a page at a time, and its search (#15). Who
      // acknowledged a page was found by reading every message and ack entry since the page's
      // oldest message (all of them for a page far back): message_acks lists each acknowledgement
      // by the log positions of the message and of the ack entry, so a page reads its own. A
      // search matches `folded` (the text NFKC-normalised and lower-cased: any script, and
      // case-insensitive where it has case, which SQL's lower() is not on SQLite) and `officer`
      // (the signing officer's name, folded likewise). Rows already held are filled from their entries.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('message_acks')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('message_author', key, (c) => c.notNull())
          .addColumn('message_seq', 'integer', (c) => c.notNull())
          .addColumn('ack_author', key, (c) => c.notNull())
          .addColumn('ack_seq', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('message_acks_key', ['channel', 'message_author', 'message_seq', 'ack_author', 'ack_seq'])
          .execute();
        await db.schema.alterTable('messages').addColumn('folded', 'text').execute();
        await db.schema.alterTable('messages').addColumn('officer', 'text').execute();
        await fillMessagePages(db);
      },
    },
    '0021_lasting_entries': {
      // Restarting read a channel's lasting entries through the partial index entries_lasting
      // (0019). PostgreSQL's planner estimates `kind not in (...)` as if each kind were excluded
      // independently (0.75^4 = 32% of a channel whose four bulk kinds are a quarter each, where
      // the lasting entries are a few dozen) and then walked the whole log by its primary key:
      // 2.9 s of a 4 s restart at 5,000,000 entries. A table of their places, written by the store
      // in the transaction that inserts them (bounded-logs listLastingEntry), leaves the planner
      // nothing to misjudge; it replaces the index.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('lasting_entries')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('pos', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('lasting_entries_pk', ['channel', 'pos'])
          .execute();
        const bulk = sql.join(BULK_KINDS.map((k) => sql.lit(k)));
        await sql`insert into lasting_entries (channel, pos) select channel, pos from entries where kind not in (${bulk})`.execute(db);
        await db.schema.dropIndex('entries_lasting').execute();
      },
    },
    '0022_receipt_marks': {
      // Per-party receipt state (receipt-marks.ts): the messages table kept one receipted_at, the
      // first receipt of any party, which in a channel of three or more parties said "receipted"
      // when one of two addressed parties held the message. A row per advance of a holder's
      // cumulative receipt of an author's log (not per message: a receipt covers a burst with one
      // row) says when each party's receipts first covered each message. Filled from the receipt
      // entries held, in arrival order.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('receipt_marks')
          .addColumn('channel', key, (c) => c.notNull())
          .addColumn('author', key, (c) => c.notNull())
          .addColumn('holder', key, (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('receipt_marks_pk', ['channel', 'author', 'holder', 'seq'])
          .execute();
        await fillReceiptMarks(db);
      },
    },
    '0023_ha_card': {
      // High availability: the party card as last re-signed by any instance (a key rotation, a
      // revocation, a reissue), for every other instance to take up when it becomes active. Each
      // instance keeps card.json in its own data directory; this row is how the newest one travels.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('ha_card')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('issued', 'bigint', (c) => c.notNull())
          .addColumn('card', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}

/** The body of an entry's wire text; undefined if it is not JSON (nothing to fill from it). */
function bodyOf(raw: string): { from?: { name?: unknown }; message?: unknown } | undefined {
  try {
    return (JSON.parse(raw) as { body?: { from?: { name?: unknown }; message?: unknown } }).body;
  } catch {
    return undefined;
  }
}

/** Migration 0020's filling of the rows already held: per channel, a page of messages at a time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function fillMessagePages(db: Kysely<any>): Promise<void> {
  const channels = (await db.selectFrom('messages').select('channel').distinct().execute()) as Array<{ channel: string }>;
  for (const { channel } of channels) {
    const byHash = new Map<string, { author: string; seq: number }>();
    let last: { author: string; seq: number } | undefined;
    for (;;) {
      let page = db
        .selectFrom('messages as m')
        .innerJoin('entries as e', (j) => j.onRef('e.channel', '=', 'm.channel').onRef('e.author', '=', 'm.author').onRef('e.seq', '=', 'm.seq'))
        .select(['m.author', 'm.seq', 'm.hash', 'm.text', 'e.raw'])
        .where('m.channel', '=', channel);
      if (last) page = page.where((eb) => eb(eb.refTuple('m.author', 'm.seq'), '>', eb.tuple(last!.author, last!.seq)));
      const rows = (await page.orderBy('m.author').orderBy('m.seq').limit(1000).execute()) as Array<{ author: string; seq: number; hash: string; text: string; raw: string }>;
      if (rows.length === 0) break;
      for (const r of rows) {
        byHash.set(r.hash, { author: r.author, seq: r.seq });
        const name = bodyOf(r.raw)?.from?.name;
        await db
          .updateTable('messages')
          .set({ folded: foldForSearch(r.text), officer: typeof name === 'string' ? foldForSearch(name) : null })
          .where('channel', '=', channel)
          .where('author', '=', r.author)
          .where('seq', '=', r.seq)
          .execute();
      }
      last = rows[rows.length - 1]!;
    }
    const acks = (await db.selectFrom('entries').select(['author', 'seq', 'raw']).where('channel', '=', channel).where('kind', '=', 'ack').execute()) as Array<{ author: string; seq: number; raw: string }>;
    for (const a of acks) {
      const message = bodyOf(a.raw)?.message;
      const at = typeof message === 'string' ? byHash.get(message) : undefined;
      if (at) await db.insertInto('message_acks').values({ channel, message_author: at.author, message_seq: at.seq, ack_author: a.author, ack_seq: a.seq }).execute();
    }
  }
}

/** Serves {@link migrations} to Kysely's Migrator without reading files. */
export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly adapter: StoreAdapter) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.adapter);
  }
}

/**
 * Brings the database up to the latest schema; a no-op when it already is. Returns the names of
 * the migrations it ran, in order.
 * `migrationTableSchema` pins Kysely's bookkeeping tables to the store's own schema.
 */
export async function migrateToLatest(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  adapter: StoreAdapter,
  migrationTableSchema?: string,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(adapter),
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  // A migration this version does not know was applied by a newer one (a downgrade): Kysely then
  // refuses to run anything, and says so in words this matches.
  const unknown = error instanceof Error ? /previously executed migration (\S+) is missing/.exec(error.message)?.[1] : undefined;
  if (unknown !== undefined) throw new StoreError('STORE_NEWER_SCHEMA', { backend: adapter.name, migration: unknown }, { cause: error });
  // The connection lost meanwhile (a server restarting, a failover): nothing to restore, start again.
  // A file the database cannot read at all is damaged, not a failed upgrade: the caller says how to recover.
  const unreachable = storeErrorOf(error);
  if (unreachable?.code === 'STORE_UNREACHABLE' || unreachable?.code === 'STORE_DAMAGED') throw unreachable;
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? '(before any migration ran)';
    throw new StoreError(
      'STORE_MIGRATION_FAILED',
      { backend: adapter.name, migration: failed, detail: error instanceof Error ? error.message : String(error) },
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
