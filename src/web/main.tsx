import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
// Fonts for every shipped script, so that a machine without CJK or Arabic fonts shows no empty
// boxes. Each face covers unicode ranges: the browser fetches only the files for the characters on
// the page, so a console showing no Chinese loads no Chinese font.
import '@fontsource/noto-sans/400.css';
import '@fontsource/noto-sans/700.css';
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-arabic/400.css';
import './i18n.js';
import { initialTheme } from './theme.js';
import './styles.css';

initialTheme();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
