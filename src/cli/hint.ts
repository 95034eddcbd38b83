/**
 * Next-step hints: a command line the user may paste as written, spelled as the README spells
 * its commands (test/cli/readme-commands.test.ts): `npx hotline ...` (no global install) with the
 * data directory the command was given, so that it reaches the same terminal.
 */

/** The data directory of every command that is given none. */
export const DEFAULT_DATA_DIR = './hotline-data';

/** A data directory as a shell word: as is when plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `npx hotline ARGS --data DIR`: ARGS as written (placeholders such as TEXT stay), DIR quoted for the shell. */
export function hotlineCommand(args: string, data?: string): string {
  return `npx hotline ${args}${data === undefined ? '' : ` --data ${shellWord(data)}`}`;
}
