import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import DiagnosisCard from "./DiagnosisCard.svelte";

afterEach(cleanup);

const diagnosis = {
  code: "connection-refused",
  severity: "error",
  server: "remote",
  summary: "The server refused the connection",
  detail: "",
  fix: "Start the server.",
};

describe("Diagnosis card", () => {
  it("is announced as an alert unless told otherwise", () => {
    render(DiagnosisCard, { diagnosis });
    expect(screen.getByRole("alert").textContent).toContain("refused the connection");
  });

  it("is read in its place, unannounced, when given no role", () => {
    render(DiagnosisCard, { diagnosis, role: null });
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByTestId("diagnosis").hasAttribute("role")).toBe(false);
  });

  it("shows backtick-quoted words as code, and a link's address as words, never as a link", () => {
    render(DiagnosisCard, {
      diagnosis: {
        ...diagnosis,
        code: "command-not-found",
        summary: "The command `definitely-not-a-cmd-xyz` was not found",
        detail: "looked in: `/usr/bin`",
        fix: "run `mcp-tray probe NAME`; see [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging)",
      },
    });
    const summary = screen.getByTestId("diagnosis-summary");
    expect(summary.textContent).toBe("The command definitely-not-a-cmd-xyz was not found");
    expect([...summary.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["definitely-not-a-cmd-xyz"]);
    const fix = screen.getByTestId("diagnosis-fix");
    expect(fix.textContent).toBe(
      "Fix: run mcp-tray probe NAME; see debugging documentation (https://modelcontextprotocol.io/docs/tools/debugging)",
    );
    expect([...fix.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["mcp-tray probe NAME"]);
    expect(screen.getByTestId("diagnosis").querySelector("a")).toBeNull();
    // The detail is what a program wrote (stderr, a log line): shown as it came.
    expect(screen.getByTestId("diagnosis").querySelector("pre")?.textContent).toBe("looked in: `/usr/bin`");
  });

  it("shows markup-like text from a server as text, never as HTML", () => {
    render(DiagnosisCard, { diagnosis: { ...diagnosis, summary: "<img src=x onerror=alert(1)> `<b>bold</b>`" } });
    const summary = screen.getByTestId("diagnosis-summary");
    expect(summary.querySelector("img, b")).toBeNull();
    expect(summary.textContent).toBe("<img src=x onerror=alert(1)> <b>bold</b>");
    expect(summary.querySelector("code")?.textContent).toBe("<b>bold</b>");
  });
});

describe("Diagnosis card: its code", () => {
  it("is said in plain words, the code itself kept on hover and for scripts", () => {
    render(DiagnosisCard, { diagnosis: { ...diagnosis, code: "exited-early" } });
    const code = screen.getByTestId("diagnosis-code");
    expect(code.textContent).toBe("Exited early");
    expect(code.title).toBe("exited-early");
    expect(screen.getByTestId("diagnosis").dataset.code).toBe("exited-early");
    expect(screen.getByTestId("diagnosis").textContent).not.toContain("exited-early");
  });
});
