// Dates typed the Russian way, DD.MM.YYYY, whatever the system locale (a
// native date input follows the locale WebKit runs under).

/** An ISO day (`YYYY-MM-DD`) as DD.MM.YYYY; anything else as is. */
export function isoToRu(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

/** DD.MM.YYYY (also D.M.YYYY) as an ISO day; null unless a real date. */
export function ruToIso(text: string): string | null {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** What typing leaves in the field: digits with the dots put in for the
 * user («01122026» → «01.12.2026»), at most DD.MM.YYYY. */
export function maskRuDate(text: string): string {
  const digits = text.replace(/\D/g, "").slice(0, 8);
  const parts = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4)].filter((p) => p !== "");
  return parts.join(".");
}
