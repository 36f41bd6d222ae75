// Helpers for the records lists (requirements, notifications, …).
import type { ProfileChange, RecordQuery } from "./bindings";

/** A records query with every filter off unless given. */
export function recordQuery(q: Partial<RecordQuery>): RecordQuery {
  return {
    parent: null,
    status: [],
    from: null,
    to: null,
    text: null,
    unread: false,
    sort: "newest",
    offset: 0,
    limit: 0,
    ...q,
  };
}

/** Whole days from today to an ISO date (negative when past), local time. */
export function daysLeft(isoDate: string, today: Date = new Date()): number {
  const [y = 0, m = 1, d = 1] = isoDate.slice(0, 10).split("-").map(Number);
  const due = Date.UTC(y, m - 1, d);
  const now = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((due - now) / 86_400_000);
}

/** A period of the lists' filters: this month, quarter or year, all, or custom dates. */
export type Period = "month" | "quarter" | "year" | "all" | "custom";

function iso(d: Date): string {
  const p = (n: number) => n.toString().padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The `from`/`to` (ISO days, both included) of a period; null is open. */
export function periodRange(
  period: Period,
  customFrom = "",
  customTo = "",
  today: Date = new Date(),
): { from: string | null; to: string | null } {
  const y = today.getFullYear();
  const m = today.getMonth();
  switch (period) {
    case "month":
      return { from: iso(new Date(y, m, 1)), to: null };
    case "quarter":
      return { from: iso(new Date(y, m - (m % 3), 1)), to: null };
    case "year":
      return { from: iso(new Date(y, 0, 1)), to: null };
    case "all":
      return { from: null, to: null };
    case "custom":
      return { from: customFrom || null, to: customTo || null };
  }
}

/** How long a decided requisites change stays on the dashboard. */
export const DECIDED_SHOWN_DAYS = 14;

/**
 * Whether the dashboard still mentions a requisites change: while it waits,
 * and for two weeks after the operator's decision (then it is history).
 */
export function changeStillNews(change: ProfileChange, now: Date = new Date()): boolean {
  if (change.status === "pending") return true;
  const decided = Date.parse(change.decided_at ?? change.created_at);
  return Number.isNaN(decided) || now.getTime() - decided < DECIDED_SHOWN_DAYS * 86_400_000;
}
