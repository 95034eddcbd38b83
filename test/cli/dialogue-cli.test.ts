/**
 * The dialogue commands' pure parts: times on the command line, and the printable record (every
 * text escaped, headings in the channel's languages, readouts side by side, hashes and the
 * verification command).
 */
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/cli/commands/dialogue.js';
import { recordHtml } from '../../src/terminal/dialogue/record-html.js';
import { deriveDialogue } from '../../src/protocol/index.js';
import { dialogueScenario } from '../../src/testkit/dialogue-scenario.js';
import type { DialogueView } from '../../src/terminal/officer-api/api-schemas.js';

describe('times on the command line', () => {
  it('reads ISO 8601 and +N[s|m|h|d], and refuses anything else', () => {
    expect(parseTime('--due', '2026-12-10T09:00Z')).toBe(Date.UTC(2026, 11, 10, 9));
    expect(parseTime('--due', '+3d', 1000)).toBe(1000 + 3 * 86_400_000);
    expect(parseTime('--start', '+90s', 0)).toBe(90_000);
    expect(parseTime('--since', '-1h', 7_200_000)).toBe(3_600_000);
    expect(parseTime('--since', 'now', 5)).toBe(5);
    expect(() => parseTime('--due', 'tomorrow')).toThrow(/--due/);
    expect(() => parseTime('--due', '12')).toThrow(/ISO 8601/);
  });
});

describe('the printable record', () => {
  const story = dialogueScenario('record');
  const { us, cn } = story;
  const parties = [us.id, cn.id];
  const state = deriveDialogue(story.s.log.dialogue.entries(), parties, story.s.time);
  const view = { channel: story.s.log.id, parties: [{ party: us.id, code: 'US' }, { party: cn.id, code: 'CN' }], languages: ['en', 'zh'], title: { en: 'US–China senior dialogue', zh: '中美高层对话' }, at: story.s.time, ...state } as unknown as DialogueView;

  it('has the meeting, both readouts, the adopted text, the commitments, the hashes and the command to verify', () => {
    const html = recordHtml(view);
    expect(html).toContain('<span lang="en">Agenda</span> · <span lang="zh">议程</span>');
    expect(html).toContain('resume military-to-military talks');
    expect(html).toContain('双方同意在平等基础上恢复两军对话');
    expect(html).toContain('candid and constructive');
    expect(html).toContain(story.v2.hash);
    for (const c of story.commitments) expect(html).toContain(c.hash);
    expect(html).toContain(`hotline export ${story.s.log.id} &gt; bundle.jsonl`);
    expect(html).toContain('@media print');
    expect(html).toContain('done, disputed');
  });

  it('escapes every text of the record', () => {
    const hostile = { ...view, title: { en: '<script>alert(1)</script>' }, issues: view.issues.map((i) => ({ ...i, current: i.current.map((p) => ({ ...p, text: '</pre><img src=x onerror=alert(1)>' })) })) };
    const html = recordHtml(hostile);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('of one meeting: only what belongs to it', () => {
    const html = recordHtml(view, view.meetings[0]);
    expect(html).toContain('Ministerial visit to Beijing');
    expect(html).toContain('Asia/Shanghai');
  });
});
