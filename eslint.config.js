// Lint rules that keep the layering of the brief from rotting:
//   protocol/ is pure (no I/O, no other layer of ours);
//   store/ may use protocol/ only; terminal/ and cli/ may use store/ and protocol/;
//   cli/ uses the terminal only through its public face, src/terminal/index.ts (and the light
//   face: the few small modules every CLI start needs, TERMINAL_LIGHT_FACE);
//   only the composition root, src/terminal/terminal.ts, constructs the terminal's services;
//   only store/ speaks SQL (kysely, better-sqlite3, pg).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The terminal's services: only the composition root (src/terminal/terminal.ts) constructs them
 * and hands each consumer what it needs. Add a service here when you add one.
 */
const SERVICES = [
  'ChannelService',
  'OfficerService',
  'AuditLog',
  'EscalationScheduler',
  'LinkTester',
  'DrillScheduler',
  'Dispatcher',
  'ConsoleNotifier',
  'WebhookNotifier',
  'EmailNotifier',
  'PeerLink',
  'PeerLinks',
  'EventBus',
  'JobRunner',
  'EscalationPlanner',
  // The channel wing's parts: composed by channels/compose.ts, which the composition root calls.
  'ChannelRegistry',
  'ChannelCommitter',
  'OwnWriter',
  'Receiver',
  'ReceiptScheduler',
  'ChannelMessages',
  'Peers',
];
const COMPOSITION_ROOT = 'src/terminal/terminal.ts';
/** The composition root and the channel wing's own composition, which it calls. */
const COMPOSERS = [COMPOSITION_ROOT, 'src/terminal/channels/compose.ts'];

/** Modules of the terminal that are pure functions (no I/O, no clock), held to protocol/'s rules. */
const PURE_TERMINAL_MODULES = ['src/terminal/officers/audit-chain.ts', 'src/terminal/operations/readiness.ts', 'src/terminal/channels/projector.ts'];

/**
 * A regular expression matching an import path into one of our layers, in every spelling:
 * '../terminal/x.js', '../../terminal/x.js', 'src/terminal/x.js', '../../src/terminal/x.js'.
 * Only relative and src-rooted paths: packages ('node:stream/web') are never ours.
 */
const into = (layers, rest = '') => `^(?=\\.{1,2}/|src/|/)(?:.*/)?(?:${layers.join('|')})(?:/${rest}|$)`;
/**
 * The terminal's light face: the modules of src/terminal/ the CLI may import directly, because what
 * every `hotline` call loads must stay small and the public face (index.ts) is the whole terminal
 * (Fastify, the stores, federation: 3.8 MB). Each of them imports nothing heavy; the build fails if
 * the CLI's start loads the terminal again (rolldown.config.mjs). test/terminal/public-surface.test.ts
 * holds the same list.
 */
const TERMINAL_LIGHT_FACE = ['install-paths', 'identity/officer-token', 'identity/load-identity'];
/** Below the terminal's public face: any module of src/terminal/ but index.ts and the light face. */
const BELOW_TERMINAL_FACE = into(['terminal'], `(?!(?:index|${TERMINAL_LIGHT_FACE.join('|')})\\.js$)`);

/**
 * The same restriction for what no-restricted-imports does not see: `import('...')` and the type
 * `import('...').T`. esquery regexes cannot hold a '/', hence \x2F.
 */
const dynamicImports = (regex, message) => {
  const re = regex.replaceAll('/', '\\x2F');
  return [
    { selector: `ImportExpression[source.value=/${re}/]`, message },
    { selector: `TSImportType[argument.literal.value=/${re}/]`, message },
  ];
};
/** no-restricted-imports options plus the matching no-restricted-syntax entries. */
const layerRule = (regex, message) => ({ pattern: { regex, message }, syntax: dynamicImports(regex, message) });

const sqlDrivers = ['kysely', 'better-sqlite3', 'pg'].map((name) => ({
  name,
  message: 'Only src/store/ speaks SQL: go through the Store interface.',
}));
const nodeIo = (where) =>
  ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'tls', 'node:tls', 'child_process', 'node:child_process', 'worker_threads', 'node:worker_threads'].map((name) => ({
    name,
    message: `${where} is pure: no I/O. Do it in the terminal, the CLI or the store.`,
  }));
