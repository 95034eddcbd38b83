/**
 * `node dist/scripts/make-large-bundle.js FILE [ENTRIES]`: writes a valid transcript bundle of
 * about ENTRIES entries (default 5,000,000) for measuring `hotline verify` on large bundles
 * (docs/operations.md "Verifying large bundles"); the verify-large bench uses the same generator.
 */
import { generateLargeBundle } from '../bench/verify-large-bench.js';

const [path, count] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: node dist/scripts/make-large-bundle.js FILE [ENTRIES]\n');
  process.exit(2);
}
const n = await generateLargeBundle(path, Number(count ?? 5_000_000), (m) => process.stderr.write(`${m}\n`));
process.stderr.write(`${n} entries written to ${path}\n`);
