import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Applications from "./Applications.svelte";
import type { Application, ApplicationQuery, OutboxItem } from "../lib/bindings";

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
      if (cmd === "application_page")
        return {
          items: [app({}), app({ id: "local-1", number: null, status: "draft", deadline: null, title: "Без кода" })],
          total: 2,
        };
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
      if (cmd === "application_page") return { items: [], total: 0 };
      if (cmd === "outbox")
        return [{ id: "x2", org_id: "o1", kind: "submit_application", target: "a1", state: "pending", attempts: 2, error_code: null, error: null, created_at: "2026-11-22T10:00:00Z", summary: "Выписка" }];
      throw new Error(`unexpected ${cmd}`);
    });
    render(Applications, { orgId: "o1", online: false });
    expect(await screen.findByText("Нет связи: изменения отправятся, когда связь появится")).toBeTruthy();
    expect(screen.getByTestId("outbox-count").textContent).toBe("Исходящие: 1");
  });

  it("keeps a window of rows over 100 000 applications and loads the pages scrolled to", async () => {
    const TOTAL = 100_000;
    const asked: { query: ApplicationQuery; count: boolean }[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "outbox") return [];
      if (cmd === "application_page") {
        const { query, count } = (args as { args: { query: ApplicationQuery; count: boolean } }).args;
        asked.push({ query, count });
        const n = query.status.length ? 40 : TOTAL;
        const items = Array.from({ length: Math.max(0, Math.min(query.limit, n - query.offset)) }, (_, i) => {
          const k = query.offset + i;
          return app({ id: `a${k}`, number: `2026-${String(k).padStart(7, "0")}`, title: `Заявление ${k}`, deadline: null });
        });
        return { items, total: count ? n : 0 };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Applications, { orgId: "o1" });
    await waitFor(() => expect(screen.getByTestId("apps-total").dataset.total).toBe(String(TOTAL)));
    expect(screen.getByTestId("apps-total").textContent).toBe("Найдено: 100\u2009000");
    const viewport = screen.getByTestId("apps-viewport");
    // The spacer is as tall as every row; only a window is in the page.
    expect((viewport.firstElementChild as HTMLElement).style.height).toBe(`${TOTAL * 56}px`);
    const rows = () => screen.queryAllByTestId("application-row");
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(40);
    expect(asked).toEqual([{ query: expect.objectContaining({ offset: 0, limit: 100, sort: "updated" }), count: true }]);

    // Far down: the rows there come from their own page, without a recount.
    viewport.scrollTop = 56 * 73_450;
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(rows()[0]?.textContent).toContain("Заявление 7344"));
    expect(rows().length).toBeLessThan(40);
    expect(asked.at(-1)).toEqual({ query: expect.objectContaining({ offset: 73_400 }), count: false });
    expect(rows().every((r) => r.style.top === `${Number(r.getAttribute("aria-rowindex")) * 56 - 56}px`)).toBe(true);

    // Keyboard: End goes to the last application.
    await fireEvent.keyDown(viewport, { key: "End" });
    await waitFor(() => expect(viewport.getAttribute("aria-activedescendant")).toBe(`app-row-${TOTAL - 1}`));
    await waitFor(() => expect(document.getElementById(`app-row-${TOTAL - 1}`)?.textContent).toContain("Заявление 99999"));

    // A filter starts from the top with a count; a sort click too.
    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId("apps-status"), "open");
    await waitFor(() => expect(screen.getByTestId("apps-total").dataset.total).toBe("40"));
    expect(asked.at(-1)).toEqual({
      query: expect.objectContaining({ status: ["accepted", "in_progress", "needs_info"], offset: 0 }),
      count: true,
    });
    expect(viewport.scrollTop).toBe(0);
    await user.click(screen.getByRole("columnheader", { name: "Номер" }));
    await waitFor(() => expect(asked.at(-1)?.query).toEqual(expect.objectContaining({ sort: "number", ascending: false })));
    expect(screen.getByRole("columnheader", { name: "Номер" }).getAttribute("aria-sort")).toBe("descending");
    await user.click(screen.getByRole("columnheader", { name: "Номер" }));
    await waitFor(() => expect(asked.at(-1)?.query).toEqual(expect.objectContaining({ sort: "number", ascending: true })));

    // The dates bound the date chosen beside them: here the deadline.
    await user.selectOptions(screen.getByTestId("apps-date-by"), "deadline");
    await user.type(screen.getByLabelText("Срок не раньше"), "01122026");
    await user.type(screen.getByLabelText("Срок не позже"), "07122026");
    await waitFor(() =>
      expect(asked.at(-1)?.query).toEqual(
        expect.objectContaining({ date_by: "deadline", from: "2026-12-01", to: "2026-12-07", offset: 0 }),
      ),
    );

    // Typing searches after a pause, once.
    const before = asked.length;
    await user.type(screen.getByTestId("apps-search"), "ёлка");
    await waitFor(() => expect(asked.at(-1)?.query.q).toBe("ёлка"));
    expect(asked.slice(before).filter((a) => a.count).length).toBe(1);
  });

  it("still loads the page it stops at after a drag that filled every loading slot", async () => {
    mockIPC(async (cmd, args) => {
      if (cmd === "outbox") return [];
      if (cmd === "application_page") {
        const { query, count } = (args as { args: { query: ApplicationQuery; count: boolean } }).args;
        await new Promise((r) => setTimeout(r, 30));
        const items = Array.from({ length: query.limit }, (_, i) => {
          const k = query.offset + i;
          return app({ id: `a${k}`, title: `Заявление ${k}`, deadline: null });
        });
        return { items, total: count ? 100_000 : 0 };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Applications, { orgId: "o1" });
    await waitFor(() => expect(screen.getByTestId("apps-total").dataset.total).toBe("100000"));
    const viewport = screen.getByTestId("apps-viewport");
    // A drag: many far places in a row, faster than the answers come.
    for (const row of [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 99_950]) {
      viewport.scrollTop = 56 * row;
      await fireEvent.scroll(viewport);
    }
    await waitFor(() => expect(screen.getAllByTestId("application-row")[0]?.textContent).toContain("Заявление 9994"), {
      timeout: 3000,
    });
  });
});
