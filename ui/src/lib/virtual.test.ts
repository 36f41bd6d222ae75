import { describe, expect, it } from "vitest";
import { pagesFor, scrollToShow, visibleRange } from "./virtual";

describe("virtual list window", () => {
  it("renders what is visible plus overscan, within the list", () => {
    expect(visibleRange(0, 560, 56, 100_000, 8)).toEqual({ start: 0, end: 18 });
    expect(visibleRange(56 * 50_000, 560, 56, 100_000, 8)).toEqual({ start: 49_992, end: 50_018 });
    expect(visibleRange(56 * 99_995, 560, 56, 100_000, 8)).toEqual({ start: 99_987, end: 100_000 });
    expect(visibleRange(0, 560, 56, 3, 8)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(-40, 560, 56, 0, 8)).toEqual({ start: 0, end: 0 });
  });

  it("names the pages holding a range", () => {
    expect(pagesFor(0, 18, 100)).toEqual([0]);
    expect(pagesFor(95, 118, 100)).toEqual([0, 1]);
    expect(pagesFor(100, 200, 100)).toEqual([1]);
    expect(pagesFor(5, 5, 100)).toEqual([]);
  });

  it("scrolls as little as needed to show a row", () => {
    expect(scrollToShow(3, 0, 560, 56)).toBe(0);
    expect(scrollToShow(10, 0, 560, 56)).toBe(56);
    expect(scrollToShow(2, 560, 560, 56)).toBe(112);
  });
});
