import { afterEach, describe, expect, it } from "vitest";
import { language, setLanguage, t } from "./i18n";
import { en } from "./i18n/en";
import { ru } from "./i18n/ru";

// Every key of a map in `a`, with its path, that `b` lacks.
function missing(a: unknown, b: unknown, path = ""): string[] {
  if (typeof a !== "object" || a === null || Array.isArray(a)) return [];
  const other = (b ?? {}) as Record<string, unknown>;
  return Object.entries(a as Record<string, unknown>).flatMap(([k, v]) =>
    k in other ? missing(v, other[k], `${path}${k}.`) : [`${path}${k}`],
  );
}

describe("i18n", () => {
  afterEach(() => setLanguage("ru"));

  it("has every Russian string in English too, error codes and lists included", () => {
    expect(missing(ru, en)).toEqual([]);
    expect(missing(en, ru)).toEqual([]);
  });

  it("switches every string, maps and functions alike, and marks the document's language", () => {
    expect(t.login.title).toBe("Вход в личный кабинет организации");
    setLanguage("en");
    expect(language()).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    expect(t.login.title).toBe("Sign in to the organization cabinet");
    expect(t.errors["form.required"]).toContain("required fields");
    expect(Object.values(t.services.kinds)).toContain("Licence");
    expect(t.audit.count(1)).toBe("1 entry");
    expect(t.audit.count(3)).toBe("3 entries");
    setLanguage("ru");
    expect(t.audit.count(3)).toBe("3 записи");
  });
});
