import { describe, expect, it, vi } from "vitest";
import { applyTheme } from "./theme";

describe("applyTheme", () => {
  it("marks the page light or dark, and follows the desktop when asked to", () => {
    let listener: (() => void) | null = null;
    const media = {
      matches: true,
      addEventListener: (_: string, f: () => void) => (listener = f),
    };
    vi.stubGlobal("matchMedia", () => media);
    applyTheme("light");
    expect(document.documentElement.dataset.theme).toBe("light");
    applyTheme("system");
    expect(document.documentElement.dataset.theme).toBe("dark");
    media.matches = false;
    listener!();
    expect(document.documentElement.dataset.theme).toBe("light");
    applyTheme("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    vi.unstubAllGlobals();
  });
});
