/**
 * The record of a channel (#15): search its messages, and print a transcript. Both views are
 * loaded only when opened (their code stays out of the first view's bundle).
 */
import { lazy, Suspense, useState } from 'react';
import type { ChannelDetail } from './api.js';
import { T } from './i18n.js';

const SearchPanel = lazy(() => import('./SearchPanel.js'));
const PrintView = lazy(() => import('./PrintView.js'));

export function RecordTools({ channel, detail, onJump }: { channel: string; detail: ChannelDetail; onJump: (id: string) => Promise<boolean> }) {
  const [open, setOpen] = useState<'search' | 'print' | undefined>();
  return (
    <div className="record-tools">
      <div className="record-buttons">
        <button type="button" aria-expanded={open === 'search'} data-testid="open-search" onClick={() => setOpen(open === 'search' ? undefined : 'search')}>
          <T k="search" />
        </button>
        <button type="button" data-testid="open-print" onClick={() => setOpen('print')}>
          <T k="printTranscript" />
        </button>
      </div>
      <Suspense fallback={<p className="muted"><T k="loading" /></p>}>
        {open === 'search' && <SearchPanel channel={channel} onJump={onJump} />}
        {open === 'print' && <PrintView detail={detail} onClose={() => setOpen(undefined)} />}
      </Suspense>
    </div>
  );
}
