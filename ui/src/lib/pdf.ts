// PDF pages drawn in the window with pdf.js (its legacy build, for the
// WebKit of older desktops). The worker is a file of the app itself, so
// the CSP's `script-src 'self'` covers it; eval stays off.
import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import workerUrl from "pdfjs-dist/legacy/build/pdf.worker.min.mjs?url";

GlobalWorkerOptions.workerSrc = workerUrl;

export type Pdf = PDFDocumentProxy;

export function openPdf(bytes: Uint8Array): Promise<Pdf> {
  return getDocument({ data: bytes, isEvalSupported: false }).promise;
}

/** Draws page `n` (from 1) into `canvas`, `width` CSS pixels wide. */
export async function drawPage(pdf: Pdf, n: number, canvas: HTMLCanvasElement, width: number): Promise<void> {
  const page = await pdf.getPage(n);
  const base = page.getViewport({ scale: 1 });
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: (width / base.width) * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("no 2d context");
  await page.render({ canvasContext: context, viewport }).promise;
}
