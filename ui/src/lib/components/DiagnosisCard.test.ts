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
});
