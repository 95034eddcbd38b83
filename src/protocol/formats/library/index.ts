/**
 * The shipped library (docs/protocol.md §13.6): nine definitions, each a JSON file in
 * definitions/ holding exactly the object whose hash a charter agrees (id@version.json), checked
 * when first used. The structure was written for Hotline from public practice (the 1988
 * launch-notification agreement, the OSCE Vienna Document's notifications, CUES 2014, ICAO/IMO
 * safety notices, IAMSAR, FIRST's TLP 2.0), with labels in English, Chinese and Russian.
 *
 * A language added later is not written here: it is a language pack (§13.7), a JSON file a
 * terminal loads from the package's formats/ directory or its data directory, which changes no
 * definition's hash.
 */
import { checkFormatDefinition, formatHash, type FormatDefinition } from '../definition.js';
import callRequest from './definitions/call-request@1.json' with { type: 'json' };
import cyberIncident from './definitions/cyber-incident@1.json' with { type: 'json' };
import exerciseNotice from './definitions/exercise-notice@1.json' with { type: 'json' };
import incidentReport from './definitions/incident-report@1.json' with { type: 'json' };
import launchNotification from './definitions/launch-notification@1.json' with { type: 'json' };
import safetyNotice from './definitions/safety-notice@1.json' with { type: 'json' };
import sarRequest from './definitions/sar-request@1.json' with { type: 'json' };
import standardPhrase from './definitions/standard-phrase@1.json' with { type: 'json' };
import unplannedEncounter from './definitions/unplanned-encounter@1.json' with { type: 'json' };

/** The shipped definition files, in the library's order. */
const FILES: readonly unknown[] = [launchNotification, unplannedEncounter, exerciseNotice, incidentReport, safetyNotice, sarRequest, callRequest, cyberIncident, standardPhrase];

/** The languages every shipped definition has (more come as language packs, §13.7). */
export const SHIPPED_LANGUAGES: readonly string[] = ['en', 'zh', 'ru'];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function build(): ReadonlyMap<string, FormatDefinition> {
  const byHash = new Map<string, FormatDefinition>();
  for (const file of FILES) {
    const problem = checkFormatDefinition(file);
    const def = file as FormatDefinition;
    // A shipped definition that does not check is a defect of this package, caught by its tests.
    if (problem) throw new Error(`shipped format ${def.id}@${def.version}: ${problem}`);
    byHash.set(formatHash(def), deepFreeze(structuredClone(def)));
  }
  return byHash;
}

let library: ReadonlyMap<string, FormatDefinition> | undefined;

/** Every shipped definition, by hash. Built on first use. */
export function shippedFormats(): ReadonlyMap<string, FormatDefinition> {
  library ??= build();
  return library;
}

/** The shipped definition with this hash, if any: the default way a terminal resolves a format. */
export function shippedFormat(hash: string): FormatDefinition | undefined {
  return shippedFormats().get(hash);
}

const codesOfField = (id: string, field: string): readonly string[] =>
  [...shippedFormats().values()].find((d) => d.id === id)?.fields.find((f) => f.name === field)?.values ?? [];

/** The codes of the standard-phrase message (a phrase book for encounters at sea and in the air). */
export const shippedPhrases = (): readonly string[] => codesOfField('standard-phrase', 'phrase');
