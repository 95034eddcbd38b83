/**
 * The dialogue layer's use cases (docs/protocol.md §6.1): the dialogue state of a channel, derived
 * from the channel's log held in memory (ChannelLog keeps a DialogueIndex of its dialogue
 * entries; deriving 10,000 of them takes some tens of milliseconds, so no projection is kept),
 * objects found by id or prefix, and the own entries written through ChannelActions.write, where
 * the channel log judges each against the protocol's rules before anything is signed away.
 */
import { deriveDialogue, type BodyOf, type CommitmentView, type IssueView, type MeetingView, type TextView, type DialogueKind, type DialogueState, type SealedEntry } from '../../protocol/index.js';
import type { ChannelActions, ChannelDirectory, WriteOptions } from '../channels/ports.js';
import { TerminalError } from '../errors.js';

/** The four kinds of dialogue object, as routes and commands name them. */
export type DialogueObject = 'issue' | 'meeting' | 'text' | 'commitment';

const COLLECTION: Record<DialogueObject, keyof DialogueState> = { issue: 'issues', meeting: 'meetings', text: 'texts', commitment: 'commitments' };
const COMMAND: Record<DialogueObject, string> = { issue: 'issue', meeting: 'meeting', text: 'text', commitment: 'commitment' };

interface ViewOf {
  issue: IssueView;
  meeting: MeetingView;
  text: TextView;
  commitment: CommitmentView;
}

/** A channel's dialogue, with what a reader needs to show it. */
export interface ChannelDialogue {
  readonly channel: string;
  /** The parties of the charter in force, in its order, with their codes. */
  readonly parties: ReadonlyArray<{ readonly party: string; readonly code: string }>;
  readonly languages: readonly string[];
  readonly title: Readonly<Record<string, string>>;
  /** The time the state is judged at (overdue commitments). */
  readonly at: number;
  readonly state: DialogueState;
}

export interface DialogueServiceOptions {
  readonly directory: Pick<ChannelDirectory, 'channel' | 'label'>;
  readonly actions: Pick<ChannelActions, 'write'>;
  readonly now: () => number;
}

export class DialogueService {
  readonly #p: DialogueServiceOptions;

  constructor(options: DialogueServiceOptions) {
    this.#p = options;
  }

  /** The dialogue of a channel (by id or prefix), judged now. */
  dialogue(channelIdOrPrefix: string): ChannelDialogue {
    const log = this.#p.directory.channel(channelIdOrPrefix);
    const at = this.#p.now();
    const charter = log.state(at).charter;
    const parties = charter.parties.map((p) => p.party);
    return {
      channel: log.id,
      parties: charter.parties.map((p) => ({ party: p.party, code: this.#p.directory.label(p.party) })),
      languages: charter.languages,
      title: charter.title,
      at,
      state: deriveDialogue(log.dialogue.entries(), parties, at),
    };
  }

  /** One object by its id or a prefix of at least 6 hex digits (DIALOGUE_NOT_FOUND, DIALOGUE_AMBIGUOUS). */
  find<O extends DialogueObject>(d: ChannelDialogue, what: O, ref: string): ViewOf[O] {
    const list = d.state[COLLECTION[what]] as ReadonlyArray<{ hash: string }>;
    const found = list.filter((x) => x.hash.startsWith(ref.toLowerCase()));
    const details = { what: what === 'text' ? 'joint text' : what, ref: ref.slice(0, 16), channel: d.channel.slice(0, 12), command: COMMAND[what] };
    if (found.length === 0 || ref.length < 6) throw new TerminalError('DIALOGUE_NOT_FOUND', details);
    if (found.length > 1) throw new TerminalError('DIALOGUE_AMBIGUOUS', details);
    return found[0] as ViewOf[O];
  }

  /** Writes an own dialogue entry; the channel log refuses it with the protocol's code if a rule fails. */
  write<K extends DialogueKind>(channel: string, kind: K, body: BodyOf<K>, options?: WriteOptions): Promise<SealedEntry<K>> {
    return this.#p.actions.write(channel, kind, body, options);
  }
}
