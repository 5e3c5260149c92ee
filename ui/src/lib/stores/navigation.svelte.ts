/**
 * Which view the window shows, and how the keyboard moves between views: arrow keys, Home and End
 * inside the navigation list, and Ctrl/Cmd+1…4 anywhere. The labels are part of the product's
 * contract (DESIGN.md): Servers, Traffic, Logs, Settings. It also keeps where Servers was left
 * scrolled: the views share one scrolling region, and a view must never open at another's position.
 */

export const VIEWS = [
  { id: "servers", label: "Servers" },
  { id: "traffic", label: "Traffic" },
  { id: "logs", label: "Logs" },
  { id: "settings", label: "Settings" },
] as const;

export type ViewId = (typeof VIEWS)[number]["id"];

export interface Navigation {
  readonly current: ViewId;
  select(id: ViewId): void;
  /** Where the shown view opens in the scrolling region: Servers, kept while hidden, where it was
   *  left; the others, built afresh each time, at their top. */
  readonly openAt: number;
  /** Records where the shown view is scrolled to. */
  scrolled(top: number): void;
  /** Handles a key pressed inside the navigation list; returns the view to focus, if it moved. */
  onListKey(key: string): ViewId | undefined;
  /** Handles Ctrl/Cmd+digit anywhere; returns true when it switched view. */
  onShortcut(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">): boolean;
}

export function isViewId(value: string): value is ViewId {
  return VIEWS.some((view) => view.id === value);
}

export function createNavigation(initial: ViewId = "servers"): Navigation {
  let current = $state<ViewId>(initial);
  // Not reactive: recording a scroll must not move the region again.
  let serversTop = 0;

  function index(): number {
    return VIEWS.findIndex((view) => view.id === current);
  }

  function moveTo(i: number): ViewId {
    const n = VIEWS.length;
    current = VIEWS[((i % n) + n) % n].id;
    return current;
  }

  return {
    get current() {
      return current;
    },
    select(id) {
      current = id;
    },
    get openAt() {
      return current === "servers" ? serversTop : 0;
    },
    scrolled(top) {
      if (current === "servers") serversTop = top;
    },
    onListKey(key) {
      switch (key) {
        case "ArrowDown":
          return moveTo(index() + 1);
        case "ArrowUp":
          return moveTo(index() - 1);
        case "Home":
          return moveTo(0);
        case "End":
          return moveTo(VIEWS.length - 1);
        default:
          return undefined;
      }
    },
    onShortcut(event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false;
      const digit = Number.parseInt(event.key, 10);
      if (!Number.isInteger(digit) || digit < 1 || digit > VIEWS.length) return false;
      moveTo(digit - 1);
      return true;
    },
  };
}
