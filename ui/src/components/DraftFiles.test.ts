import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import DraftFiles from "./DraftFiles.svelte";
import type { Application, AttachmentView, DraftFiles as Files } from "../lib/bindings";

const draft: Application = {
  id: "a1",
  org_id: "o1",
  number: null,
  service_code: "cash-register",
  title: "Регистрация ККТ",
  status: "draft",
  created_at: "2026-11-01T09:00:00Z",
  updated_at: "2026-11-01T09:00:00Z",
  deadline: null,
  version: 2,
};

const passport: AttachmentView = {
  id: "d1",
  kind: "kkt-passport",
  name: "Паспорт ККТ.pdf",
  sha256: "ab".repeat(32),
  size: 14540,
  pending: false,
  signers: [],
  removing: false,
};

// What the catalog says the service asks for.
const required = [
  { code: "kkt-passport", title: "Паспорт ККТ", mandatory: true },
  { code: "fn-contract", title: "Договор с оператором фискальных данных", mandatory: true },
];

describe("DraftFiles", () => {
  it("names what is missing, sends a chosen file as base64 and shows the core's refusal", async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    let files: Files = { application: draft, files: [passport], required, missing: ["Договор с оператором фискальных данных"] };
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: Record<string, unknown> } | undefined)?.args ?? {};
      calls.push({ cmd, args });
      if (cmd === "draft_files") return files;
      if (cmd === "outbox") return [];
      if (cmd === "attach_file") {
        if (String(args.name).endsWith(".exe.pdf")) throw { code: "file.type_not_allowed", message: "no" };
        files = {
          ...files,
          files: [...files.files, { ...passport, id: "q1", kind: String(args.kind), name: String(args.name), pending: true }],
          missing: [],
        };
        return files;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(DraftFiles, { orgId: "o1", app: draft, permissions: ["applications.edit", "applications.submit"] });
    const missing = await screen.findByTestId("missing-documents");
    expect(missing.textContent).toContain("Договор с оператором фискальных данных");
    await waitFor(() => expect(screen.getAllByTestId("file-slot")).toHaveLength(3));
    expect(screen.getByTestId("draft-file").textContent).toContain("не подписан");
    // The accountant cannot send it: the head signs first.
    expect((screen.getByTestId("submit-draft") as HTMLButtonElement).disabled).toBe(true);

    const inputs = screen.getAllByTestId("file-input");
    const bad = new File([new Uint8Array([0x4d, 0x5a, 0x90])], "setup.exe.pdf", { type: "application/pdf" });
    await user.upload(inputs[1]!, bad);
    expect((await screen.findByRole("alert")).textContent).toContain("по содержимому");

    const good = new File([new TextEncoder().encode("%PDF-1.7")], "Договор ОФД.pdf", { type: "application/pdf" });
    await user.upload(inputs[1]!, good);
    await waitFor(() => expect(screen.queryByTestId("missing-documents")).toBeNull());
    const sent = calls.filter((c) => c.cmd === "attach_file").at(-1)!.args;
    expect(sent).toMatchObject({ org_id: "o1", id: "a1", kind: "fn-contract", name: "Договор ОФД.pdf" });
    expect(atob(String(sent.content))).toBe("%PDF-1.7");
    expect(screen.getAllByTestId("draft-file")[1]!.textContent).toContain("ждёт отправки");
  });
});
