/** Puts text on the clipboard: the Clipboard API, else (WebKit without its permission) a selected
 *  field. Rejects when neither copied it, so that the button says so rather than "Copied". */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // No permission (or no Clipboard API): the older way below.
  }
  const field = document.createElement("textarea");
  field.value = text;
  document.body.append(field);
  let copied = false;
  try {
    field.select();
    // False when the browser refused (no selection, not allowed): nothing was copied then.
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  } finally {
    field.remove();
  }
  if (!copied) throw new Error("Could not copy");
}
