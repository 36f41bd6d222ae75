// The window's look: light, dark, or as the desktop says (and following
// it when it changes). The stylesheet keys on <html data-theme>.
import type { Theme } from "./bindings";

let chosen: Theme = "system";
let media: MediaQueryList | null = null;

function paint() {
  const dark = chosen === "dark" || (chosen === "system" && !!media?.matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function applyTheme(theme: Theme) {
  chosen = theme;
  if (!media && typeof window.matchMedia === "function") {
    media = window.matchMedia("(prefers-color-scheme: dark)");
    media.addEventListener?.("change", paint);
  }
  paint();
}
