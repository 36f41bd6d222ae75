// The UI's strings in the chosen language. `t` follows `setLanguage`, which
// the app calls once at start from the settings (a change of language
// reloads the window). A string missing from a translation shows in
// Russian rather than as nothing.
import { en } from "./en";
import { ru, type Strings } from "./ru";

export type Language = "ru" | "en";

const all: Record<Language, Strings> = { ru, en };
let current: Strings = ru;
let currentLanguage: Language = "ru";

type Loose = Record<PropertyKey, unknown>;

function isMap(v: unknown): v is Loose {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// `primary`'s values, Russian where it has none, maps layered alike.
function layered(primary: Loose, fallback: Loose): Loose {
  return new Proxy(primary, {
    get(target, key) {
      const v = target[key];
      const f = fallback[key];
      if (v === undefined) return f;
      return isMap(v) && isMap(f) ? layered(v, f) : v;
    },
  });
}

export function setLanguage(language: Language): void {
  currentLanguage = all[language] ? language : "ru";
  current = currentLanguage === "ru" ? ru : (layered(all[currentLanguage] as unknown as Loose, ru as unknown as Loose) as unknown as Strings);
  if (typeof document !== "undefined") document.documentElement.lang = currentLanguage;
}

export function language(): Language {
  return currentLanguage;
}

export const t: Strings = new Proxy({} as Strings, {
  get: (_, key) => (current as unknown as Loose)[key],
});

export { plural } from "./ru";
