import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Documents from "./Documents.svelte";
import type { DocumentView } from "../lib/bindings";
import { untrusted } from "../lib/checks.fixture";

const doc = (pending: string[]): DocumentView => ({
  document: {
    id: "d1",
    org_id: "o1",
    name: "Договор поставки № 14-П.txt",
    mime: "text/plain",
    size: 1536,
    sha256: "ab",
    created_at: "2026-11-22T10:00:00Z",
    signatures: [],
  },
  pending_signers: pending,
  cached: true,
});

describe("Documents", () => {
  it("signs with one of my certificates; the signature waits for the sync", async () => {
    let pending: string[] = [];
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      calls.push({ cmd, args: (payload as { args?: unknown } | undefined)?.args });
      if (cmd === "documents") return { items: [doc(pending)], total: 1 };
      if (cmd === "my_certificates")
        return [{ certificate: { holder: "Иванов С. П.", organization: "ООО «Ромашка»", status: "valid", sha256: "F1" }, source: "pfx", location: "/x.pfx", key_id: null }];
      if (cmd === "sign_document") {
        pending = ["Иванов С. П."];
        return null;
      }
      if (cmd === "verify_document") return [untrusted()];
      throw new Error(`unexpected ${cmd}`);
    });
    const onSigned = vi.fn();
    const user = userEvent.setup();
    render(Documents, { orgId: "o1", onSigned });
    expect((await screen.findByTestId("document-row")).textContent).toContain("1,5 КБ");
    await user.click(screen.getByRole("button", { name: "Подписать" }));
    await user.type(await screen.findByLabelText("Пароль или PIN-код"), "Director-KEP");
    await user.click(screen.getByRole("button", { name: "Подписать документ" }));
    expect((await screen.findByTestId("docs-notice")).textContent).toContain("отправится на портал");
    expect(screen.getByTestId("document-signatures").textContent).toContain("Подпись ждёт отправки: Иванов С. П.");
    expect(onSigned).toHaveBeenCalled();
    expect(calls.find((c) => c.cmd === "sign_document")?.args).toEqual({
      org_id: "o1",
      document_id: "d1",
      sha256: "F1",
      secret: "Director-KEP",
    });
    await user.click(screen.getByRole("button", { name: "Проверить подписи" }));
    // Intact but by a CA on no list: said so, never «верна».
    const verdict = await screen.findByTestId("verdict");
    expect(verdict.dataset.verdict).toBe("indeterminate");
    expect(verdict.textContent).toContain("Подпись не изменена, но доверие не установлено");
    expect(verdict.textContent).toContain("недоверенным удостоверяющим центром");
    expect(verdict.textContent).not.toContain("верна");
  });

  it("shows the newest hundred of a large organization and a hundred more on request", async () => {
    const asked: number[] = [];
    mockIPC((cmd, payload) => {
      if (cmd === "documents") {
        const limit = (payload as { args: { limit: number } }).args.limit;
        asked.push(limit);
        const items = Array.from({ length: Math.min(limit, 250) }, (_, i) => ({
          ...doc([]),
          document: { ...doc([]).document, id: `d${i}`, name: `Документ ${i}.pdf` },
        }));
        return { items, total: 250 };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Documents, { orgId: "o1" });
    await waitFor(() => expect(screen.getAllByTestId("document-row")).toHaveLength(100));
    expect(screen.getByTestId("documents-shown").textContent).toBe("Показаны последние 100 из 250.");
    await user.click(screen.getByTestId("documents-more"));
    await waitFor(() => expect(screen.getAllByTestId("document-row")).toHaveLength(200));
    expect(asked).toEqual([100, 200]);
    expect(screen.getByTestId("documents-more").textContent?.trim()).toBe("Показать ещё 50");
  });
});
