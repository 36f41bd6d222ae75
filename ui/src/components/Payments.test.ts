import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Payments from "./Payments.svelte";
import type { Charge, Payment, Permission, RecordView } from "../lib/bindings";
import { formatMoney } from "../lib/format";
import { periodRange } from "../lib/records";

// The native save dialog: the user picks this file.
import { save } from "@tauri-apps/plugin-dialog";
vi.mock("@tauri-apps/plugin-dialog", () => ({ save: vi.fn(async () => "/home/buh/Начисления.xlsx") }));

const charge = (id: string, amount: number, due: string, status: "unpaid" | "paid", pending: string[] = []): RecordView<Charge> => ({
  record: {
    id,
    uin: `1881000000000000000${id}`,
    kind: "duty",
    title: `Госпошлина ${id}`,
    authority: "УФК по г. Москве",
    amount,
    created_at: "2026-11-01T10:00:00Z",
    due_date: due,
    status,
    application_id: null,
    version: 1,
  },
  pending,
});

const payment: RecordView<Payment> = {
  record: {
    id: "p1",
    charge_id: "2",
    amount: 50000,
    method: "card",
    created_at: "2026-11-10T09:30:00Z",
    paid_by: "Петрова Анна Викторовна",
    receipt_document_id: "d1",
  },
  pending: [],
};

function portal(permissions: Permission[]) {
  const calls: { cmd: string; args: unknown }[] = [];
  let pending: string[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload as { args?: unknown } | undefined)?.args;
    calls.push({ cmd, args });
    if (cmd === "charges") {
      const items = [charge("1", 123456789, "2020-01-01", "unpaid", pending), charge("2", 50000, "2099-01-01", "paid")];
      return { items, total: items.length };
    }
    if (cmd === "payments") return { items: [payment], total: 1 };
    if (cmd === "permissions") return permissions;
    if (cmd === "pay_charge") {
      pending = ["pay_charge"];
      return null;
    }
    if (cmd === "export_accounting") return 4096;
    if (cmd === "document_content") {
      return { name: "Квитанция.txt", mime: "text/plain", text: "КВИТАНЦИЯ ОБ ОПЛАТЕ\nУИН: 18810000000000000002", base64: null };
    }
    throw new Error(`unexpected ${cmd}`);
  });
  return calls;
}

describe("formatMoney", () => {
  it("writes rubles with thin-space thousands, kopecks after a comma, and ₽", () => {
    expect(formatMoney(123456789)).toBe("1\u2009234\u2009567,89\u00a0₽");
    expect(formatMoney(50000)).toBe("500,00\u00a0₽");
    expect(formatMoney(5)).toBe("0,05\u00a0₽");
  });
});

describe("periodRange", () => {
  it("starts the month, quarter and year on their first day", () => {
    const today = new Date(2026, 10, 23);
    expect(periodRange("month", "", "", today)).toEqual({ from: "2026-11-01", to: null });
    expect(periodRange("quarter", "", "", today)).toEqual({ from: "2026-10-01", to: null });
    expect(periodRange("year", "", "", today)).toEqual({ from: "2026-01-01", to: null });
    expect(periodRange("custom", "2026-02-01", "", today)).toEqual({ from: "2026-02-01", to: null });
  });
});

describe("Payments", () => {
  it("lists charges with money and overdue marks; pays by СБП, queued; opens a receipt", async () => {
    const calls = portal(["payments.pay"]);
    const user = userEvent.setup();
    render(Payments, { orgId: "o1" });
    const rows = await screen.findAllByTestId("charge-row");
    expect(rows[0]!.textContent).toContain("1\u2009234\u2009567,89\u00a0₽");
    expect(rows[0]!.className).toContain("overdue");
    expect(rows[1]!.className).not.toContain("overdue");
    expect(screen.getByTestId("charges-total").textContent).toContain("к оплате 1\u2009234\u2009567,89");
    // Only the unpaid one can be paid.
    expect(within(rows[1]!).queryByTestId("pay-charge")).toBeNull();

    await user.click(within(rows[0]!).getByTestId("pay-charge"));
    await user.click(screen.getByTestId("method-sbp"));
    await user.click(screen.getByTestId("confirm-pay"));
    expect(calls.find((c) => c.cmd === "pay_charge")?.args).toEqual({ org_id: "o1", id: "1", method: "sbp" });
    expect((await screen.findByTestId("charge-pending")).textContent).toContain("Оплата ждёт отправки");

    await user.click(screen.getByTestId("open-receipt"));
    // In the documents' preview (receipts paid before they were PDFs are text).
    expect((await screen.findByTestId("preview-text")).textContent).toContain("КВИТАНЦИЯ ОБ ОПЛАТЕ");
    expect(screen.getByTestId("document-preview").textContent).toContain("Квитанция.txt");
    expect(calls.find((c) => c.cmd === "document_content")?.args).toEqual({ org_id: "o1", document_id: "d1" });
  });

  it("filters by status and period through the query", async () => {
    const calls = portal([]);
    const user = userEvent.setup();
    render(Payments, { orgId: "o1" });
    await screen.findAllByTestId("charge-row");
    // A role without payments.pay sees no pay buttons.
    expect(screen.queryByTestId("pay-charge")).toBeNull();
    await user.selectOptions(screen.getByTestId("charges-status"), "unpaid");
    await user.selectOptions(screen.getByTestId("charges-period"), "all");
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "charges").at(-1)?.args).toMatchObject({
        query: { status: ["unpaid"], from: null, to: null },
      }),
    );
  });

  it("exports the period's charges to the file the user picks", async () => {
    const calls = portal(["payments.pay"]);
    const user = userEvent.setup();
    render(Payments, { orgId: "o1" });
    await screen.findAllByTestId("charge-row");
    await user.selectOptions(screen.getByTestId("charges-period"), "all");
    await user.click(screen.getByTestId("export-xlsx"));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "export_accounting")?.args).toEqual({
        org_id: "o1",
        part: "charges",
        format: "xlsx",
        from: null,
        to: null,
        path: "/home/buh/Начисления.xlsx",
      }),
    );
    expect((await screen.findByRole("status")).textContent).toContain("Файл сохранён: /home/buh/Начисления.xlsx");
  });

  it("offers the payments as a PDF report under a .pdf name", async () => {
    const calls = portal(["payments.pay"]);
    const user = userEvent.setup();
    vi.mocked(save).mockResolvedValueOnce("/home/buh/Платежи.pdf");
    render(Payments, { orgId: "o1" });
    await screen.findAllByTestId("charge-row");
    await user.click(screen.getByTestId("export-payments-pdf"));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "export_accounting")?.args).toMatchObject({
        part: "payments",
        format: "pdf",
        path: "/home/buh/Платежи.pdf",
      }),
    );
    const asked = vi.mocked(save).mock.calls.at(-1)?.[0];
    expect(asked?.defaultPath).toMatch(/^Платежи \d{4}-\d{2}-\d{2}\.pdf$/);
    expect(asked?.filters).toEqual([{ name: "PDF", extensions: ["pdf"] }]);
  });
});
