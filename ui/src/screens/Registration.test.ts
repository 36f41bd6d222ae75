import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Registration from "./Registration.svelte";
import type { Registration as Reg, SessionView } from "../lib/bindings";

const session: SessionView = {
  user: { user_id: "u", full_name: "Основатель Фёдор Фёдорович", email: "f@example.ru", inn: null, snils: null },
  portal_url: "http://x",
  online: true,
  last_org_id: null,
};

const draft = (over: Partial<Reg> = {}): Reg => ({
  id: "r1",
  state: "draft",
  kind: "legal_entity",
  form: {
    inn: "7707083893",
    ogrn: "1027700132195",
    kpp: "773601001",
    legal_address: "117312, г. Москва, ул. Вавилова, д. 19",
    email: "office@example.ru",
    phone: "+7 916 555-01-02",
  },
  full_name: "ПАО Сбербанк",
  short_name: "ПАО Сбербанк",
  head_name: "Греф Герман Оскарович",
  required_documents: ["charter", "founding_decision"],
  documents: [],
  history: [{ state: "draft", at: "2026-11-23T10:00:00Z" }],
  version: 1,
  ...over,
});

describe("Registration", () => {
  it("marks the field the core refuses and goes on to the documents once the register knows the company", async () => {
    const saved: unknown[] = [];
    mockIPC((cmd, payload) => {
      if (cmd !== "save_registration") return null;
      const args = (payload as { args: { form: { inn: string } } }).args;
      saved.push(args);
      if (args.form.inn === "7707083894") {
        throw { code: "inn.checksum", message: "x", field: "inn", locked_until: null, attempts_left: null };
      }
      return draft();
    });
    const user = userEvent.setup();
    render(Registration, { session, demo: false, onBack: vi.fn(), onOpen: vi.fn() });
    await user.type(screen.getByLabelText("ИНН"), "7707083894");
    await user.type(screen.getByLabelText("ОГРН"), "1027700132195");
    await user.type(screen.getByLabelText("КПП"), "773601001");
    await user.type(screen.getByLabelText("Юридический адрес"), "117312, г. Москва, ул. Вавилова, д. 19");
    await user.type(screen.getByLabelText("Электронная почта организации"), "office@example.ru");
    await user.type(screen.getByLabelText("Телефон руководителя"), "89165550102");
    await user.click(screen.getByTestId("registration-check"));
    expect((await screen.findByTestId("registration-error")).textContent).toContain(
      "ИНН не проходит проверку контрольной суммы",
    );
    expect(screen.getByLabelText("ИНН").getAttribute("aria-invalid")).toBe("true");

    const inn = screen.getByLabelText("ИНН");
    await user.clear(inn);
    await user.type(inn, "7707083893");
    await user.click(screen.getByTestId("registration-check"));
    await screen.findAllByTestId("registration-slot");
    expect(saved.at(-1)).toMatchObject({ id: null, version: null, form: { inn: "7707083893", kpp: "773601001" } });
    expect(screen.getByText("Устав")).toBeTruthy();
    expect((screen.getByTestId("registration-next") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the office's refusal and leads to the document to replace", async () => {
    mockIPC(() => null);
    const refused = draft({
      state: "refused",
      documents: [
        { kind: "charter", name: "устав.pdf", sha256: "a", size: 2048 },
        { kind: "founding_decision", name: "решение.pdf", sha256: "b", size: 1024 },
      ],
      refusal: { document: "charter", code: "registration.document_foreign", reason: "В документе «устав.pdf» не указаны ИНН или ОГРН организации." },
      history: [
        { state: "draft", at: "2026-11-23T10:00:00Z" },
        { state: "checking", at: "2026-11-23T10:05:00Z" },
        { state: "refused", at: "2026-11-23T10:06:00Z" },
      ],
    });
    const user = userEvent.setup();
    render(Registration, { session, demo: false, registration: refused, onBack: vi.fn(), onOpen: vi.fn() });
    const alert = await screen.findByTestId("registration-refusal");
    expect(alert.textContent).toContain("не указаны ИНН или ОГРН");
    expect(alert.textContent).toContain("Замените документ «Устав».");
    expect(screen.getByTestId("registration-state").textContent).toBe("Отказано");
    await user.click(screen.getByTestId("registration-fix"));
    await waitFor(() => expect(screen.getAllByTestId("registration-slot")).toHaveLength(2));
    const charter = screen.getAllByTestId("registration-slot")[0]!;
    expect(charter.classList.contains("faulty")).toBe(true);
  });

  it("confirms with the head's qualified signature instead of a code, and says when the signer is not the head", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let attempt = 0;
    mockIPC((cmd, payload) => {
      calls.push({ cmd, args: (payload as { args?: unknown } | undefined)?.args });
      if (cmd === "my_certificates")
        return [{ certificate: { holder: "Греф Г. О.", organization: "ПАО Сбербанк", status: "valid", sha256: "H1" }, source: "pfx", location: "/h.pfx", key_id: null }];
      if (cmd === "submit_registration_signed") {
        attempt += 1;
        if (attempt === 1) throw { code: "registration.signer_not_head", message: "", field: null, locked_until: null, attempts_left: null };
        return draft({ state: "checking", documents: complete });
      }
      if (cmd === "registrations") return [draft({ state: "checking", documents: complete })];
      return null;
    });
    const complete = [
      { kind: "charter", name: "устав.pdf", sha256: "a", size: 2048 },
      { kind: "founding_decision", name: "решение.pdf", sha256: "b", size: 1024 },
    ];
    const user = userEvent.setup();
    render(Registration, { session, demo: false, registration: draft({ documents: complete }), onBack: vi.fn(), onOpen: vi.fn() });
    await user.click(await screen.findByTestId("confirm-by-signature"));
    expect((await screen.findByTestId("registration-sign")).textContent).toContain("Греф Герман Оскарович");
    await user.type(await screen.findByTestId("registration-secret"), "Head-KEP");
    await user.click(screen.getByTestId("registration-sign-submit"));
    expect((await screen.findByTestId("registration-error")).textContent).toContain("не руководителя");
    await user.click(screen.getByTestId("registration-sign-submit"));
    await waitFor(() => expect(screen.getByTestId("registration-status").dataset.state).toBe("checking"));
    expect(calls.filter((c) => c.cmd === "submit_registration_signed").map((c) => c.args)).toEqual([
      { id: "r1", sha256: "H1", secret: "Head-KEP" },
      { id: "r1", sha256: "H1", secret: "Head-KEP" },
    ]);
    expect(calls.some((c) => c.cmd === "submit_registration")).toBe(false);
  });
});
