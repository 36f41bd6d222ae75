import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import DocumentPreview from "./DocumentPreview.svelte";
import type { DocumentContent } from "../lib/bindings";

const drawPage = vi.fn(async () => {});
vi.mock("../lib/pdf", () => ({
  openPdf: vi.fn(async (bytes: Uint8Array) => {
    if (new TextDecoder().decode(bytes.slice(0, 5)) !== "%PDF-") throw new Error("Invalid PDF structure");
    return { numPages: 3 };
  }),
  drawPage: (...args: unknown[]) => drawPage(...(args as [])),
}));

function serve(content: DocumentContent) {
  mockIPC((cmd) => {
    if (cmd === "document_content") return content;
    throw new Error(`unexpected ${cmd}`);
  });
}

describe("DocumentPreview", () => {
  it("draws PDF pages and turns them with the arrow keys", async () => {
    serve({ name: "Скан.pdf", mime: "application/pdf", text: null, base64: btoa("%PDF-1.4 x") });
    const user = userEvent.setup();
    render(DocumentPreview, { orgId: "o1", documentId: "d1", onClose: vi.fn() });
    expect((await screen.findByTestId("preview-page")).textContent).toBe("Страница 1 из 3");
    await waitFor(() => expect(drawPage).toHaveBeenLastCalledWith(expect.anything(), 1, expect.anything(), 640));
    await user.keyboard("{ArrowRight}{ArrowRight}{ArrowRight}");
    expect(screen.getByTestId("preview-page").textContent).toBe("Страница 3 из 3");
    await waitFor(() => expect(drawPage).toHaveBeenLastCalledWith(expect.anything(), 3, expect.anything(), 640));
    await user.keyboard("{PageUp}");
    expect(screen.getByTestId("preview-page").textContent).toBe("Страница 2 из 3");
  });

  it("says a damaged PDF cannot be shown, and shows text and images as they are", async () => {
    serve({ name: "Битый.pdf", mime: "application/pdf", text: null, base64: btoa("MZ not a pdf") });
    const first = render(DocumentPreview, { orgId: "o1", documentId: "d1", onClose: vi.fn() });
    expect((await screen.findByTestId("preview-error")).textContent).toContain("повреждён");
    first.unmount();

    serve({ name: "Доверенность.txt", mime: "text/plain", text: "ДОВЕРЕННОСТЬ", base64: null });
    const second = render(DocumentPreview, { orgId: "o1", documentId: "d2", onClose: vi.fn() });
    expect((await screen.findByTestId("preview-text")).textContent).toBe("ДОВЕРЕННОСТЬ");
    second.unmount();

    serve({ name: "Схема.png", mime: "image/png", text: null, base64: "iVBORw0KGgo=" });
    const third = render(DocumentPreview, { orgId: "o1", documentId: "d3", onClose: vi.fn() });
    expect((await screen.findByTestId("preview-image")).getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");
    third.unmount();

    serve({ name: "Отчёт.docx", mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", text: null, base64: null });
    render(DocumentPreview, { orgId: "o1", documentId: "d4", onClose: vi.fn() });
    expect((await screen.findByTestId("preview-none")).textContent).toContain("нельзя показать");
  });
});
