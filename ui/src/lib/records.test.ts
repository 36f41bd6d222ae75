import { describe, expect, it } from "vitest";
import type { ProfileChange } from "./bindings";
import { changeStillNews, daysLeft } from "./records";

const change = (status: ProfileChange["status"], decided_at: string | null): ProfileChange => ({
  id: "c1",
  status,
  bank: null,
  head_name: "Иванов И. И.",
  head_position: null,
  created_at: "2026-11-01T09:00:00Z",
  author: "director@romashka.demo",
  decided_at,
  comment: status === "rejected" ? "Не тот БИК" : null,
});

describe("changeStillNews", () => {
  const now = new Date("2026-11-20T12:00:00Z");
  it("keeps a waiting change however old", () => {
    expect(changeStillNews(change("pending", null), now)).toBe(true);
  });
  it("keeps a decision for two weeks, then lets it go", () => {
    expect(changeStillNews(change("approved", "2026-11-07T12:00:01Z"), now)).toBe(true);
    expect(changeStillNews(change("approved", "2026-11-06T12:00:00Z"), now)).toBe(false);
    expect(changeStillNews(change("rejected", "2026-11-19T08:00:00Z"), now)).toBe(true);
    expect(changeStillNews(change("rejected", "2026-10-01T08:00:00Z"), now)).toBe(false);
  });
});

describe("daysLeft", () => {
  it("counts whole local days", () => {
    expect(daysLeft("2026-11-23", new Date(2026, 10, 20, 23, 59))).toBe(3);
    expect(daysLeft("2026-11-19", new Date(2026, 10, 20, 0, 1))).toBe(-1);
  });
});
