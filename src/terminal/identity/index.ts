/**
 * A terminal's identity on disk: data directory, key files, party card. See identity.ts for the
 * layout of the data directory.
 */
export * from './errors.js';
export * from './config.js';
export * from './key-file.js';
export * from './passphrase.js';
export * from './identity.js';
export { initTerminal } from './init-terminal.js';
export { loadTerminalIdentity } from './load-identity.js';
export * from './offline-root.js';
export { checkPrivateFile, jsonText, writeFileAtomic } from './files.js';
export * from './key-rotation.js';
export { answerCertificateKey, installRotationCard, requestKeyRotation, type RotationInstall, type RotationRequest } from './key-rotation-offline.js';
export { revokeWithRoot, type RootRevokeOptions, type RootRevokeResult } from './root-revoke.js';
export { mergeRevocations } from './revocations.js';
