// Helpers for the records lists (requirements, notifications, …).
import type { RecordQuery } from "./bindings";

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
