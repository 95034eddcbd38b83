/**
 * The console's languages (#15 item 5): i18next with one catalogue per language in locales/, as
 * data, so that a new language is a file (and a line in LANGUAGES). The language is chosen per
 * officer and remembered in this browser; the page's `lang` and `dir` follow it (Arabic is laid
 * out right to left). Templates (standard phrases) are catalogue entries too, inserted in each of
 * a channel's languages that has a catalogue.
 */
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import type { ReactNode } from 'react';
import ar from './locales/ar.json';
import en from './locales/en.json';
import ru from './locales/ru.json';
import zh from './locales/zh.json';

/** The languages shipped, each named in itself. */
export const LANGUAGES: ReadonlyArray<{ code: string; name: string; dir: 'ltr' | 'rtl' }> = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'zh', name: '中文', dir: 'ltr' },
  { code: 'ru', name: 'Русский', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
];
const RESOURCES = { en, zh, ru, ar } as const;

/** A label of the catalogue (the English one is the reference). */
export type Label = Exclude<keyof typeof en, 'tpl' | 'errors'> extends infer K ? (K extends `${infer B}_${'one' | 'other'}` ? B : K) & string : never;

/** The standard phrases (in the manner of CUES), by id. */
export const TEMPLATE_IDS = Object.keys(en.tpl) as ReadonlyArray<keyof typeof en.tpl>;

const STORE_KEY = 'hotline.lang';

/** The language remembered for this officer in this browser, else the browser's, else English. */
export function preferredLanguage(officer?: string): string {
  const stored = (officer && localStorage.getItem(`${STORE_KEY}.${officer}`)) || localStorage.getItem(STORE_KEY);
  const browser = navigator.language.slice(0, 2).toLowerCase();
  const code = stored ?? browser;
  return LANGUAGES.some((l) => l.code === code) ? code : 'en';
}

void i18next.use(initReactI18next).init({
  resources: Object.fromEntries(Object.entries(RESOURCES).map(([code, translation]) => [code, { translation }])),
  lng: preferredLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
  initAsync: false,
  returnNull: false,
});
applyDocumentLanguage(i18next.language);

function applyDocumentLanguage(code: string): void {
  document.documentElement.lang = code;
  document.documentElement.dir = LANGUAGES.find((l) => l.code === code)?.dir ?? 'ltr';
}

/** Switches the console's language, remembered for `officer` (and as this browser's default). */
export function setLanguage(code: string, officer?: string): void {
  if (!LANGUAGES.some((l) => l.code === code)) return;
  localStorage.setItem(STORE_KEY, code);
  if (officer) localStorage.setItem(`${STORE_KEY}.${officer}`, code);
  void i18next.changeLanguage(code);
  applyDocumentLanguage(code);
}

/** A label in the console's language (with values for its placeholders, and `count` for plurals). */
export function T({ k, ...values }: { k: Label } & Record<string, string | number>): ReactNode {
  const { t } = useTranslation();
  return <>{t(k, values)}</>;
}

/** A label as text, for attributes (aria-label, title). */
export const tr = (k: Label, values?: Record<string, string | number>): string => i18next.t(k, values ?? {});

/** A standard phrase in one language, if that language has a catalogue. */
export function templateText(id: string, lang: string): string | undefined {
  const catalogue = RESOURCES[lang as keyof typeof RESOURCES];
  return catalogue?.tpl[id as keyof typeof en.tpl];
}

/** The console's current language, re-rendering when it changes. */
export function useLanguage(): string {
  return useTranslation().i18n.language;
}

/**
 * The language switch, remembered for the signed-in officer. With `offered` (the languages of the
 * channel's charter), it offers those and the officer's current choice; a charter language the
 * console has no catalogue for is listed, disabled, so the officer sees which catalogues exist.
 */
export function LanguageSwitch({ officer, offered }: { officer?: string; offered?: readonly string[] }): ReactNode {
  const lang = useLanguage();
  const codes = offered && offered.length ? [...new Set([...offered, lang])] : LANGUAGES.map((l) => l.code);
  return (
    <label className="lang-switch">
      <span className="sr-only">
        <T k="interfaceLanguage" />
      </span>
      <select aria-label={tr('interfaceLanguage')} value={lang} onChange={(e) => setLanguage(e.target.value, officer)} data-testid="language">
        {codes.map((code) => {
          const shipped = LANGUAGES.find((l) => l.code === code);
          return (
            <option key={code} value={code} lang={code} disabled={!shipped} data-catalogue={shipped ? 'yes' : 'no'}>
              {shipped ? shipped.name : tr('noCatalogue', { lang: code })}
            </option>
          );
        })}
      </select>
    </label>
  );
}
