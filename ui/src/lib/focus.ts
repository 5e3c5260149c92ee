/**
 * Keyboard focus after a control that had it went away (a button replaced by another, a banner
 * gone): the browser leaves it on the page itself, so Tab starts over from the top and a screen
 * reader says nothing. These move it to what took the control's place.
 */

/** Whether the focus is on nothing, or on the page itself (the element that had it was removed). */
export function focusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body;
}

/** Moves the focus to `target` when it was lost; never away from where the person put it. */
export function focusIfLost(target: HTMLElement | null | undefined): void {
  if (target && target.isConnected && focusLost()) target.focus();
}

/**
 * Brings the Add card's field to the middle of the view and puts the focus in it: the Servers
 * header's "Add a server" and the tray's "Add remote server…". (The focus alone scrolls only until
 * the field's first line shows at the window's edge, its Add button below it.)
 */
export function focusAddField(): void {
  const field = document.querySelector<HTMLElement>('[data-testid="add-input"]');
  field?.scrollIntoView?.({ block: "center" });
  field?.focus({ preventScroll: true });
}

/** The app's "Signed in to NAME" notice (SignInBanner), when it says something. */
export function signInNotice(): HTMLElement | null {
  const notice = document.querySelector<HTMLElement>('[data-testid="sign-in-notice"]');
  return notice && notice.textContent?.trim() ? notice : null;
}

/** Ctrl+F (⌘F on macOS): the key a person presses to search what a view lists. */
export function findKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "f";
}
