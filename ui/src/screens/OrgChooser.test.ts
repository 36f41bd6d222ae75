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
});
