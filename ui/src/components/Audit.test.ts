import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Audit from "./Audit.svelte";
import type { AuditEntry, RecordView } from "../lib/bindings";

// The native save dialog: the user picks this file.
vi.mock("@tauri-apps/plugin-dialog", () => ({ save: vi.fn(async () => "/home/admin/Журнал.xlsx") }));

const entry = (id: string, user: string, action: string, detail: string): RecordView<AuditEntry> => ({
  record: { id, created_at: "2026-11-23T10:50:00Z", user_id: user, user_name: user, ip: "10.0.0.7", action, detail },
  pending: [],
});

describe("Audit", () => {
  it("shows who did what from where, filtered by person and action", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      calls.push({ cmd, args: (payload as { args?: unknown }).args });
      if (cmd === "audit_log") {
        const items = [
          entry("1", "Орлова Мария Сергеевна", "employee.role", "Соколова Елена Андреевна: Наблюдатель"),
          entry("2", "Петрова Анна Викторовна", "charge.pay", "18820262714902223958"),
          entry("3", "Петрова Анна Викторовна", "auth.login", "password+code"),
        ];
        return { items, total: items.length };
      }
      if (cmd === "export_audit") return 4096;
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Audit, { orgId: "o1" });
    expect(await screen.findAllByTestId("audit-row")).toHaveLength(3);
    expect(screen.getByText("по паролю и коду из СМС")).toBeTruthy();
    expect(screen.getAllByText("10.0.0.7")).toHaveLength(3);
    // The month so far, newest first.
    expect(calls[0]?.args).toMatchObject({ org_id: "o1", query: { sort: "newest", to: null } });

    await user.selectOptions(screen.getByTestId("audit-person"), "Петрова Анна Викторовна");
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(2));
    await user.selectOptions(screen.getByTestId("audit-action"), "charge.pay");
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));
    expect(screen.getByTestId("audit-row").textContent).toContain("Оплата начисления");

    // The period's whole log goes to the file the user picked.
    await user.click(screen.getByTestId("audit-export-xlsx"));
    expect((await screen.findByRole("status")).textContent).toContain("/home/admin/Журнал.xlsx");
    const exported = calls.find((c) => c.cmd === "export_audit")?.args as Record<string, unknown>;
    expect(exported).toMatchObject({ org_id: "o1", format: "xlsx", to: null, path: "/home/admin/Журнал.xlsx" });
    expect(exported.from).toBe(calls[0] && (calls[0].args as { query: { from: string } }).query.from);
  });
});
