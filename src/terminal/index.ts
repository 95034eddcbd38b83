/**
 * The terminal's public face: everything of src/terminal/ that the CLI (and the benchmark) may
 * use. src/cli/ imports nothing below this file (eslint.config.js), so the terminal's inside can
 * move without the CLI noticing; test/terminal/public-surface.test.ts checks that every name here
 * is used, so the face does not grow by habit.
 *
 * The CLI talks to a running terminal through the officer API (src/cli/officer-client.ts); what
 * it takes from here is what works without one: starting it, its identity on disk, the files of
 * the installed package, and pure computations on what the officer API returned.
 */

/** `hotline serve`; the officer credential file that the CLI on the host reads. */
export { startTerminal, TOKEN_FILE } from './terminal.js';
export { runHighlyAvailable, DEFAULT_LEASE_MS } from './ha/ha-runner.js';
export { startOfficerProxy } from './ha/officer-proxy.js';
export { addInstance } from './identity/ha-instance.js';
export { ensureDatabase } from '../store/index.js';

/** `hotline doctor` and `hotline repair`: the stopped terminal's storage checked, and repaired from its entries. */
export { describeProblem, doctor, repair, repairForked } from './integrity/doctor.js';

/** `hotline backup` and `hotline restore`: the database copied while the terminal runs, and put back while it is stopped. */
export { backupDatabase } from './integrity/backup.js';
export { restoreDatabase } from './integrity/restore.js';

/** The identity in a data directory: `hotline init`, `cert`, `card`, `root`, `key rotate` (identity/index.ts). */
export {
  answerCertificateKey,
  checkSigningRequest,
  IdentityError,
  initOfflineTerminal,
  initRootDir,
  initTerminal,
  installCertificate,
  installRotationCard,
  loadTerminalIdentity,
  readPassphrase,
  readStagedKey,
  reissueCard,
  requestFingerprint,
  requestKeyRotation,
  requestRenewal,
  revokeWithRoot,
  signRequest,
  stageKeyRotation,
  type DatabaseConfig,
} from './identity/index.js';

/** `hotline format check FILE`: a definition or language pack checked offline (docs/protocol.md §13.5, §13.7). */
export { checkFormatFile, formatsOnDisk } from './formats/format-files.js';

/** File helpers of the identity that the CLI's commands share: atomic writes, JSON text, existence. */
export { exists, jsonText, writeFileAtomic } from './identity/files.js';

/** Paths to the installed package's files (the bundle, worker scripts, package.json). */
export { distPath } from './install-paths.js';

/** `hotline import FILE`: whether a bundle sent in parts names this party, judged on the whole file (no I/O). */
export { BundleCharters } from './officer-api/import-charters.js';

/** `hotline audit verify FILE`: the audit log's hash chain, checked offline (no I/O). */
export { parseAuditExport, verifyAudit, type AuditVerdict } from './officers/audit-chain.js';

/** `hotline readiness`: shift bands and the report as text (no I/O). */
export { formatReadiness, parseShifts, type ReadinessReport } from './operations/readiness.js';

/** The officer API's answers and events, as its schemas define them: the CLI types what it reads with these. */
export type * as Api from './officer-api/api-schemas.js';
