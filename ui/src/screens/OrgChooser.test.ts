import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import OrgChooser from "./OrgChooser.svelte";
import type { OrganizationSummary, SessionView } from "../lib/bindings";

const org = (id: string, short_name: string, inn: string): OrganizationSummary => ({
  id,
  kind: inn.length === 12 ? "entrepreneur" : "legal_entity",
  short_name,
  inn,
  ogrn: inn.length === 12 ? "319500300123450" : "1157746123456",
  kpp: inn.length === 12 ? null : "770401001",
  status: "active",
  role: "Бухгалтер",
});

const orgs = [
  org("1", "ООО «Альфа-Строй»", "1661234565"),
  org("2", "ООО «Берёзка»", "6622345670"),
  org("3", "ИП Смирнов А. В.", "500312345698"),
  org("4", "ООО «Ромашка»", "7704123459"),
];

const session: SessionView = {
  user: { user_id: "u", full_name: "Петрова Анна Викторовна", email: "buh@romashka.demo", inn: null, snils: null },
  portal_url: "http://x",
  online: true,
  last_org_id: null,
};

describe("OrgChooser", () => {
  it("filters by name with ё = е and opens the highlighted row with Enter", async () => {
    mockIPC((cmd) => (cmd === "organizations" ? { items: orgs, online: true } : null));
    const onChoose = vi.fn();
    const user = userEvent.setup();
    render(OrgChooser, { session, onChoose, onLogout: vi.fn(), onRegister: vi.fn() });
    await screen.findAllByTestId("org-row");
    const filter = screen.getByLabelText("Поиск по названию, ИНН или ОГРН");
    await waitFor(() => expect(document.activeElement).toBe(filter));

    await user.type(filter, "березк");
    const rows = screen.getAllByTestId("org-row");
    expect(rows).toHaveLength(1);
    expect(screen.getByTestId("org-count").textContent).toBe("Найдено: 1 из 4");
    await user.keyboard("{Enter}");
    expect(onChoose).toHaveBeenCalledWith(orgs[1]);
  });

  it("moves with the arrow keys and finds by INN", async () => {
    mockIPC((cmd) => (cmd === "organizations" ? { items: orgs, online: true } : null));
    const onChoose = vi.fn();
    const user = userEvent.setup();
    render(OrgChooser, { session, onChoose, onLogout: vi.fn(), onRegister: vi.fn() });
    await screen.findAllByTestId("org-row");
    const filter = screen.getByLabelText("Поиск по названию, ИНН или ОГРН");
    await user.click(filter);
    await user.keyboard("{ArrowDown}{ArrowDown}{ArrowUp}");
    expect(screen.getAllByTestId("org-row")[1]?.getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{Enter}");
    expect(onChoose).toHaveBeenLastCalledWith(orgs[1]);

    await user.type(filter, "5003");
    expect(screen.getAllByTestId("org-row").map((r) => r.textContent)).toEqual([expect.stringContaining("ИП Смирнов")]);
    await user.clear(filter);
    await user.type(filter, "нет такой");
    expect(screen.getByTestId("org-empty")).toBeTruthy();
  });

  it("shows the offline banner with cached organizations", async () => {
    mockIPC((cmd) => (cmd === "organizations" ? { items: orgs, online: false } : null));
    render(OrgChooser, { session, onChoose: vi.fn(), onLogout: vi.fn(), onRegister: vi.fn() });
    expect((await screen.findByTestId("offline-banner")).textContent).toContain("Нет связи с порталом");
  });

  it("shows a closed cabinet's state and links another by INN and the code from its phone", async () => {
    const suspended: OrganizationSummary = {
      ...org("5", "ООО «Меридиан»", "6315678901"),
      access: { state: "suspended", reason: "Смена руководителя", since: "2026-11-01T10:00:00Z", unblock: null },
    };
    const linked = { ...org("6", "ИП Кузнецова М. И.", "366212345678"), role: "Наблюдатель" };
    let items = [...orgs, suspended];
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "organizations") return { items, online: true };
      if (cmd === "registrations") return [];
      if (cmd === "link_organization") return { ticket: "org_t", phone: "+7 *** ***-**-45", expires_at: "2026-11-23T10:05:00Z" };
      if (cmd === "demo_sms") return { phone: "+7 473 135-14-45", code: "482913", sent_at: "2026-11-23T10:00:00Z" };
      if (cmd === "confirm_link") {
        items = [...items, linked];
        return linked;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(OrgChooser, { session, demo: true, onChoose: vi.fn(), onLogout: vi.fn(), onRegister: vi.fn() });
    const badge = await screen.findByTestId("org-access");
    expect(badge.textContent).toBe("Приостановлен");
    expect(badge.getAttribute("title")).toBe("Смена руководителя");

    await user.click(screen.getByTestId("link-org"));
    const ask = screen.getByTestId("link-ask") as HTMLButtonElement;
    await user.type(screen.getByTestId("link-inn"), "36621234");
    expect(ask.disabled).toBe(true);
    await user.type(screen.getByTestId("link-inn"), "5678");
    await user.click(ask);
    expect((await screen.findByTestId("link-sent")).textContent).toContain("+7 *** ***-**-45");
    expect(screen.getByTestId("link-demo-code").textContent).toContain("482913");
    await user.type(screen.getByTestId("link-code"), "482913");
    await user.click(screen.getByTestId("link-confirm"));
    await waitFor(() =>
      expect(screen.getByTestId("chooser-notice").textContent).toContain("ИП Кузнецова М. И. добавлена в ваш список, роль «Наблюдатель»"),
    );
    expect(screen.queryByTestId("link")).toBeNull();
    expect(calls.find((c) => c.cmd === "confirm_link")?.args).toEqual({ ticket: "org_t", code: "482913" });
    expect(screen.getAllByTestId("org-row").map((r) => r.textContent)).toContainEqual(expect.stringContaining("Кузнецова"));
    expect(screen.getAllByTestId("org-row")[5]?.getAttribute("aria-selected")).toBe("true");
  });
});
