import { describe, expect, it } from "vitest";
import { isoToRu, maskRuDate, ruToIso } from "./dates";

describe("Russian dates", () => {
  it("reads DD.MM.YYYY and refuses days that do not exist", () => {
    expect(ruToIso("01.12.2026")).toBe("2026-12-01");
    expect(ruToIso("1.2.2026")).toBe("2026-02-01");
    expect(ruToIso("29.02.2028")).toBe("2028-02-29");
    expect(ruToIso("29.02.2026")).toBeNull();
    expect(ruToIso("31.04.2026")).toBeNull();
    expect(ruToIso("2026-12-01")).toBeNull();
    expect(ruToIso("01.12.26")).toBeNull();
  });

  it("puts the dots in while typing and writes ISO days back", () => {
    expect(maskRuDate("0112")).toBe("01.12");
    expect(maskRuDate("01122026")).toBe("01.12.2026");
    expect(maskRuDate("01.12.2026999")).toBe("01.12.2026");
    expect(maskRuDate("a1")).toBe("1");
    expect(isoToRu("2026-12-01")).toBe("01.12.2026");
    expect(isoToRu("")).toBe("");
  });
});
