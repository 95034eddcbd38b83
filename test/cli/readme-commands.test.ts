/**
 * What a new user pastes from the README works as written in the quick-start setting (`npm start`:
 * terminals in data/us and data/cn): every `hotline` command of a code block is spelled
 * `npx hotline` (no global install) and names its data directory, but those that need no
 * terminal: `verify`, `format list|show`, `--help`. And `hotline format list|show` answer from the
 * shipped library with no data directory at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { schemaProblemText } from '../../src/terminal/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');

const run = runCli;

/** The command lines of the README's code blocks (continuations joined), with their line number. */
function readmeCommands(): Array<{ line: number; text: string }> {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const found: Array<{ line: number; text: string }> = [];
  let inBlock = false;
  let output = false;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(\w*)/.exec(lines[i]!);
    if (fence) {
      inBlock = !inBlock;
      // ```text: what a program prints (a report, the console's printout), not commands to paste.
      output = inBlock && fence[1] === 'text';
      continue;
    }
    if (!inBlock || output) continue;
    let text = lines[i]!.replace(/^\s+/, '');
    if (!/^(npx )?hotline /.test(text) && !/\| (npx )?hotline /.test(text)) continue;
    const start = i;
    while (/\\\s*$/.test(lines[i]!) && i + 1 < lines.length) text = `${text.replace(/\\\s*$/, '')} ${lines[++i]!.trim()}`;
    found.push({ line: start + 1, text: text.replace(/\s+#.*$/, '') });
  }
  return found;
}

/** Commands that need no terminal, hence no data directory. */
const OFFLINE = /hotline (verify|format (list|show)|--help|--version)\b/;

describe('the README as a new user pastes it', () => {
  it('spells every command `npx hotline` and gives each that needs a terminal its --data', () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThan(60);
    const bad = commands.filter((c) => /(?<![\w/.-])(?<!npx )hotline /.test(c.text) || (!OFFLINE.test(c.text) && !/--data /.test(c.text)));
    expect(bad.map((c) => `README.md:${c.line}: ${c.text}`)).toEqual([]);
  });

  it('hotline format list and format show work without a data directory (the shipped library)', async () => {
    const list = await run(['format', 'list', '--data', join(ROOT, 'no-such-dir')]);
    expect(list.err).toBe('');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^launch-notification@1 +[0-9a-f]{12} /m);
    expect(list.out).toMatch(/^standard-phrase@1 .* shipped with Hotline$/m);
    const show = await run(['format', 'show', 'launch-notification', '--data', join(ROOT, 'no-such-dir')]);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(/launch_type/);
    const missing = await run(['format', 'show', 'no-such-format', '--data', join(ROOT, 'no-such-dir')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/No format no-such-format/);
  });
});

describe('the Dialogue walkthrough', () => {
  const propose = (kind: string, place: string[] = []) =>
    run(['meeting', 'propose', 'abcdef', '--title', 'en=Talks', '--kind', kind, '--level', 'working', '--start', '-1h', '--end', '+1h', ...place, '--data', join(ROOT, 'no-such-dir')]);

  it('takes times relative to now, before and after (-1h, +1h), and a call needs no --place', async () => {
    // No terminal here: getting as far as looking for it means the command line was accepted.
    for (const r of [await propose('call'), await propose('video'), await propose('visit', ['--place', 'Beijing'])]) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/No Hotline identity/);
    }
  });

  it('a visit without --place is refused, saying why', async () => {
    const r = await propose('visit');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--place must be given for a meeting of kind visit/);
  });
});

describe('ids and choices on the command line: checked before any terminal is asked, in words', () => {
  const nowhere = ['--data', join(ROOT, 'no-such-dir')];
  it('a channel, message or dialogue id is 6 to 64 hex digits, like the README says', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['channel', 'show', 'zzzz'], /CHANNEL must be a channel id or a unique prefix of at least 6 of its characters \(0-9, a-f\).*got "zzzz"/],
      [['channel', 'show', '5d6d'], /CHANNEL must be .*at least 6.*got "5d6d"/],
      [['ack', 'xyz123'], /MESSAGE must be a message id/],
      [['send', 'abcdef', 'hello', '--reply-to', '12'], /--reply-to must be the id of the message answered, or a unique prefix of at least 6/],
      [['readout', 'show', 'abcdef', 'nope'], /MEETING must be a meeting id/],
      [['text', 'endorse', 'abcdef', 'nope'], /TEXT must be a joint text id/],
    ];
    for (const [args, expected] of cases) {
      const r = await run([...args, ...nowhere]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(expected);
    }
    // Upper case is taken as the same id; a valid one gets as far as looking for the terminal.
    expect((await run(['channel', 'show', '5D6D7F', ...nowhere])).err).toMatch(/No Hotline identity/);
  });

  it('--tier lists the values allowed', async () => {
    const r = await run(['channel', 'propose', '--with', 'CN', '--title', 'en=X', '--tier', 'bad', ...nowhere]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are leaders, ministerial, military, working, technical/);
  });

  it("the officer API's schema refusals are sentences, not the validator's notation", () => {
    expect(schemaProblemText('body', { instancePath: '/replyTo', keyword: 'pattern', params: { pattern: '^[0-9a-f]{6,64}$' } }, 'body/replyTo must match pattern "^[0-9a-f]{6,64}$"')).toBe(
      'Invalid request: "replyTo" (in the request body) must be an id or a unique prefix of at least 6 of its characters: hexadecimal digits 0-9 and a-f only.',
    );
    expect(schemaProblemText('body', { instancePath: '/tier', keyword: 'enum', params: { allowedValues: ['leaders', 'military'] } }, 'x')).toBe('Invalid request: "tier" (in the request body) must be one of: leaders, military.');
    expect(schemaProblemText('params', { instancePath: '/id', keyword: 'minLength', params: { limit: 6 } }, 'x')).toMatch(/"id" \(in the address\) is too short: give the id or a unique prefix of at least 6/);
    expect(schemaProblemText('body', { instancePath: '', keyword: 'required', params: { missingProperty: 'title' } }, 'x')).toBe('Invalid request: the field "title" is missing (in the request body).');
  });
});
