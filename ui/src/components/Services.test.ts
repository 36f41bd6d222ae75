import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Services from "./Services.svelte";
import type { Service } from "../lib/bindings";

const service = (code: string, title: string, description: string, over: Partial<Service> = {}): Service => ({
  code,
  title,
  description,
  kind: "extract",
  category: "Налоги",
  authority: "УФНС России по г. Москве",
  online: true,
  in_person: true,
  deadline_days: 5,
  cost: 0,
  required_documents: [],
  ...over,
});

function portal(online: boolean) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, payload) => {
    calls.push({ cmd, args: (payload as { args?: unknown } | undefined)?.args });
    if (cmd === "services") {
      return {
        online,
        fetched_at: "2026-11-23T08:00:00Z",
        items: [
          service("egrul-extract", "Выписка из ЕГРЮЛ", "Сведения о юридическом лице."),
          service("cash-register", "Регистрация ККТ", "Постановка ККТ на учёт.", { kind: "registration" }),
          service("license-alcohol", "Лицензия на продажу алкоголя", "Розничная продажа.", {
            kind: "license",
            category: "Торговля",
            cost: 6500000,
            required_documents: [
              { code: "charter", title: "Устав организации", mandatory: true },
              { code: "cash", title: "Сведения о кассовой технике", mandatory: false },
            ],
            form: [
              { key: "address", label: "Адрес торгового объекта", kind: "text", required: true },
              { key: "area", label: "Площадь торгового зала, м²", kind: "number", required: true },
              { key: "term", label: "Срок действия лицензии", kind: "choice", required: true, options: ["1 год", "5 лет"] },
            ],
          }),
        ],
      };
    }
    if (cmd === "permissions") return ["applications.edit"];
    if (cmd === "create_application") {
      const a = (calls.at(-1)!.args as { title: string; service_code: string; fields: Record<string, string> });
      // The core checks the form by the portal's rules.
      if (a.fields && !a.fields.term)
        throw { code: "form.required", message: "", field: "fields.term", locked_until: null, attempts_left: null };
      return { id: "local-1", org_id: "o1", number: null, service_code: a.service_code, title: a.title, status: "draft", created_at: "", updated_at: "", deadline: null, version: 1 };
    }
    throw new Error(`unexpected ${cmd}`);
  });
  return calls;
}

describe("Services", () => {
  it("finds services the Russian way and starts a draft for the chosen one", async () => {
    const calls = portal(true);
    const user = userEvent.setup();
    render(Services, { orgId: "o1" });
    expect(await screen.findAllByTestId("service-row")).toHaveLength(3);
    await user.type(screen.getByTestId("services-search"), "УЧЕТ");
    await waitFor(() => expect(screen.getAllByTestId("service-row")).toHaveLength(1));
    expect(screen.getByTestId("service-detail").textContent).toContain("Регистрация ККТ");
    await user.clear(screen.getByTestId("services-search"));
    await user.type(screen.getByTestId("services-search"), "лиценз");
    await waitFor(() => expect(screen.getByTestId("service-detail").textContent).toContain("Лицензия на продажу алкоголя"));
    expect(screen.getByTestId("service-cost").textContent).toBe("65\u2009000,00\u00a0₽");
    expect(screen.getByTestId("service-documents").textContent).toContain("если применимо");

    // The service's form: the refused field is marked and focused.
    expect(screen.getAllByTestId("service-field")).toHaveLength(3);
    await user.type(screen.getByLabelText(/Адрес торгового объекта/), "Тверская, 7");
    await user.type(screen.getByLabelText(/Площадь торгового зала/), "86");
    await user.click(screen.getByTestId("service-apply"));
    expect((await screen.findByRole("alert")).textContent).toContain("отмечены звёздочкой");
    const term = screen.getByTestId("field-term") as HTMLSelectElement;
    expect(term.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(term));
    await user.selectOptions(term, "5 лет");
    await user.click(screen.getByTestId("service-apply"));
    expect(calls.filter((c) => c.cmd === "create_application").at(-1)?.args).toEqual({
      org_id: "o1",
      service_code: "license-alcohol",
      title: "Лицензия на продажу алкоголя",
      fields: { address: "Тверская, 7", area: "86", term: "5 лет" },
    });
    expect((await screen.findByTestId("services-notice")).textContent).toContain("Черновик «Лицензия на продажу алкоголя» создан");
  });

  it("says when the catalog is the copy kept offline", async () => {
    portal(false);
    render(Services, { orgId: "o1" });
    expect(await screen.findByText(/Нет связи: каталог на/)).toBeTruthy();
  });
});
