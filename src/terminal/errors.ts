/**
 * Terminal error codes (officer and federation APIs, officers and their sign-in, federation
 * transport), declared with the protocol's registry mechanism, and the HTTP edge: every code of
 * every layer that can reach an API caller answers with the status chosen here, deliberately.
 * Codes without a status never answer an HTTP request: they travel in federation frames, in logs
 * or as console alarms. docs/errors.md documents every code; test/terminal/errors.test.ts checks
 * the table and that no known error answers 500 INTERNAL.
 */
import { defineErrors, type CodeOf, HotlineProtocolError, RegisteredError, type ErrorDetails, type HttpAnswer } from '../protocol/index.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { storeErrorOf } from '../store/index.js';
import { IDENTITY_HTTP, PROTOCOL_HTTP, STORE_HTTP } from './http-answers.js';
import { IdentityError } from './identity/errors.js';

export const TERMINAL_ERRORS = defineErrors('terminal', {
  CHANNEL_NOT_FOUND: { status: 404, message: 'No channel {channel} on this terminal. List channels with `hotline channel list`.' },
  CHANNEL_AMBIGUOUS: { status: 400, message: 'Channel prefix {channel} matches several channels; give more characters.' },
  CHANNEL_NOT_ACTIVE: { status: 409, message: 'Channel {channel} is {state}: messages flow only on an active channel. {hint}' },
  CHARTER_PARTY_NOT_PAIRED: {
    status: 409,
    message: 'The charter this would accept in channel {channel} names {parties}, not a paired peer of this terminal: their entries could not be checked here, nor this terminal\'s there, so the channel would not work between you. Pair first (`hotline peer add` with each party\'s card, compared over a line you trust), then accept. Nothing was signed.',
  },
  CHANNEL_LEFT: {
    status: 409,
    message: 'This party ({party}) is {standing} in channel {channel}: {how} Its record up to then stays here, read-only (export it with `hotline export CHANNEL`); nothing more is written to the channel from this terminal. Nothing was signed.',
  },
  HA_KEY_REVOKED: {
    status: 503,
    fault: "This instance signs with a terminal key that its own party revoked: every entry it signed would be refused.",
    message:
      'Instance {instance} of the {party} terminal signs with terminal key {key}, which the party revoked from {from} ("{reason}"): every entry it signed would be refused (ENTRY_KEY_REVOKED), so it does not take the lease and stays a standby (/readyz 503). If its key directory was replaced by another instance\'s or an old backup, restore this instance\'s own keys/ and restart it; if this machine is the one that was revoked, retire it and add a new instance with a new key (`hotline ha add-instance`).',
  },
  OWN_KEY_REVOKED: {
    status: 409,
    message:
      'This terminal signs with key {key}, which its party revoked in channel {channel} from {from}: every entry it signed there (messages, receipts, link tests, a key.rotate) would be refused, so nothing was signed. Was keys/ restored from a backup taken before a key rotation? Restore the keys/ of after it and restart, or run `hotline key rotate` and send the reissued card to every peer (`hotline card export`; docs/operations.md "Rotating a terminal key").',
  },
  HA_STANDBY: {
    status: 503,
    fault: 'This process is a standby instance of its party: it signs nothing and keeps no live state.',
    message: 'This is instance {instance} of the {party} terminal, a standby: {active} It signs nothing and keeps no live state, so nothing was done. Send officer requests to the active instance, or through the load balancer, which routes to the instance whose /readyz answers 200.',
  },
  HA_NO_ACTIVE: {
    status: 503,
    fault: 'No instance of this highly available terminal is active at the moment (a failover is under way).',
    message: 'No instance of the terminal is active right now ({instances}): a failover is under way and takes a few seconds. Nothing was done; retry in a moment.',
  },
  HA_UPSTREAM_FAILED: {
    status: 502,
    fault: 'The active instance stopped answering in the middle of the request.',
    message: 'The active instance ({upstream}) stopped answering in the middle of the request ({detail}). It may or may not have been carried out: retry with the same Idempotency-Key (sending messages), or look before retrying anything else.',
  },
  TERMINAL_CLOSING: {
    status: 503,
    fault: 'This terminal process is closing (a step-down from its party\'s lease, or a stop): it takes no new request.',
    message: 'This terminal process ({instance}) is closing: {why} Nothing was done. {hint}',
  },
  CHANNEL_PROPOSALS_LIMIT: {
    message: 'Party {party} has {count} channel proposals awaiting an answer here, the most this terminal holds from one party ({max}); its new proposal was refused. Accept or decline some (or let them expire): its terminal proposes again after its next reconnection.',
  },
  CHANNEL_RECONCILING: {
    status: 503,
    fault: 'This terminal is fetching its own entries back from its peers (after a restore or a lost database file) and signs nothing on that channel until it holds them.',
    message: 'Channel {channel} is reconciling: this terminal holds its own entries up to {have}, its peers up to {peerHolds}. It signs nothing there until it has fetched them back from the peers (seconds when they are reachable); retry then. `hotline status` shows the progress.',
  },
  CHANNEL_OWN_LOG_FORKED: {
    status: 409,
    message:
      "This terminal's own log of channel {channel} forked {at}: peer {peer} holds other entries signed by this terminal at those numbers than this database (most likely this terminal's data directory was restored from an old backup and it signed on before its peers were back). {peer} is not at fault: it refuses entries that contradict what this terminal signed before. Nothing more is signed on this channel (each new entry would deepen the fork). Stop this terminal and follow docs/operations.md \"Backup and restore\", \"A forked own log\": `hotline repair --data DIR --forked {channel} --from {seq}` removes this terminal's entries from the fork on, and the next start (peers reachable) fetches the peers' copies back; messages sent since the restore must be sent again.",
  },
  CLOCK_BEHIND_LOG: {
    status: 503,
    fault: "This terminal's clock is behind the time of its own last entry (the clock was set back); it signs nothing until its clock passes that time, so it never stamps a false time.",
    message: "This terminal's clock ({now}) is {seconds} s behind its own last entry on channel {channel} ({last}): the clock was set back, or was ahead before. Nothing was signed, so no entry carries a false time. Check the clock (NTP); {hint}",
  },
  REPAIR_OWN_ENTRIES_HELD: {
    status: 409,
    message:
      "Nothing was removed: peer {peer} holds this terminal's own entries of channel {channel} up to #{held} (its entry #{peerSeq} names #{held} with the hash this database holds there), and removing them from #{from} on would fork this terminal's own log (the peers would refuse every later entry, and keep two versions signed by this party as evidence). {hint}",
  },
  STORE_STALLED: {
    message:
      "The database has not completed a commit for {seconds} s ({commits} waiting): it waits on a lock another session holds, a database server that stopped answering, or a disk that does not complete its writes. Nothing sent or received meanwhile is stored, receipted or sent on. Find what holds it: on PostgreSQL, pg_stat_activity and pg_locks (a long transaction, a migration, a backup tool); on SQLite, another process holding the database file, or the disk (dmesg). The terminal goes on by itself once the commit completes.",
  },
  TERMINAL_LOCK_LOST: {
    message:
      "This terminal lost its lock on its database ({reason}): while nobody holds it a second terminal could start on the same database and sign with the same sequence numbers, which the peers would record as equivocation. Nothing is signed (messages, acknowledgements, receipts) until the lock is taken again, tried every 2 s. Look at the database server: restarted, failed over, or this terminal's session ended by an operator.",
  },
  TERMINAL_LOCK_REGAINED: { message: 'This terminal holds its database lock again: it signs and stores as before. What waited is sent on; what officers were refused meanwhile must be sent again.' },
  TERMINAL_LOCK_TAKEN: {
    message:
      'While this terminal had lost its database lock, another process took it: {holder}. Two terminals on one database would both sign: this one signs nothing while the other holds the lock. Stop one of them (`hotline status` on each shows which serves what).',
  },
  TERMINAL_STALLED: {
    message:
      "This terminal's thread has not run for {seconds} s: it answers nothing meanwhile (health checks, its console and officer API, its peers, who see the link down). Most likely a write to its disk does not complete: a frozen filesystem, a failing disk or storage path (look at dmesg, the storage, the hypervisor). It goes on by itself when the write completes; nothing committed is lost.",
  },
  TERMINAL_RUNS_AGAIN: {
    message:
      'This terminal did not run for {seconds} s, from {from} to {to} (its thread was stopped: a disk write that did not complete, a process or machine paused): its console, officer API and links went unanswered meanwhile, and its peers saw the link down. What arrived is being stored, receipted and sent on now. If it was the disk, find why (dmesg) before it happens again.',
  },
  STORE_RESUMED: { message: 'The database completes commits again: what waited is stored, receipted and sent on. Find what held it before it happens again.' },
  STORE_WRITABLE: { message: 'The database has room again: commits succeed. Find what filled it before it happens again.' },
  CLOCK_SET_BACK: {
    message:
      "This terminal's clock was set back by {seconds} s {when}: it reads {now}, and had read {last}. The acknowledgement deadlines and next escalation steps of {moved} unacknowledged message(s) moved back with it, so that none counted on the clock before escalates late (one may escalate early). On a channel where this terminal signed an entry dated after now, it signs nothing until the clock passes that entry's time (CLOCK_BEHIND_LOG), so no entry carries an earlier time than one before it. Check the clock against a trusted source (NTP, `date`): if it is behind now, set it right; if it is right now, it was ahead before and nothing more is to be done (docs/operations.md \"Clocks\").",
  },
  CLOCK_SKEW: { message: "Clock offset to {peer} measured at {offset} s on channel {channel} (beyond {limit} s): one of the two clocks is wrong. Deadlines here count on this terminal's clock from arrival; check both clocks (NTP)." },
  CHANNEL_RECONCILE_FAILED: { message: 'A peer claimed to hold own entries it did not send; this terminal continued its chain: {detail}' },
  DIALOGUE_NOT_FOUND: { status: 404, message: 'No {what} {ref} on channel {channel}. List them with `hotline {command} list CHANNEL`.' },
  DIALOGUE_AMBIGUOUS: { status: 400, message: 'The prefix {ref} names several {what}s on channel {channel}; give more characters.' },
  MESSAGE_NOT_FOUND: { status: 404, message: 'No message {message} here. Check the id with `hotline channel show CHANNEL`.' },
  PERIOD_NO_CHECKPOINT: {
    status: 409,
    message:
      'Channel {channel} has no checkpoint dated at or before {since} that every party has countersigned, and a period bundle starts at such a checkpoint (docs/protocol.md §15).{later} Export the whole transcript (without --since), or write a checkpoint now with `hotline checkpoint {channel}` (it waits until every party has answered it) and export from it with `--since now`.',
  },
  IMPORT_NOT_A_PARTY: {
    status: 409,
    message:
      'This terminal ({code}) is not a party of channel {channel}: its charter does not name {code}, so none of its entries can be taken here; nothing was imported. Import a bundle into the terminal of one of its parties, or check it offline with `hotline verify BUNDLE`.',
  },
  PERIOD_PROTOCOL_1: {
    status: 409,
    message:
      'Channel {channel} speaks protocol version 1, which has no checkpoints, so {what}. Export the whole transcript (without --since), or move the channel to protocol 2: `hotline channel amend {channel} --protocol 2 --reason "Periods and proofs"`, accepted by every other party (`hotline channel accept {channel}` on each), then `hotline checkpoint {channel}`.',
  },
  FORMAT_FILE_INVALID: {
    status: 500,
    fault: 'A format file of the terminal (its formats/ directory) is invalid; it refuses to start.',
    message:
      'The format file {file} is invalid ({rule}): {detail}. Correct or remove the file; a terminal starts only when every file in its formats/ directory is a valid definition or language pack (docs/protocol.md §13.5, §13.7).',
  },
  PROOF_NOT_POSSIBLE: { status: 409, message: 'Message {message} was written by {party}, a party an amendment added: a proof of one message carries the proposal, not the amendments, so it cannot show {party} is a party (docs/protocol.md §14.5). Export the transcript instead (`hotline export CHANNEL`), which anyone can verify whole.' },
  PROOF_NOT_READY: { status: 409, message: 'Message {message} has no receipt from another party yet, so there is nothing to prove beyond what this terminal signed. Try again once the other side has receipted it (`hotline channel show CHANNEL`).' },
  PROOF_FAILED: {
    status: 500,
    fault: 'A bug in this terminal: the proof it assembled from its own store does not verify.',
    message: 'The proof of message {message} assembled here does not verify ({detail}). Export the transcript instead (`hotline export CHANNEL`), and report this.',
  },
  FORMAT_NOT_FOUND: { status: 404, message: 'No format {format} on this terminal. List the formats it holds with `hotline format list`.' },
  PEER_BACKLOG_FULL: {
    status: 503,
    fault: 'This terminal holds as many unreceipted messages for a peer as it accepts; nothing was sent.',
    message: 'Channel {channel}: {waiting} entries of this terminal are not yet receipted by {peer}, and it accepts at most {cap}; nothing was sent. The line to {peer} is probably down: restore it (`hotline status`), or call by another means. The cap is HOTLINE_MAX_UNRECEIPTED.',
  },
  KEY_IN_USE: { status: 409, message: 'Key {key} is the key this terminal signs with: revoking it would invalidate its own next entries. Rotate to a new key first (`hotline key rotate`), then revoke the old one.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'Idempotency key "{key}" was used before for another request; nothing was written. Use a new key for a new request, or send exactly the same request to get its answer again.' },
  ACK_REPEATED: { status: 409, message: 'Message {message} was already acknowledged by {officer}; nothing was signed. To acknowledge it again on purpose, say so (`hotline ack {message} --again`, or "again": true in the API).' },
  OFFICER_REQUIRED: {
    status: 403,
    message: 'This terminal has officer accounts, so every signed action ({action}) names a registered officer whose roles the charter allows; a free-text name (`--name`) or the host credential alone is not accepted. From the command line, repeat the command with `--officer NAME` (`hotline officer list` lists the accounts and their roles); in the console, sign in; over the API, send the header X-Hotline-Officer beside the host credential.',
  },
  MESSAGE_OWN: { status: 409, message: 'Message {message} was sent by this party; only the other side acknowledges it.' },
  PEER_NOT_FOUND: { status: 404, message: 'No peer {peer}. Add it with `hotline peer add CARD`.' },
  PEER_FINGERPRINT_MISMATCH: {
    status: 409,
    message: 'The fingerprint you confirmed ({given}) does not match the card ({actual}). Do not pair: ask the peer to read their fingerprint again over a trusted line.',
  },
  PEER_IS_SELF: { status: 400, message: 'That card is this terminal\'s own party card. Add the card the other party sent you.' },
  PEER_CARD_OLDER: {
    status: 409,
    message: 'That card of {peer} was issued {given}, before the one this terminal holds ({held}), so it was not installed: an older card may lack the revocation of a stolen terminal key and name endpoints since moved. Ask {peer} for its newest card: `hotline card export` on its terminal (with `--data` naming the data folder of that terminal, if it is not the default).',
  },
  PARTY_UNKNOWN: { status: 400, message: 'Party {party} is not a known peer. Add its card first with `hotline peer add`.' },
  PARTY_AMBIGUOUS: { status: 409, message: 'Two peers use the code {code}: {candidates}. Name the party by its id (the long key before "fingerprint") instead of its code; check which is which by reading the fingerprints with {code} over a line you trust.' },
  PEER_CODE_TAKEN: {
    status: 409,
    message: 'This terminal is already paired with a party {code} whose fingerprint is {held}; the card given has another party key (fingerprint {given}). Two peers with one code are told apart by fingerprint alone: check with {code} over a line you trust which key is theirs. If {code} did re-issue its party key, pair again with `hotline peer add CARD --same-code` (its channels under the old key stay as they are), and name the party by its id where a code would be ambiguous.',
  },
  BAD_REQUEST: { status: 400, message: '{detail}' },
  NOT_FOUND: { status: 404, message: 'Nothing at {what}. Check the address: the officer API is described at /openapi.json, the federation API in docs/protocol.md.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This endpoint does not take that content type. Send JSON (application/json), or the type the API reference names for it.' },
  UNSUPPORTED_CONTENT_ENCODING: { status: 415, message: 'The body was sent compressed ({detail}); this API takes bodies uncompressed. Send it again without a Content-Encoding header.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time; it was dropped. Retry it, over a faster link if this repeats.' },
  UNAUTHORISED: { status: 401, message: 'Missing or wrong officer token. Use the token printed by `hotline serve` (also in DATA/officer.token).' },
  FORBIDDEN: { status: 403, message: '{detail}' },
  METRICS_TOKEN_ONLY: { status: 403, message: 'The metrics token (DATA/metrics.token) reads GET /metrics and nothing else, not {route}. Use the officer token (DATA/officer.token) on the terminal host, or sign in to the console.' },
  AUTH_REQUIRED: { status: 401, message: 'Sign in first: POST /api/v1/auth/login with your name, password and authenticator code (on the terminal host the CLI uses DATA/officer.token).' },
  AUTH_FAILED: { status: 401, message: 'Wrong name, password or second-factor code. {left} attempt(s) left before sign-in for this name is locked for {minutes} minutes.' },
  AUTH_LOCKED_OUT: { status: 429, message: 'Too many failed sign-ins for "{name}": locked until {until} ({minutes} min from now). Try again then, or ask an admin to run `hotline officer unlock "{name}"` (the same password and second factor then work; `hotline officer reset` if they may be known to someone else).' },
  AUTH_SESSION_EXPIRED: { status: 401, message: 'Your session expired ({why}); sign in again.' },
  AUTH_SESSION_ENDED: { status: 401, message: 'This session was signed out or revoked; sign in again.' },
  AUTH_CSRF: { status: 403, message: 'Missing or wrong CSRF token: send the X-CSRF-Token header returned at sign-in with every state-changing request.' },
  STREAM_ORIGIN: { status: 403, message: 'A console session may open the send stream only from the console\'s own address (Origin {origin}, Host {host}). Gateways and scripts use the terminal credential (Authorization: Bearer) instead.' },
  AUTH_DISABLED: { status: 403, message: 'Officer "{name}" is disabled. Ask an admin to re-enable the account (`hotline officer enable "{name}"`).' },
  AUTH_RATE_LIMITED: { status: 429, message: 'Too many sign-in attempts from this address; retry in {after}.' },
  AUTH_WEBAUTHN: { status: 400, message: 'Passkey check failed: {detail}. Start again from the options endpoint.' },
  AUTH_BAD_OFFICER_HEADER: { status: 400, message: 'The X-Hotline-Officer header "{value}" is not a percent-encoded UTF-8 officer name. Send the name as is, or percent-encode it whole (encodeURIComponent).' },
  OFFICER_NOT_FOUND: { status: 404, message: 'No officer "{name}". List officers with `hotline officer list`.' },
  OFFICER_EXISTS: { status: 409, message: 'An officer named "{name}" already exists; choose another name or reset that officer.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests from this peer; slow down and retry in a moment.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large ({detail}). Send less at once: split the batch or the bundle.' },
  CONSOLE_NOT_BUILT: {
    status: 503,
    fault: 'The console files are missing from this terminal\'s installation.',
    message: 'The console is not built: run `npm run build` (vite build writes dist/web), then reload.',
  },
  PORT_IN_USE: { status: 500, fault: 'Another program holds the port this terminal is configured to listen on.', message: 'Cannot start the {face}: {host}:{port} is already in use by another program (or another terminal). Stop it, or choose another port with {option} (or in config.json).' },
  PORT_UNAVAILABLE: { status: 500, fault: 'The terminal is configured to listen on an address or port it may not use.', message: 'Cannot start the {face} on {host}:{port}: {why}. Choose another address in config.json, or another port with {option}.' },
  STORAGE_EMPTY: {
    status: 500,
    fault: 'The terminal\'s database file is empty although the terminal has run before.',
    message: 'The database {path} is empty (zero length), but this terminal has run before ({dir} holds its identity): it was not started as a blank terminal. Restore the database from a backup (docs/operations.md "Backup and restore"; the peers give back what they hold), or, to start over on purpose, delete the empty file.',
  },
  STORAGE_DAMAGED: {
    status: 500,
    fault: 'The terminal\'s database is damaged.',
    message: 'The database is damaged ({count} problem(s); first: {first}). The terminal was not started. List every problem with `hotline doctor --data {dir}`; `hotline repair --data {dir}` rebuilds what officers see from the signed entries and removes damaged entries so that they are fetched again from the peers.',
  },
  INTERNAL: { status: 500, fault: 'A bug in this terminal.', message: 'Internal error; see the terminal log. This is a bug in Hotline: report it with that log.' },
  // Federation transport (src/terminal/tls, src/terminal/federation): answers to a peer.
  FED_UNPINNED_CLIENT: { status: 401, message: 'TLS client key {fingerprint} is not pinned by this terminal. Pair the terminals by importing each other\'s party card, then retry.' },
  FED_TIMEOUT: { status: 408, message: 'The federation connection was too slow or silent ({reason}) and was cut. The peer\'s terminal reconnects by itself; check the link if this repeats.' },
  FED_BAD_FRAME: { message: 'Malformed federation frame: JSON text frames of docs/protocol.md only. The frame was dropped; the stream stays open.' },
  FED_FRAME_TOO_LARGE: { message: 'A federation frame exceeded {limit} bytes and the stream was cut. Send entries in smaller batches.' },
  FED_TOO_MANY_STREAMS: { message: 'At most {limit} streams per peer; close the others first.' },
  FED_TOO_MANY_HANDSHAKES: { message: 'At most {limit} TLS handshakes may be under way at once from one address, and {remote} had that many; its new connection was closed. A paired terminal needs a few at most: if this is a peer, ask its operator to check it; else block the address at the firewall.' },
  FED_TLS_ERROR: { message: 'A TLS handshake from {remote} failed ({reason}). If it is a peer, compare its card\'s TLS fingerprint with its terminal.' },
  FED_CLIENT_ERROR: { message: 'A malformed HTTP request from {remote} ({reason}); the connection was cut. Nothing was read from it.' },
  // Federation client (this terminal calling a peer): logged, and shown as the link's state.
  FED_PIN_MISMATCH: {
    message: '{endpoint} presented {presented} but the pinned TLS key is {expected}: refusing to talk to it. Re-check the peer\'s party card (and that the address points to the right terminal).',
  },
  FED_RESPONSE_TOO_LARGE: { message: 'The peer at {endpoint} answered with more than {limit} bytes; the answer was dropped. Ask its operator to check the terminal.' },
  FED_HOLDS_IGNORED: { message: 'The peer said it holds entries of channel {channel}, which it is not a party to; ignored (nothing of that channel is sent to it). If it repeats, tell the peer\'s operator.' },
  FED_STORED_UNKNOWN: { message: 'The peer answered batch {id}, which this terminal did not send on this connection or had heard of already; the answer was ignored. If it repeats, tell the peer\'s operator.' },
  FED_WANT_REFUSED: { message: 'The peer asked for entries this terminal does not send it ({reason}); nothing was sent for that request. A peer asking for channels it is not a party to is misbehaving: tell its operator.' },
  // Console alarms (events socket, notifications): not errors of a request.
  MEETING_SOON: { message: 'Meeting {meeting} on channel {channel} starts at {start}. Check its agenda and participants with `hotline meeting show`.' },
  COMMITMENT_DUE: { message: 'Commitment {commitment} on channel {channel} falls due at {due}. Its owing party updates it with `hotline commitment update`.' },
  COMMITMENT_OVERDUE: { message: 'Commitment {commitment} on channel {channel} passed its due date {due} neither done nor withdrawn. Raise it with the owing party, or record a delay.' },
  ACK_OVERDUE: { message: 'A {precedence} message on channel {channel} passed its acknowledgement deadline. Acknowledge it, or see who the escalation reached.' },
  LINK_CONNECTING: { message: 'Link to {peer} is connecting{via}. Wait for it to come up; if it does not, check the peer\'s endpoints and the network.' },
  LINK_UP: { message: 'Link to {peer} is up{via}. Traffic flows again.' },
  LINK_DOWN: { message: 'Link to {peer} is down{via}. Nothing reaches the peer: try another path or call its operator.' },
  LINK_CERT_INVALID: { message: 'Link to {peer} is down: {reason}. The terminal tries again every few seconds by itself.' },
  LINK_NOT_STARTED: { message: 'Link to {peer} has not been dialled yet. It starts once this terminal listens.' },
  LINK_UNREACHABLE: { message: 'Link to {peer} cannot connect ({reason}). Check the network and the peer\'s endpoints; it retries by itself.' },
  LINK_CLOSED: { message: 'The stream to {peer} closed. It reconnects by itself.' },
  LINK_REFUSING: {
    message:
      "Link to {peer} is connected, but the peer refuses this terminal's entries on channel {channel} ({code}: {reason}). Nothing of that channel reaches {peer} until this is fixed. ENTRY_EQUIVOCATION or ENTRY_WRONG_PREVIOUS_HASH there means this terminal's own log forked (a restore from an old backup: see the alarm CHANNEL_OWN_LOG_FORKED and docs/operations.md \"Backup and restore\"); ENTRY_MALFORMED with \"lies in the future\" means this terminal's clock is ahead of {peer}'s by more than 5 minutes, or {peer}'s is behind by as much: check both clocks (NTP) and fix the wrong one; if it was this one, follow the alarm CLOCK_BEHIND_LOG (docs/operations.md \"Clocks\"); otherwise look the code up in docs/errors.md and call the peer's operator.",
  },
  LINK_NOT_STORING: {
    message:
      "Link to {peer} is connected and answers heartbeats, but {peer} has stored none of the entries sent to it for {seconds} s ({batches} batches unanswered): its storage is stalled (its database locked or unreachable, its disk full or failing). Nothing sent reaches {peer}'s record until it answers, so the line shows down. Call {peer}'s operator to check its terminal (hotline status, its logs); what waits is sent again by itself.",
  },
  PEER_CARD_UPDATED: { message: 'The card of {peer} was updated from its terminal (issued {issued}){changes}. Same root key (fingerprint {fingerprint}): nothing to compare again.' },
  PEER_CARD_REFUSED: { message: 'The card {peer} serves was not adopted: {reason}. The card held is kept. {hint}' },
  LINK_HEARTBEAT_LOST: { message: 'Link to {peer} was cut: the peer stopped answering heartbeats. Check that its terminal runs and is not frozen; the link retries by itself.' },
  LINK_TEST_UP: { message: 'Link tests with {peer} on channel {channel} are answered again ({from} -> up). No action needed.' },
  LINK_TEST_DEGRADED: { message: 'Link tests with {peer} on channel {channel} are late or show clock drift ({from} -> degraded). Check the link and both clocks.' },
  BACKUP_FILE_EXISTS: { message: '{path} already exists: nothing was written. Give another file name (e.g. one with the date), or pass --force to replace it.' },
  BACKUP_INTO_DATABASE: { message: '{path} is the terminal\'s own database (or one of its files): a backup must go to another file, ideally on another disk. Nothing was written.' },
  BACKUP_OUT_UNWRITABLE: { message: 'Cannot write the backup {path}: {reason}. Check that its directory exists and that this user may write there. Nothing was written.' },
  BACKUP_NO_DATABASE: { message: 'There is no database at {path} to back up: the terminal in {dir} has not run yet, or --data names another directory. Nothing was written.' },
  BACKUP_CHECK_FAILED: { message: 'The copy of the database failed its check ({detail}) and was removed: no backup was written. Run `hotline doctor --data {dir}` on the stopped terminal, and try again.' },
  BACKUP_PG_DUMP_MISSING: { message: 'This terminal keeps its data in PostgreSQL, and `pg_dump` is not on the PATH: install the PostgreSQL client tools of the server\'s major version or newer (Debian/Ubuntu: `apt-get install postgresql-client`), then run the backup again. Nothing was written.' },
  BACKUP_PG_DUMP_FAILED: { message: '`pg_dump` failed (exit {exit}): {detail}. No backup was written; check the database server and the connection in config.json.' },
  RESTORE_NOT_A_DATABASE: { message: '{path} is not a SQLite database ({detail}): not a backup of a Hotline terminal, or damaged beyond reading. Nothing was changed; find another backup.' },
  RESTORE_BACKUP_DAMAGED: { message: 'The backup {path} is damaged: SQLite\'s integrity check found {count} problem(s) (first: {first}). Nothing was changed; restore an older backup.' },
  RESTORE_NOT_HOTLINE: { message: '{path} is a SQLite database, but not a Hotline terminal\'s (it lacks the tables {missing}). Nothing was changed; check the file name.' },
  RESTORE_OTHER_PARTY: { message: '{path} is the database of another terminal ({why}), not of the party of {dir}: restored here, this terminal would hold another party\'s channels. Nothing was changed; find this terminal\'s own backup.' },
  RESTORE_NEWER_SCHEMA: { message: 'The backup {path} was written by a newer version of Hotline (it has migration {migration}, which this version does not know): this version would refuse to start on it. Nothing was changed; restore it with that version or a later one.' },
  RESTORE_POSTGRES: { message: 'This terminal keeps its data in PostgreSQL: `hotline restore` restores SQLite databases only. Stop the terminal, drop its schema and run `pg_restore -d DB {path}` (docs/operations.md "Backup and restore"), then start it with its peers reachable.' },
  LINK_TEST_DOWN: { message: 'Link tests with {peer} on channel {channel} go unanswered ({from} -> down). Check the link; call the peer\'s operator.' },
});

type TerminalSpecs = typeof TERMINAL_ERRORS.specs;
/** A terminal code that answers HTTP requests (the codes `TerminalError` may be thrown with). */
export type TerminalErrorCode = { [C in keyof TerminalSpecs]: TerminalSpecs[C] extends { readonly status: number } ? C : never }[keyof TerminalSpecs];
/** Any terminal code, including those sent only in frames, logs and alarms. */
export type TerminalCode = CodeOf<typeof TERMINAL_ERRORS>;
/** A terminal code that never answers an HTTP request (alarms, and the errors of commands run beside the terminal). */
type UnansweredCode = Exclude<TerminalCode, TerminalErrorCode>;

/** An error of a command run on a data directory beside the terminal (`hotline backup`, `restore`): a stable code, no HTTP status. */
export class DataDirError extends RegisteredError<UnansweredCode> {
  constructor(code: UnansweredCode, details: ErrorDetails = {}) {
    super(TERMINAL_ERRORS, code, details);
    this.name = 'DataDirError';
  }
}

/** An error with a stable code, a message for the person, and an HTTP status. */
export class TerminalError extends RegisteredError<TerminalErrorCode> {
  readonly status: number;
  constructor(code: TerminalErrorCode, details: ErrorDetails = {}) {
    super(TERMINAL_ERRORS, code, details);
    this.name = 'TerminalError';
    this.status = TERMINAL_ERRORS.specs[code].status;
  }
}

/** An API answer: status, stable code, message. */
export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/**
 * Who reads the answer. Officers are this party's own: they get the full message of a 5xx, which
 * may name the database or a file. A peer is another party: it gets only the code's `fault`.
 */
export type Audience = 'officer' | 'peer';

/** The HTTP answer of a registered error of any layer, or undefined for an error no registry knows. */
export function httpAnswerOf(e: unknown): (HttpAnswer & { readonly code: string; readonly message: string }) | undefined {
  if (e instanceof TerminalError) {
    const spec: HttpAnswer = TERMINAL_ERRORS.specs[e.code];
    return { ...spec, code: e.code, message: e.message };
  }
  if (e instanceof HotlineProtocolError) return { ...PROTOCOL_HTTP[e.code], code: e.code, message: e.message };
  if (e instanceof IdentityError) return { ...IDENTITY_HTTP[e.code], code: e.code, message: e.message };
  const store = storeErrorOf(e);
  if (store) return { ...STORE_HTTP[store.code], code: store.code, message: store.message };
  return undefined;
}

/** Framework (Fastify) errors by status: validation, body size, media type, rate, timeouts. */
const FRAMEWORK_CODES: Readonly<Record<number, TerminalErrorCode>> = { 404: 'NOT_FOUND', 408: 'REQUEST_TIMEOUT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };

/** One failed check of a request's schema, as the validator reports it. */
interface SchemaProblem {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: { readonly pattern?: string; readonly limit?: number; readonly allowedValues?: readonly unknown[]; readonly missingProperty?: string; readonly additionalProperty?: string };
}

/** The shortest id prefix a pattern such as ^[0-9a-f]{6,64}$ takes (undefined for other patterns). */
function idPattern(pattern: string | undefined): { min: number } | undefined {
  const m = /^\^\[0-9a-f\](?:\{(\d+)(?:,(\d+))?\}|\+)\$$/.exec(pattern ?? '');
  return m ? { min: m[1] ? Number(m[1]) : 1 } : undefined;
}

/**
 * A schema refusal in words: which field, where, and what it must be (the values allowed, the
 * form of an id), never the validator's own notation ("params/id must match pattern ...").
 */
export function schemaProblemText(context: string | undefined, problem: SchemaProblem | undefined, said: string): string {
  if (!problem) return `Invalid request: ${said}.`;
  const path = (problem.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const where = context === 'params' ? 'in the address' : context === 'querystring' ? 'in the query' : 'in the request body';
  const field = path ? `"${path}" (${where})` : `the request (${where})`;
  const p = problem.params ?? {};
  const id = idPattern(p.pattern);
  switch (problem.keyword) {
    case 'pattern':
      if (id) return `Invalid request: ${field} must be an id${id.min < 64 ? ` or a unique prefix of at least ${id.min} of its characters` : ' (all 64 characters)'}: hexadecimal digits 0-9 and a-f only.`;
      break;
    case 'minLength':
      if (/(^|\.)(id|ref|channel|message|replyTo)$/.test(path)) return `Invalid request: ${field} is too short: give the id or a unique prefix of at least ${p.limit} of its characters.`;
      break;
    case 'enum':
      if (p.allowedValues) return `Invalid request: ${field} must be one of: ${p.allowedValues.map(String).join(', ')}.`;
      break;
    case 'required':
      return `Invalid request: the field "${[path, p.missingProperty].filter(Boolean).join('.')}" is missing (${where}).`;
    case 'additionalProperties':
      return `Invalid request: unknown field "${[path, p.additionalProperty].filter(Boolean).join('.')}" (${where}).`;
  }
  return `Invalid request: ${field} ${(problem.message ?? said).replace(/\.$/, '')}.`;
}

function frameworkError(err: { statusCode?: number; message?: string; validation?: unknown; validationContext?: string }): ApiError | undefined {
  const said = (err.message ?? '').replace(/\.$/, '');
  if (err.validation) return { status: 400, code: 'BAD_REQUEST', message: schemaProblemText(err.validationContext, (err.validation as SchemaProblem[])[0], said) };
  if (!err.statusCode || err.statusCode < 400 || err.statusCode >= 500) return undefined;
  const code = FRAMEWORK_CODES[err.statusCode] ?? 'BAD_REQUEST';
  const status = TERMINAL_ERRORS.specs[code].status;
  const details: ErrorDetails = {
    detail: code === 'BAD_REQUEST' ? `Bad request: ${said || 'it could not be read'}.` : 'over the limit of this endpoint',
    what: 'this address',
  };
  return { status, code, message: TERMINAL_ERRORS.format(code, details) };
}

/**
 * Maps any thrown value to {status, code, message} for an API response; never leaks a stack.
 * Registered errors of every layer answer with their own status; anything else is a bug: 500
 * INTERNAL with a generic message (the error itself goes to the log).
 */
export function toApiError(e: unknown, audience: Audience = 'peer'): ApiError {
  const known = httpAnswerOf(e);
  if (known) {
    const message = known.fault !== undefined && audience === 'peer' ? known.fault : known.message;
    return { status: known.status, code: known.code, message };
  }
  const framework = e !== null && typeof e === 'object' ? frameworkError(e as { statusCode?: number; message?: string; validation?: unknown; validationContext?: string }) : undefined;
  return framework ?? { status: 500, code: 'INTERNAL', message: TERMINAL_ERRORS.format('INTERNAL') };
}

/**
 * A Fastify error handler answering `{ code, message }` with the status of {@link toApiError}:
 * refusals are logged at info level with their code, 5xx answers at error level with the error.
 */
export function apiErrorHandler(audience: Audience, what: string): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const e = toApiError(error, audience);
    if (e.status >= 500) request.log.error({ code: e.code, status: e.status, err: error }, `${what} error`);
    else request.log.info({ code: e.code, status: e.status }, `${what} request refused`);
    void reply.code(e.status).send({ code: e.code, message: e.message });
  };
}
