/**
 * What the console and its verifier worker (verify/worker.ts) say to each other: the file's bytes
 * in, the verification report out. The shapes are the parts of src/protocol's VerificationReport
 * and ProofFacts the console shows, written here so that the first view imports nothing of
 * src/protocol; the worker is type-checked against the real ones (root tsconfig).
 */
export interface VerifyRequest {
  readonly name: string;
  readonly bytes: ArrayBuffer;
}

export interface Officer {
  readonly name: string;
  readonly title: string;
  readonly role: string;
}

export interface ReportErrorView {
  readonly code: string;
  readonly message: string;
  readonly line?: number;
  readonly author?: string;
  readonly seq?: number;
}

export interface ReportView {
  readonly valid: boolean;
  readonly channel: string | null;
  readonly title?: Readonly<Record<string, string>>;
  readonly tier?: string;
  readonly state: string | null;
  readonly asOf: number | null;
  readonly charterHash?: string;
  readonly parties: ReadonlyArray<{
    readonly code: string;
    readonly party: string;
    readonly names: Readonly<Record<string, string>>;
    readonly fingerprint: string;
    readonly entries: number;
  }>;
  readonly history: ReadonlyArray<{
    readonly state: string;
    readonly at: number;
    readonly by: string;
    readonly kind: string;
    readonly reason?: string;
  }>;
  readonly integrity: {
    readonly entries: number;
    readonly verified: number;
    readonly chains: string;
    readonly signatures: string;
  };
  readonly receipts: ReadonlyArray<{
    readonly holder: string;
    readonly author: string;
    readonly upTo: number;
    readonly of: number;
    readonly at: number;
  }>;
  readonly messages: ReadonlyArray<{
    readonly hash: string;
    readonly author: string;
    readonly seq: number;
    readonly time: number;
    readonly precedence: string;
    readonly lang: string;
    readonly text: string;
    readonly drill: boolean;
    readonly from?: Officer;
    readonly receivedBy: ReadonlyArray<{ readonly party: string; readonly at: number }>;
    readonly acks: ReadonlyArray<{ readonly party: string; readonly officer: Officer; readonly at: number }>;
  }>;
  readonly equivocations: ReadonlyArray<{ readonly author: string; readonly seq: number }>;
  readonly errors: readonly ReportErrorView[];
  readonly firstError: ReportErrorView | null;
}

export interface ProofFactsView {
  readonly channel: string;
  readonly title: Readonly<Record<string, string>>;
  readonly parties: ReadonlyArray<{
    readonly code: string;
    readonly party: string;
    readonly names: Readonly<Record<string, string>>;
  }>;
  readonly message: {
    readonly hash: string;
    readonly author: string;
    readonly seq: number;
    readonly time: number;
    readonly body: {
      readonly precedence: string;
      readonly lang: string;
      readonly text: string;
      readonly drill?: boolean;
      readonly subject?: string;
      readonly from?: Officer;
    };
  };
  readonly receipts: ReadonlyArray<{ readonly party: string; readonly time: number; readonly upTo: number }>;
  readonly acks: ReadonlyArray<{
    readonly party: string;
    readonly time: number;
    readonly officer: Officer;
    readonly note?: string;
  }>;
}

export type VerifyResult =
  | { readonly kind: 'bundle'; readonly report: ReportView; readonly text: string; readonly ms?: number }
  | {
      readonly kind: 'proof';
      readonly verdict:
        | { readonly valid: true; readonly facts: ProofFactsView }
        | { readonly valid: false; readonly error: ReportErrorView };
      /** Party key → fingerprint (§3.3), to compare over a line one trusts. */
      readonly fingerprints: Readonly<Record<string, string>>;
      readonly text: string;
      readonly ms?: number;
    }
  | { readonly kind: 'failed'; readonly message: string };
