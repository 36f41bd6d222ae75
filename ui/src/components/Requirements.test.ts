import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Requirements from "./Requirements.svelte";
import type { Permission, RecordView, Requirement } from "../lib/bindings";
import { daysLeft } from "../lib/records";

const iso = (days: number) => {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

const requirement = (id: string, due: string, pending: string[] = []): RecordView<Requirement> => ({
  record: {
    id,
    number: `ТР-${id}`,
    title: `Требование ${id}`,
    text: "Представьте пояснения.",
    authority: "ИФНС России № 46 по г. Москве",
    application_id: null,
    created_at: "2026-11-20T10:00:00Z",
    due_date: due,
    status: "new",
    answer: null,
    version: 1,
  },
  pending,
});

function portal(permissions: Permission[]) {
  const calls: { cmd: string; args: unknown }[] = [];
  let pending: string[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload as { args?: unknown } | undefined)?.args;
    calls.push({ cmd, args });
    if (cmd === "requirements") {
      const items = [requirement("1", iso(2), pending), requirement("2", iso(-1))];
      return { items, total: items.length };
    }
    if (cmd === "permissions") return permissions;
    if (cmd === "documents") {
      const doc = (id: string, name: string) => ({
        document: { id, org_id: "o1", name, mime: "application/pdf", size: 1000, sha256: id, created_at: "2026-11-01T10:00:00Z", signatures: [] },
        cached: false,
        pending_signatures: 0,
      });
      return { items: [doc("d1", "Устав.pdf"), doc("d2", "Выписка.pdf")], total: 2 };
    }
    if (cmd === "accept_requirement") {
      pending = [...pending, "accept_requirement"];
      return null;
    }
    if (cmd === "answer_requirement") {
      pending = [...pending, "answer_requirement"];
      return null;
    }
    throw new Error(`unexpected ${cmd}`);
  });
  return calls;
}

describe("Requirements", () => {
  it("marks due-soon and overdue ones; accepts and answers from a template, queued", async () => {
    const calls = portal(["requirements.answer"]);
    const onChanged = vi.fn();
    const user = userEvent.setup();
    render(Requirements, { orgId: "o1", onChanged });
    const rows = await screen.findAllByTestId("requirement-row");
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("Осталось 2 дня"),
      expect.stringContaining("Срок истёк"),
    ]);
    // Open requirements, earliest due first.
    expect(calls.find((c) => c.cmd === "requirements")?.args).toMatchObject({
      org_id: "o1",
      query: { status: ["new", "accepted"], sort: "due" },
    });

    await user.click(await screen.findByRole("button", { name: "Принять к исполнению" }));
    expect((await screen.findByTestId("requirement-pending")).textContent).toContain("Принятие ждёт отправки");
    expect(onChanged).toHaveBeenCalledTimes(1);

    await user.selectOptions(screen.getByLabelText("Шаблон ответа"), "Запрос отсрочки");
    const text = screen.getByLabelText("Текст ответа") as HTMLTextAreaElement;
    expect(text.value).toContain("продлить срок");
    await user.click(screen.getByRole("checkbox", { name: "Устав.pdf" }));
    await user.click(screen.getByRole("button", { name: "Отправить ответ" }));
    await waitFor(() =>
      expect(screen.getByTestId("requirement-detail").textContent).toContain("Ответ ждёт отправки"),
    );
    expect(calls.find((c) => c.cmd === "answer_requirement")?.args).toEqual({
      org_id: "o1",
      id: "1",
      reply: { text: expect.stringContaining("продлить срок"), document_ids: ["d1"] },
    });
    // Answered once: the form is gone until the portal has it.
    expect(screen.queryByRole("button", { name: "Отправить ответ" })).toBeNull();
  });

  it("shows a role without the permission no actions", async () => {
    portal([]);
    render(Requirements, { orgId: "o1" });
    expect(await screen.findByText("Вашей роли не разрешено отвечать на требования.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Принять к исполнению" })).toBeNull();
    expect(screen.queryByLabelText("Текст ответа")).toBeNull();
  });

  it("counts days to a due date in calendar days", () => {
    const today = new Date(2026, 10, 23, 23, 30);
    expect(daysLeft("2026-11-23", today)).toBe(0);
    expect(daysLeft("2026-11-26", today)).toBe(3);
    expect(daysLeft("2026-11-22", today)).toBe(-1);
    expect(daysLeft("2027-03-30", today)).toBe(127);
  });
});
