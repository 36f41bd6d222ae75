import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Applications from "./Applications.svelte";
import type { Application, OutboxItem } from "../lib/bindings";

const app = (over: Partial<Application>): Application => ({
  id: "a1",
  org_id: "o1",
  number: "2026-000101",
  service_code: "egrul-extract",
  title: "Выписка из ЕГРЮЛ",
  status: "in_progress",
  created_at: "2026-10-01T10:00:00Z",
  updated_at: "2026-10-02T10:00:00Z",
  deadline: "2026-10-31",
  version: 1,
  ...over,
});

describe("Applications", () => {
  it("shows cached applications, marks overdue ones, and discards a failed action", async () => {
    const calls: string[] = [];
    let outbox: OutboxItem[] = [
      {
        id: "x1", org_id: "o1", kind: "create_application", target: "local-1", state: "failed", attempts: 1,
        error_code: "request.invalid_field", error: "title", created_at: "2026-11-22T10:00:00Z", summary: "Без кода",
      },
    ];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "applications")
        return [app({}), app({ id: "local-1", number: null, status: "draft", deadline: null, title: "Без кода" })];
      if (cmd === "outbox") return outbox;
      if (cmd === "discard_action") {
        outbox = [];
        return null;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Applications, { orgId: "o1" });
    await waitFor(() => expect(screen.getAllByTestId("application-row").length).toBe(2));
    const [first] = screen.getAllByTestId("application-row");
    expect(first!.classList.contains("overdue")).toBe(true);
    expect(first!.textContent).toContain("Просрочено");
    const item = await screen.findByTestId("outbox-item");
    expect(item.textContent).toContain("Ошибка: Проверьте заполнение полей.");
    await user.click(screen.getByRole("button", { name: "Отменить" }));
    await waitFor(() => expect(screen.queryByTestId("outbox-item")).toBeNull());
    expect(calls).toContain("discard_action");
    expect(calls).not.toContain("sync_org");
  });

  it("says when the portal is unreachable and keeps the action count", async () => {
    mockIPC((cmd) => {
      if (cmd === "applications") return [];
      if (cmd === "outbox")
        return [{ id: "x2", org_id: "o1", kind: "submit_application", target: "a1", state: "pending", attempts: 2, error_code: null, error: null, created_at: "2026-11-22T10:00:00Z", summary: "Выписка" }];
      throw new Error(`unexpected ${cmd}`);
    });
    render(Applications, { orgId: "o1", online: false });
    expect(await screen.findByText("Нет связи: изменения отправятся, когда связь появится")).toBeTruthy();
    expect(screen.getByTestId("outbox-count").textContent).toBe("Исходящие: 1");
  });
});