const pureGlobals = (where) => [
  { name: 'setTimeout', message: `${where} has no timers.` },
  { name: 'fetch', message: `${where} does no I/O.` },
  { name: 'process', message: `${where} does not read the process environment.` },
  { name: 'performance', message: `${where} reads no clock: take the time as an argument.` },
];
const pureSyntax = (where) => [
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `${where} reads no clock: take the time as an argument.` },
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: `${where} reads no clock: take the time as an argument.` },
  { selector: "MemberExpression[object.name='Math'][property.name='random']", message: `${where} is deterministic: take randomness as an argument.` },
];

const protocolDeps = layerRule(into(['store', 'terminal', 'cli', 'web', 'bench', 'testkit']), 'protocol/ depends on nothing of ours.');
const storeDeps = layerRule(into(['terminal', 'cli', 'web', 'bench']), 'store/ depends only on protocol/.');
const serverDeps = layerRule(into(['web']), 'the server does not import the console.');
const terminalDeps = layerRule(into(['cli', 'web', 'bench']), 'terminal/ does not import the CLI, the console or the benchmark.');
const channelsDeps = layerRule(into(['federation']), 'channels/ does not import the federation: take a port of channels/ports.ts, wired by the composition root.');
const cliFace = layerRule(BELOW_TERMINAL_FACE, 'The CLI uses the terminal only through its public face: import from src/terminal/index.ts (add the export there if the CLI needs it).');
const compositionRoot = [
  {
    selector: `NewExpression[callee.name=/^(?:${SERVICES.join('|')})$/]`,
    message: `Only the composition root (${COMPOSITION_ROOT}) constructs the terminal's services: take this one as a parameter.`,
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'src/web/dist/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...sqlDrivers, ...nodeIo('src/protocol/')], patterns: [protocolDeps.pattern] }],
      'no-restricted-globals': ['error', ...pureGlobals('protocol/')],
      'no-restricted-syntax': ['error', ...pureSyntax('protocol/'), ...protocolDeps.syntax],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [storeDeps.pattern] }],
      'no-restricted-syntax': ['error', ...storeDeps.syntax],
    },
  },
  {
    files: ['src/bench/**/*.ts', 'src/scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: sqlDrivers, patterns: [serverDeps.pattern] }],
      'no-restricted-syntax': ['error', ...serverDeps.syntax],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: sqlDrivers, patterns: [serverDeps.pattern, cliFace.pattern] }],
      'no-restricted-syntax': ['error', ...serverDeps.syntax, ...cliFace.syntax],
    },
  },
  {
    // A room with one job: a file over 400 lines of code, or a function over 80, is two rooms in
    // one (docs/architecture.md). Declarative tables that must be longer say why in a disable comment.
    files: ['src/terminal/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/terminal/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: sqlDrivers, patterns: [terminalDeps.pattern] }],
      'no-restricted-syntax': ['error', ...terminalDeps.syntax, ...compositionRoot],
    },
  },
  {
    files: COMPOSERS,
    rules: {
      'no-restricted-syntax': ['error', ...terminalDeps.syntax],
    },
  },
  {
    // The channel wing is below the federation: it takes what it needs of it through its ports
    // (channels/ports.ts, e.g. InboundStreamsView), wired by the composition root.
    files: ['src/terminal/channels/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: sqlDrivers, patterns: [terminalDeps.pattern, channelsDeps.pattern] }],
    },
  },
  {
    files: PURE_TERMINAL_MODULES,
    rules: {
      'no-restricted-imports': ['error', { paths: [...sqlDrivers, ...nodeIo('This module')], patterns: [terminalDeps.pattern] }],
      'no-restricted-globals': ['error', ...pureGlobals('This module')],
      'no-restricted-syntax': ['error', ...pureSyntax('This module'), ...terminalDeps.syntax, ...compositionRoot],
    },
  },
  {
    // The console talks only to the officer API: from outside src/web it may import the API's
    // own types (src/terminal/officer-api/api-schemas.ts), as types only, and nothing else.
    files: ['src/web/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./(?!terminal/officer-api/api-schemas\\.js$)', message: 'The console talks only to the officer API: from outside src/web it imports only the API types of src/terminal/officer-api/api-schemas.ts.' },
          { regex: '^\\.\\./terminal/officer-api/api-schemas\\.js$', allowTypeImports: true, message: 'The console imports the officer API\'s types only (`import type`): nothing of the server goes into its bundle.' },
        ],
      }],
    },
  },
  {
    // The console's bundle verifier (#15 item 12) runs the pure verifier of src/protocol in a Web
    // Worker, its own lazily loaded chunk: only src/web/verify/ may import src/protocol.
    files: ['src/web/verify/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
);
