/**
 * The FLASH ring: a WebAudio beep pattern. Browsers block audio until the page has had a user
 * gesture, so the context is created (or resumed) on the sign-in click and on "Enable sound";
 * the visible banner never depends on the sound.
 */
let ctx: AudioContext | undefined;

/** Creates or resumes the audio context: call from a click handler. */
export function unlockAudio(): void {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
  } catch {
    // no audio on this machine: the banner still shows
  }
}

/**
 * Unlocks the sound on the first click or key press anywhere (after a reload the browser blocks it
 * until then); `then` runs once it plays.
 */
export function unlockOnFirstGesture(then: () => void): () => void {
  const go = () => {
    unlockAudio();
    setTimeout(then, 50);
  };
  document.addEventListener('pointerdown', go, { once: true, capture: true });
  document.addEventListener('keydown', go, { once: true, capture: true });
  return () => {
    document.removeEventListener('pointerdown', go, { capture: true });
    document.removeEventListener('keydown', go, { capture: true });
  };
}

/** Whether sound can play now. */
export function audioReady(): boolean {
  return ctx?.state === 'running';
}

/** Three pairs of high beeps (about 2 s). Counted on <html data-rings> when it played (for tests and support). */
export function ring(): void {
  if (!ctx || ctx.state !== 'running') return;
  document.documentElement.dataset.rings = String(Number(document.documentElement.dataset.rings ?? 0) + 1);
  const t0 = ctx.currentTime + 0.05;
  for (let i = 0; i < 6; i++) {
    const start = t0 + Math.floor(i / 2) * 0.7 + (i % 2) * 0.22;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = 1046;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.18);
  }
}
