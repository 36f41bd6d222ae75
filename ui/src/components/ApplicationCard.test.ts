import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import ApplicationCard from "./ApplicationCard.svelte";
import type { Application } from "../lib/bindings";

const app: Application = {
  id: "a1",
  org_id: "o1",
  number: "2026-000101",
  service_code: "egrul-extract",
  title: "Выписка для банка",
  status: "in_progress",
  created_at: "2026-11-01T09:00:00Z",
  updated_at: "2026-11-02T09:00:00Z",
  deadline: "2026-12-01",
  version: 3,
};

describe("ApplicationCard", () => {
  it("shows the history and comments, and queues a reply", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let queued = 0;
    mockIPC((cmd, payload) => {
      calls.push({ cmd, args: (payload as { args?: unknown } | undefined)?.args });
      if (cmd === "application_history") {
        const ev = (id: string, status: string, at: string) => ({
          record: { id, application_id: "a1", status, created_at: at, actor: "Ведомство" },
          pending: [],
        });
        return { items: [ev("e1", "accepted", "2026-11-01T09:00:00Z"), ev("e2", "in_progress", "2026-11-02T09:00:00Z")], total: 2 };
      }
      if (cmd === "comments") {
        const c = { id: "c1", application_id: "a1", author: "Ведомство", text: "Уточните адрес.", created_at: "2026-11-02T10:00:00Z", reply_to: null };
        return { items: [{ record: c, pending: [] }], total: 1 };
      }
      if (cmd === "permissions") return ["applications.edit"];
      if (cmd === "draft_files") return { application: app, files: [], required: [], missing: [] };
      if (cmd === "outbox") return Array.from({ length: queued }, (_, i) => ({ id: `q${i}`, kind: "comment", target: "a1" }));
      if (cmd === "add_comment") {
        queued += 1;
        return null;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(ApplicationCard, { orgId: "o1", app, onClose: () => {} });
    const history = await screen.findByTestId("application-history");
    await waitFor(() => expect(history.textContent).toContain("В работе"));
    expect(history.querySelectorAll("li")).toHaveLength(2);
    expect(calls.find((c) => c.cmd === "application_history")?.args).toMatchObject({ query: { parent: "a1", sort: "oldest" } });

    await user.click(await screen.findByRole("button", { name: "Ответить" }));
    await user.type(screen.getByTestId("comment-text"), "Адрес: Тверская, 1.");
    await user.click(screen.getByTestId("comment-send"));
    expect(calls.find((c) => c.cmd === "add_comment")?.args).toEqual({
      org_id: "o1",
      application_id: "a1",
      comment: { text: "Адрес: Тверская, 1.", reply_to: "c1" },
    });
    expect((await screen.findByTestId("comment-pending")).textContent).toContain("Ждут отправки: 1");
  });
});
