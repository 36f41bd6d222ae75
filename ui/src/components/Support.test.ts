import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Support from "./Support.svelte";
import type { FaqView, QueuedTicket, SupportView, Ticket } from "../lib/bindings";

const ticket = (id: string, number: string, answer: string | null): Ticket => ({
  id,
  number,
  author_id: "u1",
  topic: "payments",
  message: `Вопрос ${id}`,
  files: [{ name: "квитанция.pdf", sha256: `s${id}`, size: 2048, media_type: "application/pdf" }],
  status: answer ? "answered" : "open",
  created_at: "2026-11-20T10:00:00Z",
  answer,
  answered_at: answer ? "2026-11-21T09:30:00Z" : null,
});

const faq: FaqView = {
  online: true,
  fetched_at: "2026-11-22T08:00:00Z",
  items: [
    { topic: "login", question: "Как войти с электронной подписью?", answer: "Выберите сертификат." },
    { topic: "payments", question: "Когда оплата появится в кабинете?", answer: "Сразу после подтверждения банком." },
  ],
};

function portal() {
  const calls: { cmd: string; args: unknown }[] = [];
  const state: SupportView = { tickets: [ticket("1", "ТП-000001", "Платёж зачтён.")], queued: [] };
  mockIPC((cmd, payload) => {
    const args = (payload as { args?: unknown } | undefined)?.args;
    calls.push({ cmd, args });
    if (cmd === "support") return structuredClone(state);
    if (cmd === "faq") return faq;
    if (cmd === "file_ticket") {
      const a = args as { topic: QueuedTicket["topic"]; message: string; files: { name: string; content: string }[] };
      state.queued = [{
        id: "act-1",
        topic: a.topic,
        message: a.message,
        files: a.files.map((f) => ({ name: f.name, sha256: f.name, size: atob(f.content).length })),
        created_at: "2026-11-23T10:00:00Z",
        error: null,
      }];
      return "act-1";
    }
    throw new Error(`unexpected ${cmd}`);
  });
  // The sync delivers it: the portal's ticket with its number.
  const deliver = () => {
    state.queued = [];
    state.tickets = [ticket("2", "ТП-000007", null), ...state.tickets];
  };
  return { calls, deliver };
}

const file = (name: string, bytes: number, type = "application/pdf") =>
  new File([new Uint8Array(bytes).fill(37)], name, { type });

describe("Support", () => {
  it("writes a ticket with files, queues it and tells the number once delivered", async () => {
    const { calls, deliver } = portal();
    const onChanged = vi.fn();
    const user = userEvent.setup();
    const r = render(Support, { orgId: "o1", tick: 0, onChanged });

    const answered = await screen.findByTestId("ticket");
    expect(answered.textContent).toContain("№ ТП-000001");
    expect(answered.textContent).toContain("Получен ответ");
    expect(screen.getByTestId("ticket-answer").textContent).toContain("Платёж зачтён.");

    const send = screen.getByTestId("ticket-send") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    await user.selectOptions(screen.getByTestId("ticket-topic"), "payments");
    await user.type(screen.getByTestId("ticket-message"), "Не проходит оплата");
    expect(send.disabled).toBe(false);

    // Six files: one too many, and sending waits until one goes.
    const input = screen.getByTestId("ticket-files-input") as HTMLInputElement;
    await user.upload(input, [1, 2, 3, 4, 5, 6].map((i) => file(`скан${i}.pdf`, 100 * i)));
    expect(screen.getByTestId("ticket-files-total").textContent).toContain("не больше 5 файлов");
    expect(send.disabled).toBe(true);
    await user.click(screen.getByRole("button", { name: "Убрать скан6.pdf" }));
    expect(screen.getByTestId("ticket-files-total").textContent).toContain("5 из 5");
    expect(send.disabled).toBe(false);
    // Too heavy together.
    await user.click(screen.getByRole("button", { name: "Убрать скан5.pdf" }));
    await user.upload(input, file("большой.pdf", 10 * 1024 * 1024));
    expect(screen.getByTestId("ticket-files-total").textContent).toContain("больше 10 МБ");
    expect(send.disabled).toBe(true);
    await user.click(screen.getByRole("button", { name: "Убрать большой.pdf" }));

    // Ctrl+Enter in the message sends.
    await user.type(screen.getByTestId("ticket-message"), "{Control>}{Enter}{/Control}");
    await waitFor(() => expect(screen.getByTestId("ticket-notice").textContent).toContain("уйдёт при синхронизации"));
    const sent = calls.find((c) => c.cmd === "file_ticket")?.args as {
      org_id: string;
      topic: string;
      message: string;
      files: { name: string; content: string }[];
    };
    expect(sent.org_id).toBe("o1");
    expect(sent.topic).toBe("payments");
    expect(sent.message).toBe("Не проходит оплата");
    expect(sent.files.map((f) => f.name)).toEqual(["скан1.pdf", "скан2.pdf", "скан3.pdf", "скан4.pdf"]);
    expect(sent.files.map((f) => atob(f.content))).toEqual([100, 200, 300, 400].map((n) => "%".repeat(n)));
    expect(onChanged).toHaveBeenCalled();
    // The form is clear; the ticket waits without a number.
    expect((screen.getByTestId("ticket-message") as HTMLTextAreaElement).value).toBe("");
    const queued = await screen.findByTestId("ticket-queued");
    expect(queued.textContent).toContain("Ждёт отправки");
    expect(queued.textContent).toContain("Номер будет присвоен после отправки");

    deliver();
    await r.rerender({ orgId: "o1", tick: 1, onChanged });
    await waitFor(() =>
      expect(screen.getByTestId("ticket-notice").textContent).toBe("Обращение зарегистрировано, номер ТП-000007."),
    );
    expect(screen.getAllByTestId("ticket-number").map((n) => n.textContent)).toEqual(["№ ТП-000007", "№ ТП-000001"]);
  });

  it("finds frequent questions by any word, ё or е, any case", async () => {
    portal();
    const user = userEvent.setup();
    render(Support, { orgId: "o1" });
    expect(await screen.findAllByTestId("faq-item")).toHaveLength(2);
    await user.type(screen.getByTestId("faq-search"), "ОПЛАТА банк");
    expect(screen.getAllByTestId("faq-item").map((e) => e.querySelector("summary")?.textContent)).toEqual([
      "Когда оплата появится в кабинете?",
    ]);
    await user.clear(screen.getByTestId("faq-search"));
    await user.type(screen.getByTestId("faq-search"), "удостоверяющий");
    expect(screen.queryAllByTestId("faq-item")).toHaveLength(0);
    expect(screen.getByTestId("faq").textContent).toContain("Ничего не найдено");
  });
});
