// Dates and times the Russian way: DD.MM.YYYY, HH:MM, local time.
import { t } from "./i18n";

function pad(n: number): string {
  return n.toString().padStart(2, "0");
}

function parse(value: string): Date | null {
  // Plain ISO dates are calendar dates, not instants: no time-zone shift.
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(value: string): string {
  const d = parse(value);
  return d ? `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()}` : value;
}

export function formatTime(value: string): string {
  const d = parse(value);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : value;
}

export function formatDateTime(value: string): string {
  const d = parse(value);
  return d ? `${formatDate(value)}${t.dateTimeJoin}${formatTime(value)}` : value;
}

/** Case-insensitive, ё = е: how people type Russian names. */
export function normalize(s: string): string {
  return s.toLocaleLowerCase("ru-RU").replaceAll("ё", "е").replace(/[«»"]/g, "").trim();
}

/** A whole number with thin-space thousands: «100 000». */
export function formatCount(n: number): string {
  return Math.trunc(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
}

/** Kopecks as rubles: thin-space thousands, comma decimals, «₽». */
export function formatMoney(kopecks: number): string {
  const sign = kopecks < 0 ? "−" : "";
  const abs = Math.abs(Math.round(kopecks));
  return `${sign}${formatCount(Math.floor(abs / 100))},${pad(abs % 100)}\u00a0₽`;
}

/** A file size as people read it: «820 Б», «14,2 КБ», «3,4 МБ». */
export function formatSize(bytes: number): string {
  const num = (n: number) => n.toLocaleString("ru-RU", { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${bytes}\u00a0Б`;
  if (bytes < 1024 * 1024) return `${num(bytes / 1024)}\u00a0КБ`;
  return `${num(bytes / (1024 * 1024))}\u00a0МБ`;
}

/** Bytes as base64, in chunks (a 10 MB file would overflow one call). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
