/**
 * Where older entries of a bundle file are, for a streaming verification (verify-stream.ts): the
 * ChannelLog keeps only each author's last entries in memory and asks for older facts ('cold'
 * needs), which are read back from the file with a positioned read.
 *
 * Memory: 8 bytes per entry (each entry line's byte offset, a Float64Array per author, by seq)
 * plus 13 to 27 bytes per message or link test (an open-addressing table, at most 3/4 full, of
 * 10-byte slots: a 32-bit hash of the entry hash, the author's number and the seq; collisions are
 * told apart by reading the line). For 5 million entries of which half are messages and link
 * tests: 40 MB + 42 MB.
 */
import { readSync } from 'node:fs';
import { coldEntryOf, parseEntry, referentOf, type ChannelLog, type ColdNeed, type SealedEntry } from '../protocol/index.js';

/** 32-bit FNV-1a of a string (the entry hash's text). */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class BundleIndex {
  readonly #byAuthor = new Map<string, { offsets: Float64Array; n: number; number: number }>();
  readonly #authors: string[] = [];
  #keys = new Uint32Array(1 << 12);
  /** The referent's seq; 0 is an empty slot. */
  #seqs = new Uint32Array(1 << 12);
  #authorOf = new Uint16Array(1 << 12);
  #refs = 0;
  #buf = Buffer.alloc(1 << 16);
  /** Cold reads answered (for the report on stderr and the bench). */
  reads = 0;

  constructor(readonly fd: number) {}

  /** Records the line of `author`'s entry `seq` (entries of one author come in seq order, from 1). */
  addEntry(author: string, seq: number, offset: number): void {
    let a = this.#byAuthor.get(author);
    if (!a) {
      this.#byAuthor.set(author, (a = { offsets: new Float64Array(1024), n: 0, number: this.#authors.length }));
      this.#authors.push(author);
    }
    if (seq !== a.n + 1) throw new Error(`entry ${seq} of ${author.slice(0, 8)} out of order`);
    if (a.n === a.offsets.length) {
      const grown = new Float64Array(a.offsets.length * 2);
      grown.set(a.offsets);
      a.offsets = grown;
    }
    a.offsets[a.n++] = offset;
  }

  /** The next seq expected of `author` (1 for an author not seen). */
  nextSeq(author: string): number {
    return (this.#byAuthor.get(author)?.n ?? 0) + 1;
  }

  /** Records a referent (message or link test) by its hash, once its entry was added (addEntry). */
  addReferent(hash: string, author: string, seq: number): void {
    if ((this.#refs + 1) * 4 > this.#keys.length * 3) this.#grow();
    if (seq > 0xffffffff || this.#authors.length > 0xffff) throw new Error('bundle too large for the referent index');
    this.#insert(fnv(hash), this.#byAuthor.get(author)!.number, seq);
    this.#refs++;
  }

  #insert(key: number, author: number, seq: number): void {
    const mask = this.#keys.length - 1;
    let i = key & mask;
    while (this.#seqs[i] !== 0) i = (i + 1) & mask;
    this.#keys[i] = key;
    this.#authorOf[i] = author;
    this.#seqs[i] = seq;
  }

  #grow(): void {
    const [keys, authors, seqs] = [this.#keys, this.#authorOf, this.#seqs];
    this.#keys = new Uint32Array(keys.length * 2);
    this.#authorOf = new Uint16Array(keys.length * 2);
    this.#seqs = new Uint32Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) if (seqs[i] !== 0) this.#insert(keys[i]!, authors[i]!, seqs[i]!);
  }

  /** The line starting at `offset`, without its LF. */
  lineAt(offset: number): string {
    let n = readSync(this.fd, this.#buf, 0, this.#buf.length, offset);
    let nl = this.#buf.subarray(0, n).indexOf(10);
    while (nl < 0 && n === this.#buf.length) {
      const bigger = Buffer.alloc(this.#buf.length * 2);
      this.#buf.copy(bigger);
      this.#buf = bigger;
      n += readSync(this.fd, this.#buf, n, this.#buf.length - n, offset + n);
      nl = this.#buf.subarray(0, n).indexOf(10);
    }
    return this.#buf.toString('utf8', 0, nl < 0 ? n : nl);
  }

  #entryAt(offset: number): SealedEntry | undefined {
    const r = parseEntry(this.lineAt(offset));
    return r.ok ? r.sealed : undefined;
  }

  /** Answers a ChannelLog's cold need from the file. */
  answer(log: ChannelLog, need: ColdNeed): void {
    this.reads++;
    if (need.type === 'entry') {
      const a = this.#byAuthor.get(need.author);
      const s = a && need.seq >= 1 && need.seq <= a.n ? this.#entryAt(a.offsets[need.seq - 1]!) : undefined;
      if (s) log.warmEntry(coldEntryOf(s));
      else log.warmNoEntry(need.author, need.seq);
      return;
    }
    const key = fnv(need.hash);
    const mask = this.#keys.length - 1;
    for (let i = key & mask; this.#seqs[i] !== 0; i = (i + 1) & mask) {
      if (this.#keys[i] !== key) continue;
      const a = this.#byAuthor.get(this.#authors[this.#authorOf[i]!]!)!;
      const s = this.#entryAt(a.offsets[this.#seqs[i]! - 1]!);
      if (s?.hash === need.hash) return log.warmReferent(need.hash, referentOf(s) ?? null);
    }
    log.warmReferent(need.hash, null);
  }
}
