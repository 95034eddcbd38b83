// Lint rules that keep the layering of the brief from rotting:
//   protocol/ is pure (no I/O, no other layer of ours);
//   store/ may use protocol/ only; terminal/ and cli/ may use store/ and protocol/;
//   only store/ speaks SQL (kysely, better-sqlite3, pg).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const sqlDrivers = ['kysely', 'better-sqlite3', 'pg'].map((name) => ({
  name,
  message: 'Only src/store/ speaks SQL: go through the Store interface.',
}));
const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'tls', 'node:tls', 'child_process', 'node:child_process', 'worker_threads', 'node:worker_threads'].map((name) => ({
  name,
  message: 'src/protocol/ is pure: no I/O. Do it in the terminal, the CLI or the store.',
}));

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
      'no-restricted-imports': ['error', {
        paths: [...sqlDrivers, ...nodeIo],
        patterns: [{ group: ['../store/*', '../terminal/*', '../cli/*', '../web/*', '../bench/*'], message: 'protocol/ depends on nothing of ours.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'protocol/ has no timers.' },
        { name: 'fetch', message: 'protocol/ does no I/O.' },
        { name: 'process', message: 'protocol/ does not read the process environment.' },
        { name: 'performance', message: 'protocol/ reads no clock: take the time as an argument.' }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'protocol/ reads no clock: take the time as an argument.' },
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'protocol/ reads no clock: take the time as an argument.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'protocol/ is deterministic: take randomness as an argument.' }],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../terminal/*', '../cli/*', '../web/*'], message: 'store/ depends only on protocol/.' }],
      }],
    },
  },
  {
    files: ['src/terminal/**/*.ts', 'src/cli/**/*.ts', 'src/bench/**/*.ts', 'src/scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sqlDrivers,
        patterns: [{ group: ['../web/*'], message: 'the server does not import the console.' }],
      }],
    },
  },
  {
    files: ['src/terminal/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sqlDrivers,
        patterns: [{ group: ['../cli/*', '../../cli/*', '../web/*'], message: 'terminal/ does not import the CLI or the console.' }],
      }],
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
);
