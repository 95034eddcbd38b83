/**
 * A usage error points to the help of the command that was typed, subcommands included
 * (`hotline channel accept --help`), not to the program's.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('usage errors', () => {
  it("point to the subcommand's own help", async () => {
    const accept = await runCli(['channel', 'accept']);
    expect(accept.code).toBe(2);
    expect(accept.err).toMatch(/missing required argument 'channel'.*Run `hotline channel accept --help` for usage\./);
    const option = await runCli(['escalation', 'show', '--no-such-option']);
    expect(option.code).toBe(2);
    expect(option.err).toContain('Run `hotline escalation show --help` for usage.');
    const deep = await runCli(['meeting', 'decline', 'a'.repeat(64), 'b'.repeat(64)]);
    expect(deep.err).toMatch(/--reason.*Run `hotline meeting decline --help` for usage\./);
  });

  it('an unknown subcommand points to its parent, an unknown command to the program', async () => {
    const sub = await runCli(['channel', 'nosuch']);
    expect(sub.code).toBe(2);
    expect(sub.err).toContain('Run `hotline channel --help` for usage.');
    const top = await runCli(['nosuch']);
    expect(top.code).toBe(2);
    expect(top.err).toContain('Run `hotline --help` for usage.');
  });
});

describe('channel ids in the escalation, roster and grant commands', () => {
  it('take at least 6 hex digits, as every other id on the command line', async () => {
    const roster = await runCli(['roster', 'show', '--channel', 'abcd', '--data', '/nonexistent']);
    expect(roster.code).toBe(2);
    expect(roster.err).toMatch(/--channel must be a channel id or a unique prefix of at least 6 of its characters/);
    const escalation = await runCli(['escalation', 'show', 'abcd', '--data', '/nonexistent']);
    expect(escalation.code).toBe(2);
    expect(escalation.err).toMatch(/CHANNEL must be a channel id or a unique prefix of at least 6/);
    const grant = await runCli(['officer', 'add', 'Cdr Short', '--title', 'Duty', '--channel-role', 'abcd=duty-officer', '--data', '/nonexistent']);
    expect(grant.code).toBe(2);
    expect(grant.err).toMatch(/--channel-role CHANNEL must be a channel id or a unique prefix of at least 6 of its characters .*got "abcd"/);
  });
});
