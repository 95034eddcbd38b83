/**
 * docs/protocol.md Appendix A publishes the JSON Schema of every object on the wire; it must be
 * exactly the schemas the reference implementation validates with (src/protocol/schemas.ts), so
 * that a verifier written from the document alone accepts and refuses the same objects.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIRE_SCHEMAS as OBJECT_SCHEMAS } from '../../src/protocol/index.js';
import { ProofSchema, RedactedEntrySchema } from '../../src/protocol/proof/document.js';

/** The wire objects' schemas and those of the proof of one message (§14.2–§14.3). */
const WIRE_SCHEMAS: Readonly<Record<string, unknown>> = { ...OBJECT_SCHEMAS, 'redacted-entry': RedactedEntrySchema, proof: ProofSchema };

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** The schemas of Appendix A: each "#### `name`" heading followed by a ```json block. */
function appendix(): Map<string, unknown> {
  const start = doc.indexOf('\n## Appendix A.');
  expect(start, 'docs/protocol.md has an Appendix A').toBeGreaterThan(0);
  const out = new Map<string, unknown>();
  for (const m of doc.slice(start).matchAll(/^#### `([^`]+)`\n+```json\n([\s\S]*?)\n```$/gm)) out.set(m[1]!, JSON.parse(m[2]!));
  return out;
}

/** The appendix text for one schema, to paste when it has changed. */
const block = (name: string) => `#### \`${name}\`\n\n\`\`\`json\n${JSON.stringify(WIRE_SCHEMAS[name], null, 2)}\n\`\`\``;

describe('docs/protocol.md Appendix A', () => {
  it('lists the schema of every object, and nothing else', () => {
    expect([...appendix().keys()].sort()).toEqual(Object.keys(WIRE_SCHEMAS).sort());
  });

  it('gives each schema exactly as the implementation validates with', () => {
    const published = appendix();
    for (const name of Object.keys(WIRE_SCHEMAS))
      expect(published.get(name), `Appendix A is out of date for ${name}; it should read:\n${block(name)}`).toEqual(JSON.parse(JSON.stringify(WIRE_SCHEMAS[name])));
  });
});
