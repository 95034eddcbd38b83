/**
 * Night watch (#15 item 13): the theme follows the system's preference unless the officer chose
 * light or dark, remembered in this browser.
 */
import { useState, type ReactNode } from 'react';
import { tr } from './i18n.js';

const KEY = 'hotline.theme';
type Theme = 'auto' | 'light' | 'dark';
const ORDER: readonly Theme[] = ['auto', 'light', 'dark'];

function apply(theme: Theme): void {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/** The theme remembered, applied at load. */
export function initialTheme(): Theme {
  const stored = localStorage.getItem(KEY) as Theme | null;
  const theme = stored && ORDER.includes(stored) ? stored : 'auto';
  apply(theme);
  return theme;
}

/** A button cycling auto → light → dark. */
export function ThemeSwitch(): ReactNode {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const label = tr(theme === 'auto' ? 'themeAuto' : theme === 'light' ? 'themeLight' : 'themeDark');
  return (
    <button
      type="button"
      className="secondary theme-switch"
      data-testid="theme"
      aria-label={`${tr('theme')}: ${label}`}
      onClick={() => {
        const next = ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length]!;
        localStorage.setItem(KEY, next);
        apply(next);
        setTheme(next);
      }}
    >
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} {label}
    </button>
  );
}
