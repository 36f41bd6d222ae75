import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import SyncBar from "./SyncBar.svelte";
import type { Conflict, SyncProgress, SyncReport, SyncStatus } from "../lib/bindings";

const report = (over: Partial<SyncReport>): SyncReport => ({
  pushed: 0, failed: 0, pulled: 0, resynced: false, pending: 0, conflicts: 0, prefetched: 0, evicted: 0, online: true, ...over,
});
const status = (over: Partial<SyncStatus>): SyncStatus => ({
  online: true, synced_at: "2026-11-22T09:41:00Z", pending: 0, failed: 0, conflicts: 0, ...over,
});

describe("SyncBar", () => {
  it("syncs on open, on F5 and on the button, and shows the last sync and pending actions", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd.startsWith("plugin:event")) return 1;
      if (cmd === "sync_org") return report({ pulled: 3 });
      if (cmd === "sync_status") return status({ pending: 2 });
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(SyncBar, { orgId: "o1" });
    await waitFor(() => expect(calls.filter((c) => c === "sync_org").length).toBe(1));
    expect((await screen.findByTestId("pending-count")).textContent).toBe("Исходящие: 2");
    await waitFor(() => expect(screen.getByTestId("sync-status").textContent).toMatch(/Синхронизировано в \d\d:41/));
    expect(screen.getByTestId("connection").textContent).toContain("В сети");
    await user.keyboard("{F5}");
    await waitFor(() => expect(calls.filter((c) => c === "sync_org").length).toBe(2));
    await user.click(screen.getByTestId("sync-now"));
    await waitFor(() => expect(calls.filter((c) => c === "sync_org").length).toBe(3));
  });

  it("shows this sync's progress from its own channel", async () => {
    let finish: (r: SyncReport) => void = () => {};
    mockIPC((cmd, payload) => {
      if (cmd === "sync_org") {
        const progress = (payload as { progress: { onmessage: (p: SyncProgress) => void } }).progress;
        progress.onmessage({ phase: "pull", items_done: 500, items_total: 2000, bytes: 1000 });
        return new Promise<SyncReport>((resolve) => (finish = resolve));
      }
      if (cmd === "sync_status") return status({});
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncBar, { orgId: "o1" });
    const bar = await screen.findByTestId("sync-progress");
    await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("25"));
    finish(report({ pulled: 2000 }));
    await waitFor(() => expect(screen.queryByTestId("sync-progress")).toBeNull());
  });

  it("turns offline when the portal is unreachable", async () => {
    mockIPC((cmd) => {
      if (cmd.startsWith("plugin:event")) return 1;
      if (cmd === "sync_org") return report({ online: false, pending: 1 });
      if (cmd === "sync_status") return status({ online: false, pending: 1, synced_at: null });
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncBar, { orgId: "o1" });
    await waitFor(() => expect(screen.getByTestId("connection").textContent).toContain("Нет связи"));
    await waitFor(() => expect(screen.getByTestId("sync-status").textContent).toContain("Ещё не синхронизировано"));
  });

  it("opens the conflict dialog with both versions and sends the user's choice", async () => {
    const conflict: Conflict = {
      action_id: "act-1", org_id: "o1", entity: "profile", entity_id: "o1", base_version: 3,
      mine: { phone: "+7 495 111-22-33", email: null, legal_address: null },
      theirs: { phone: "+7 495 999-88-77", email: "info@romashka.ru", version: 4 },
      created_at: "2026-11-22T09:00:00Z",
    };
    let conflicts = [conflict];
    const resolved: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd.startsWith("plugin:event")) return 1;
      if (cmd === "sync_org") return report({ conflicts: conflicts.length });
      if (cmd === "sync_status") return status({ failed: conflicts.length, conflicts: conflicts.length });
      if (cmd === "conflicts") return conflicts;
      if (cmd === "resolve_conflict") {
        resolved.push((args as { args: unknown }).args);
        conflicts = [];
        return null;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(SyncBar, { orgId: "o1" });
    const dialog = await screen.findByTestId("conflict-dialog");
    const rows = within(dialog).getAllByTestId("conflict-row");
    expect(rows.length).toBe(1);
    expect(rows[0]!.textContent).toContain("Телефон");
    expect(rows[0]!.textContent).toContain("+7 495 111-22-33");
    expect(rows[0]!.textContent).toContain("+7 495 999-88-77");
    expect(screen.getByTestId("conflicts-count").textContent).toBe("Конфликты: 1");
    expect(screen.queryByTestId("failed-count")).toBeNull();
    await user.click(within(dialog).getByRole("button", { name: "Оставить мою версию" }));
    await waitFor(() => expect(screen.queryByTestId("conflict-dialog")).toBeNull());
    expect(resolved).toEqual([{ action_id: "act-1", resolution: "keep_mine" }]);
    expect(screen.queryByTestId("conflicts-count")).toBeNull();
  });
});
