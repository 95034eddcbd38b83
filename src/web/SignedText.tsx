/**
 * Text a party signed, shown as signed (#14 D9): bidirectional controls, other invisible format
 * characters and control characters are shown as visible markers (⟨U+202E⟩) instead of acting on
 * the page, so a peer cannot reorder what an officer reads or hide part of it; the text is
 * isolated (<bdi>) so it cannot reorder the page around it either. Newlines stay line breaks.
 */
import { visiblePieces } from './visible-text.js';

/** Signed text with its hidden characters made visible. */
export function SignedText({ text, lang }: { text: string; lang?: string }) {
  return (
    <bdi lang={lang} className="signed-text">
      {visiblePieces(text).map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : (
          <span key={i} className="hidden-char" title={`${p.code}: a character that is invisible or changes the text's direction, shown as its code`}>
            ⟨{p.code}⟩
          </span>
        ),
      )}
    </bdi>
  );
}
